# frozen_string_literal: true

require "spec_helper"

# RSS stays flat across many queries, connections and abandoned streams (tagged :rss: the memcheck tasks leave it
# out, since ASan and valgrind keep freed memory in quarantine). Each loop runs a warm-up first, so that Ruby's heap,
# the allocator's arenas and the library's buffers reach their working size, then checks the growth over the rest.
# `rake soak` runs the long version (1,000,000 queries, 10,000 prepared statements).
RSpec.describe "memory", :rss do
  let(:growth_limit_mb) { 20 }

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
