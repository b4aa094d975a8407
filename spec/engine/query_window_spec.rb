# frozen_string_literal: true

require "spec_helper"

# What Client#query and Statement#execute do while the server works on the statement they sent (client.c
# query_meanwhile, statement.c execute_meanwhile): the merged options Hash (@current_query_options), the options
# that cannot fail, and the Result are made before the reply arrives. That work runs no Ruby code; an options Hash
# that could run some (a subclass, a default, a default proc) or a frozen client is handled before the send as
# mysql2 does, so what it raises leaves the connection usable. The Results allocated for statements that have no
# rows must be harmless wherever they are found.
RSpec.describe "work done while the server answers a query" do
  # A query-options Hash whose #merge raises.
  let(:failing_options_class) do
    Class.new(Hash) do
      def merge(*)
        raise ArgumentError, "merge failed"
      end
    end
  end

  def raise_on_as(client)
    client.query_options.delete(:as)
    client.query_options.default_proc = proc { |_hash, key| raise KeyError, "no #{key}" if key == :as }
  end

  it "merges an options Hash of a subclass before the send: what its merge raises leaves the connection usable" do
    client = new_client
    good = client.query_options
    client.instance_variable_set(:@query_options, failing_options_class.new.merge!(good))
    expect { client.query("SELECT 1") }.to raise_error(ArgumentError, "merge failed")
    client.instance_variable_set(:@query_options, good)
    expect(client.query("SELECT 2 AS two").to_a).to eq([{ "two" => 2 }])
  end

  it "reads an options Hash with a default proc before the send, for query and execute alike" do
    client = new_client
    statement = client.prepare("SELECT ? AS v")
    raise_on_as(client)
    expect { client.query("SELECT 1") }.to raise_error(KeyError, "no as")
    expect { statement.execute(1) }.to raise_error(KeyError, "no as")
    client.query_options.default_proc = nil
    expect(client.query("SELECT 2 AS two").to_a).to eq([{ "two" => 2 }])
    expect(statement.execute(3).to_a).to eq([{ "v" => 3 }])
  end

  it "calls a default proc with the merged Hash, as base.merge(options) does: the client's Hash keeps its keys" do
    client = new_client
    keys = client.query_options.keys - [:stream]
    client.query_options.delete(:stream)
    client.query_options.default_proc = proc { |hash, key| hash[key] = nil }
    result = client.query("SELECT 1 AS a", as: :array)
    expect(result.to_a).to eq([[1]])
    expect(client.query_options.keys).to match_array(keys)
    expect(result.query_options).to include(stream: nil)
  end

  it "does not take a default from the query's own options Hash, before or after the send" do
    client = new_client
    row = client.query("SELECT 'abc' AS s", Hash.new(Encoding::BINARY)).first
    expect(row["s"].encoding).to eq(Encoding::UTF_8)
    expect(client.query("SELECT 1 AS a", Hash.new(:array).merge(cast: false)).first).to eq("a" => "1")
  end

  it "raises FrozenError for a frozen client before anything is sent" do
    client = new_client
    client.freeze
    expect { client.query("SELECT 1") }.to raise_error(FrozenError)
    expect(client.ping).to be(true)
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
      20.times { |i| expect(client.query("DO 1", unused_tag: i)).to be_nil } # the tag lands in @query_options
      unused = ObjectSpace.each_object(Mysql2::Result).select { |r| r.query_options.key?(:unused_tag) }
    ensure
      GC.enable
    end
    expect(unused.map { |r| r.query_options[:unused_tag] }).to match_array(0...20)
    unused.each do |result|
      expect(result.count).to eq(0)
      expect(result.query_options).to eq(client.query_options.merge(unused_tag: result.query_options[:unused_tag]))
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
