# frozen_string_literal: true

require "spec_helper"

# RSS stays flat across many queries, connections and abandoned streams (tagged :rss: the memcheck tasks leave it
# out, since ASan and valgrind keep freed memory in quarantine). Each loop runs a warm-up first, so that Ruby's heap,
# the allocator's arenas and the library's buffers reach their working size, then checks the growth over the rest.
# `rake soak` runs the long version (1,000,000 queries, 10,000 prepared statements).
RSpec.describe "memory", :rss do
  let(:growth_limit_mb) { 20 }

  def rss_mb
    File.read("/proc/self/status")[/^VmRSS:\s+(\d+)/, 1].to_i / 1024.0
  end

  # Runs the block `warmup` times, then `count` times; returns the RSS growth (MB) over the second part. A full GC
  # every count/20 iterations (in both parts) keeps the garbage between collections the same size whatever Ruby's
  # malloc limit has grown to in earlier specs, so that what remains is memory nothing can free.
  def growth(count, warmup: count / 10, &block)
    run_collecting(warmup, count / 20, &block)
    GC.start
    before = rss_mb
    run_collecting(count, count / 20, &block)
    GC.start
    (rss_mb - before).tap do |mb|
      warn format("rss: %<mb>+.1f MB over %<count>d iterations", mb: mb, count: count) if ENV["MYSQL2_RSS_VERBOSE"]
    end
  end

  def run_collecting(count, every)
    count.times do |i|
      yield i
      GC.start if (i % every) == every - 1
    end
  end

  it "stays flat across 200,000 queries" do
    client = new_client(socket: true)
    grown = growth(200_000) { |i| client.query("SELECT #{i} AS n, 'row' AS s").each { |row| row } }
    expect(grown).to be < growth_limit_mb
  end

  it "stays flat across 10,000 connect/close cycles" do
    grown = growth(10_000, warmup: 2_000) do
      Mysql2::Client.new(client_options(socket: true)).tap { |c| c.query("SELECT 1") }.close
    end
    expect(grown).to be < growth_limit_mb
  end

  it "stays flat across 1,000 abandoned streams (each drained by the next command)" do
    client = new_client(socket: true)
    grown = growth(1_000) do
      result = client.query("SELECT seq, REPEAT('x', 200) AS pad FROM seq_1_to_2000", stream: true, cache_rows: false)
      result.first # read one row, leave the rest
      expect(client.query("SELECT 1 AS one").first).to eq("one" => 1)
    end
    expect(grown).to be < growth_limit_mb
  end
end
