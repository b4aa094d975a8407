# frozen_string_literal: true

require "spec_helper"

# What Client#query does while the server works on the statement it sent (client.c, query_meanwhile): it takes
# the merged options Hash (@current_query_options) and allocates the Result before the reply arrives. An exception
# there must not leave that reply unread on a usable connection, and the Results allocated for statements that
# have no rows must be harmless wherever they are found.
RSpec.describe "work done while the server answers a query" do
  # A query-options Hash whose #merge (called once the query is sent) raises.
  let(:failing_options_class) do
    Class.new(Hash) do
      def merge(*)
        raise ArgumentError, "merge failed"
      end
    end
  end

  def failing_options(client)
    failing_options_class.new.merge!(client.query_options)
  end

  it "tears the session down when that work raises: the unread reply never answers a later query" do
    client = new_client(reconnect: true)
    good = client.query_options
    bad = failing_options(client)
    30.times do |i|
      client.instance_variable_set(:@query_options, bad)
      expect { client.query("SELECT #{i} AS stale") }.to raise_error(ArgumentError, "merge failed")
      client.instance_variable_set(:@query_options, good)
      expect(client.query("SELECT #{i} AS fresh").to_a).to eq([{ "fresh" => i }])
    end
  end

  it "leaves a client without reconnect not connected after such an exception" do
    client = new_client
    good = client.query_options
    client.instance_variable_set(:@query_options, failing_options(client))
    expect { client.query("SELECT 1") }.to raise_error(ArgumentError, "merge failed")
    client.instance_variable_set(:@query_options, good)
    expect { client.query("SELECT 2") }.to raise_error(Mysql2::Error, /not connected/)
    expect(client.ping).to be(false)
  end

  # The options read while the server works (as, cast, ...) come from the merged Hash, which keeps the client
  # Hash's default: one that raises does so after the send.
  def raise_on_as(client)
    client.query_options.delete(:as)
    client.query_options.default_proc = proc { |_hash, key| raise KeyError, "no #{key}" if key == :as }
  end

  it "tears the session down when a statement's execute raises there, and the reply never answers later" do
    client = new_client(reconnect: true)
    10.times do |i|
      statement = client.prepare("SELECT ? AS v")
      raise_on_as(client)
      expect { statement.execute(i) }.to raise_error(KeyError, "no as")
      client.query_options.default_proc = nil
      expect(client.query("SELECT #{i} AS fresh").to_a).to eq([{ "fresh" => i }])
      expect { statement.execute(i) }.to raise_error(Mysql2::Error::ConnectionError, /no longer valid/)
      expect(client.prepare("SELECT ? AS v").execute(i).to_a).to eq([{ "v" => i }])
    end
  end

  it "tears the session down when the options' default raises there during a query" do
    client = new_client(reconnect: true)
    raise_on_as(client)
    expect { client.query("SELECT 1") }.to raise_error(KeyError, "no as")
    client.query_options.default_proc = nil
    expect(client.query("SELECT 2 AS two").to_a).to eq([{ "two" => 2 }])
  end

  it "checks the options before sending anything: an invalid one raises and the connection stays usable" do
    client = new_client
    expect { client.query("SELECT 1", rows_per_gvl_yield: -1) }.to raise_error(Mysql2::Error, /negative/)
    expect { client.query("SELECT 1", force_encoding: 5) }.to raise_error(TypeError, /force_encoding/)
    expect(client.query("SELECT 3 AS c").first).to eq("c" => 3)
  end

  it "takes the options Hash before a send that has to wait, so the rows follow the Hash their Result keeps" do
    client = new_client
    sql = "SELECT 'abc' AS s -- #{"x" * 15_000_000}" # more than the socket buffers take: the send waits
    stop = false
    flipper = Thread.new do
      until stop
        client.query_options[:force_encoding] = client.query_options[:force_encoding] ? nil : Encoding::BINARY
        Thread.pass
      end
    end
    encodings = 30.times.map do
      result = client.query(sql)
      expected = result.query_options[:force_encoding] || Encoding::UTF_8
      expect(result.first["s"].encoding).to eq(expected)
      expected
    end
    expect(encodings.uniq.size).to eq(2) # the other thread did change the option between queries
  ensure
    stop = true
    flipper&.join
  end

  it "leaves the Results allocated for statements without rows inert (empty, freed), reachable or not" do
    client = new_client
    GC.disable
    begin
      before = ObjectSpace.each_object(Mysql2::Result).map(&:object_id)
      20.times { expect(client.query("DO 1")).to be_nil }
      unused = ObjectSpace.each_object(Mysql2::Result).reject { |r| before.include?(r.object_id) }
    ensure
      GC.enable
    end
    expect(unused.size).to eq(20)
    unused.each do |result|
      expect(result.count).to eq(0)
      expect(result.query_options).to eq(client.query_options)
      expect { result.to_a }.to raise_error(Mysql2::Error, "Result set has already been freed")
      Mysql2::Result.public_instance_methods(false).each do |name|
        next unless result.method(name).arity.zero?

        begin
          result.public_send(name)
        rescue Mysql2::Error
          nil # a freed Result may refuse; it must not crash
        end
      end
    end
    GC.start
    expect(client.query("SELECT 4 AS d").first).to eq("d" => 4)
  end
end
