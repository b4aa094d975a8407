# frozen_string_literal: true

require "spec_helper"

# Garbage collection (contract §3): finalizers never speak the protocol; abandoned streams are drained at the next
# command; every Ruby object held from C survives compaction.
RSpec.describe "garbage collection" do
  it "drains an abandoned, garbage-collected stream before the next command", :gc_stress do
    client = new_client
    iterations(200).times do |i|
      holder = [client.query("SELECT seq FROM seq_1_to_2000", stream: true, cache_rows: false)]
      expect(holder.first.first).to eq("seq" => 1)
      holder.clear
      GC.start if (i % 20).zero?
      expect(client.query("SELECT #{i} AS i").first).to eq("i" => i)
    end
  end

  # Abandoned statements made in their own frame, so that nothing references them.
  def abandon_statements(client, count)
    count.times { |i| client.prepare("SELECT #{i} + ?") }
    nil
  end

  it "keeps statements collected during a stream queued until the stream is done (a fetch is no safe point)" do
    client = new_client
    abandon_statements(client, 20)
    seen = 0
    Timeout.timeout(10) do
      client.query("SELECT seq FROM seq_1_to_5000", stream: true, cache_rows: false).each do |row|
        seen += 1
        GC.start if row["seq"] == 1000
      end
    end
    expect(seen).to eq(5000)
    expect(client.query("SELECT 'after' AS a").first).to eq("a" => "after")
    expect(client.prepared_statements).to eq([])
  end

  it "keeps a dropped stream's rows from the next result, without GC" do
    client = new_client
    stream = client.query("SELECT seq FROM seq_1_to_100", stream: true, cache_rows: false)
    expect(stream.first).to eq("seq" => 1)
    expect(client.query("SELECT 'next' AS n").to_a).to eq([{ "n" => "next" }])
    expect { stream.each { nil } }.to raise_error(Mysql2::Error, /already fetched all the rows/)
  end

  it "uses clients and results after GC.compact" do
    client = new_client
    result = client.query("SELECT 'a' AS x UNION ALL SELECT 'b'", symbolize_keys: true)
    stream = client.query("SELECT seq FROM seq_1_to_3", stream: true, cache_rows: false)
    GC.verify_compaction_references(double_heap: true, toward: :empty)
    expect(stream.map { |r| r["seq"] }).to eq([1, 2, 3])
    expect(result.query_options).to include(symbolize_keys: true, as: :hash)
    expect(result.each(cast: false).map { |r| r[:x] }).to eq(%w[a b])
    expect(result.fields).to eq(%i[x])
    expect(client.query("SELECT 1 AS one").first).to eq("one" => 1)
  end

  # Connection ids of clients that nothing references any more (made in their own frame).
  def abandoned_client_ids(count)
    Array.new(count) { Mysql2::Client.new(client_options).thread_id }
  end

  it "frees a client's session when the client is garbage-collected" do
    ids = abandoned_client_ids(10)
    gone = eventually do
      GC.start(full_mark: true, immediate_sweep: true)
      ids.count { |id| !server_session?(id) } >= 9
    end
    expect(gone).to be(true)
  end

  def server_session?(id)
    observer.query("SELECT 1 FROM information_schema.processlist WHERE id = #{id}").count.positive?
  end
end
