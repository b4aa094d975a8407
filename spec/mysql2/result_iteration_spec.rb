# frozen_string_literal: true

require "spec_helper"

# Result#each and Enumerable: caching, freeing and streaming (API reference §3a, §3b; contract §3).
RSpec.describe Mysql2::Result, "iteration" do
  let(:client) { new_client }
  let(:exhausted) do
    "You have already fetched all the rows for this query and streaming is true. (to reiterate you must requery)."
  end

  def seqs(rows)
    rows.map { |r| r["seq"] }
  end

  describe "a buffered result" do
    it "returns the cached rows Array from each, and replays identical objects" do
      result = client.query("SELECT seq FROM seq_1_to_3")
      yielded = []
      returned = result.each { |row| yielded << row }
      expect(returned).to be_an(Array)
      expect(returned).to eq([{ "seq" => 1 }, { "seq" => 2 }, { "seq" => 3 }])
      again = []
      expect(result.each { |row| again << row }).to equal(returned)
      expect(again.map(&:object_id)).to eq(yielded.map(&:object_id))
    end

    it "materializes and returns the rows from each without a block, never an Enumerator" do
      result = client.query("SELECT seq FROM seq_1_to_3")
      rows = result.each
      expect(rows).to be_an(Array)
      expect(seqs(rows)).to eq([1, 2, 3])
      expect { result.each }.to raise_error(LocalJumpError) # fully cached and freed: each yields the cache
    end

    it "supports Enumerable: to_a, first, map, each_with_index, select, count and size" do
      result = client.query("SELECT seq FROM seq_1_to_4")
      expect(result.count).to eq(4) # before any each: the library's row count
      expect(result.size).to eq(4)
      expect(result.first).to eq("seq" => 1)
      expect(result.first).to eq("seq" => 1) # buffered: first does not consume
      expect(seqs(result.to_a)).to eq([1, 2, 3, 4])
      expect(result.map { |r| r["seq"] * 2 }).to eq([2, 4, 6, 8])
      expect(result.each_with_index.map { |r, i| r["seq"] + i }).to eq([1, 3, 5, 7])
      expect(result.select { |r| r["seq"].even? }.size).to eq(2)
      expect(result.count).to eq(4)
      expect { result.count { true } }.not_to raise_error # a block is ignored by the C count
    end

    it "returns an empty Array and yields nothing for an empty result" do
      result = client.query("SELECT 1 FROM DUAL WHERE 1 = 0")
      yielded = []
      expect(result.each { |row| yielded << row }).to eq([])
      expect(yielded).to eq([])
      expect(result.count).to eq(0)
      expect(result.first).to be_nil
      expect(result.to_a).to eq([])
    end

    it "resumes after a break, replaying the rows cached so far" do
      result = client.query("SELECT seq FROM seq_1_to_5")
      result.each { |row| break if row["seq"] == 2 }
      expect(seqs(result.to_a)).to eq([1, 2, 3, 4, 5])
    end

    it "rebuilds rows on every each with cache_rows: false, and returns an empty Array" do
      result = client.query("SELECT seq FROM seq_1_to_3", cache_rows: false)
      first = []
      expect(result.each { |r| first << r }).to eq([])
      second = result.map { |r| r } # Enumerable#map goes through each
      expect(second).to eq(first)
      expect(second.map(&:object_id) & first.map(&:object_id)).to be_empty
      expect(result.count).to eq(3)
    end

    it "raises 'Result set has already been freed' for each after free" do
      result = client.query("SELECT seq FROM seq_1_to_3")
      expect(result.free).to be_nil
      expect { result.each { nil } }.to raise_error(Mysql2::Error, "Result set has already been freed")
      expect { result.to_a }.to raise_error(Mysql2::Error, "Result set has already been freed")
      expect(result.free).to be_nil # idempotent
      expect(result.fields).to eq(["seq"])
    end

    it "keeps replaying after free once every row was cached" do
      result = client.query("SELECT seq FROM seq_1_to_3")
      rows = result.to_a
      result.free
      expect(result.to_a).to eq(rows)
      expect(result.count).to eq(3)
    end

    it "ends the iteration cleanly when free is called inside the block, and refuses to iterate again" do
      result = client.query("SELECT seq FROM seq_1_to_5")
      seen = []
      result.each do |row|
        seen << row["seq"]
        result.free if row["seq"] == 2
      end
      expect(seen).to eq([1, 2])
      expect { result.to_a }.to raise_error(Mysql2::Error, "Result set has already been freed")
    end

    it "ends a cache_rows: false iteration when free is called inside the block" do
      result = client.query("SELECT seq FROM seq_1_to_5", cache_rows: false)
      seen = []
      result.each do |row|
        seen << row["seq"]
        result.free if row["seq"] == 3
      end
      expect(seen).to eq([1, 2, 3])
      expect { result.each { nil } }.to raise_error(Mysql2::Error, "Result set has already been freed")
    end

    it "does not skip a row whose cast raised: the next each raises for it again" do
      client.query("SET SESSION sql_mode = 'ALLOW_INVALID_DATES'")
      client.query("CREATE TEMPORARY TABLE bad_d (id INT PRIMARY KEY, d DATE)")
      client.query("INSERT INTO bad_d VALUES (1, '2001-01-01'), (2, '2001-00-01'), (3, '2001-01-03')")
      result = client.query("SELECT * FROM bad_d ORDER BY id")
      2.times { expect { result.to_a }.to raise_error(Mysql2::Error, /Invalid date in field 'd': 2001-00-01/) }
      expect(result.count).to eq(3)
      uncached = client.query("SELECT * FROM bad_d ORDER BY id", cache_rows: false)
      2.times { expect { uncached.to_a }.to raise_error(Mysql2::Error, /Invalid date/) }
    end

    it "builds a row intact even if Client.local_offset (Ruby) frees the result (run under spec:valgrind/asan)" do
      result = client.query("SELECT CAST('9999-12-31 23:00:00' AS DATETIME) AS far, REPEAT('z', 300) AS s")
      original = Mysql2::Client.method(:local_offset)
      Mysql2::Client.define_singleton_method(:local_offset) do
        result.free
        original.call
      end
      row = result.first
      expect(row["s"]).to eq("z" * 300)
      expect(row["far"]).to eq(DateTime.civil(9999, 12, 31, 23, 0, 0, Rational(Time.now.utc_offset, 86_400)))
    ensure
      Mysql2::Client.singleton_class.send(:remove_method, :local_offset)
      Mysql2::Client.define_singleton_method(:local_offset, original)
      Mysql2::Client.private_class_method(:local_offset)
    end

    it "keeps the connection usable for other queries while a buffered result is being read" do
      result = client.query("SELECT seq FROM seq_1_to_3")
      inner = result.map { |row| client.query("SELECT #{row["seq"]} * 10 AS x").first["x"] }
      expect(inner).to eq([10, 20, 30])
    end

    it "propagates an exception from the block and stays iterable" do
      result = client.query("SELECT seq FROM seq_1_to_3")
      expect { result.each { |row| raise ArgumentError, "stop" if row["seq"] == 2 } }.to raise_error(ArgumentError)
      expect(seqs(result.to_a)).to eq([1, 2, 3])
    end
  end

  describe "a streaming result" do
    def stream(sql = "SELECT seq FROM seq_1_to_1000", **opts)
      client.query(sql, stream: true, cache_rows: false, **opts)
    end

    it "yields every row once and returns an empty Array" do
      result = stream
      seen = []
      expect(result.each { |row| seen << row["seq"] }).to eq([])
      expect(seen).to eq((1..1000).to_a)
      expect(result.count).to eq(1000)
    end

    it "can be iterated only once, with mysql2's message" do
      result = stream
      result.each { nil }
      expect { result.each { nil } }.to raise_error(Mysql2::Error, exhausted)
      expect { result.to_a }.to raise_error(Mysql2::Error, exhausted)
    end

    it "resumes after break, so that a second each drains the rest (Sequel's pattern)" do
      result = stream
      first = []
      result.each do |row|
        first << row["seq"]
        break if first.size == 10
      end
      rest = result.map { |row| row["seq"] }
      expect(first).to eq((1..10).to_a)
      expect(rest).to eq((11..1000).to_a)
      expect(result.count).to eq(1000)
    end

    it "consumes a row with each call to first" do
      result = stream
      expect(result.first).to eq("seq" => 1)
      expect(result.first).to eq("seq" => 2)
      expect(result.count).to eq(2)
      expect(seqs(result.to_a).first).to eq(3)
    end

    it "counts the rows yielded so far" do
      result = stream
      expect(result.count).to eq(0)
      result.each { |row| break if row["seq"] == 7 }
      expect(result.size).to eq(7)
    end

    it "is drained when abandoned: the next query on the connection works (no 'Commands out of sync')" do
      result = stream
      result.each { |row| break if row["seq"] == 5 }
      expect(client.query("SELECT 42 AS answer").first).to eq("answer" => 42)
      expect { result.each { nil } }.to raise_error(Mysql2::Error, exhausted)
      expect(result.fields).to eq(["seq"])
    end

    it "is drained when abandoned after first, also before ping and a second stream" do
      first = stream
      expect(first.first).to eq("seq" => 1)
      expect(client.ping).to be(true)
      second = stream("SELECT seq FROM seq_1_to_3")
      expect(seqs(second.to_a)).to eq([1, 2, 3])
      expect { first.each { nil } }.to raise_error(Mysql2::Error, exhausted)
    end

    it "is drained when an exception leaves the block" do
      result = stream
      expect { result.each { |row| raise IOError, "boom" if row["seq"] == 3 } }.to raise_error(IOError)
      expect(client.query("SELECT 1 AS one").first).to eq("one" => 1)
    end

    it "is drained when the abandoned Result is garbage-collected" do
      Thread.new { stream.each { |row| break if row["seq"] == 2 } }.join # no Ruby reference survives
      3.times { GC.start }
      expect(client.query("SELECT 7 AS seven").first).to eq("seven" => 7)
      expect(seqs(stream("SELECT seq FROM seq_1_to_2").to_a)).to eq([1, 2])
    end

    it "raises 'Result set has already been freed' after free mid-stream, and the connection stays usable" do
      result = stream
      result.first
      result.free
      expect { result.each { nil } }.to raise_error(Mysql2::Error, "Result set has already been freed")
      expect(client.query("SELECT 1 AS one").first).to eq("one" => 1)
    end

    it "warns on every each that cache_rows is ignored while streaming" do
      result = client.query("SELECT seq FROM seq_1_to_3", stream: true) # cache_rows: true from the defaults
      expect { result.each { |row| break if row["seq"] == 1 } }
        .to output(/:cache_rows is ignored if :stream is true/).to_stderr
      expect { result.each { nil } }.to output(/:cache_rows is ignored if :stream is true/).to_stderr
      expect { stream.first }.not_to output.to_stderr
    end

    it "streams with per-each options" do
      result = stream("SELECT seq FROM seq_1_to_3")
      rows = []
      result.each(as: :array) { |row| rows << row and break }
      result.each(cast: false) { |row| rows << row }
      expect(rows).to eq([[1], { "seq" => "2" }, { "seq" => "3" }])
    end

    it "raises KILL QUERY at the end of each with error_number 1317 and sql_state 70100",
       :external_server_unsupported do
      sql = "SELECT seq, REPEAT('x', 200) AS pad FROM seq_1_to_50000000" # far more than the socket buffers hold
      result = stream(sql)
      seen = 0
      error = nil
      begin
        result.each do
          seen += 1
          observer.query("KILL QUERY #{client.thread_id}") if seen == 5
        end
      rescue Mysql2::Error => e
        error = e
      end
      expect(error).not_to be_nil
      expect(error.error_number).to eq(1317)
      expect(error.sql_state).to eq("70100")
      expect(error.message).to eq("Query execution was interrupted")
      expect(seen).to be < 50_000_000
      expect(client.query("SELECT 1 AS one").first).to eq("one" => 1)
    end
  end

  describe "Result.new and Result.allocate" do
    it "are refused with TypeError" do
      expect { described_class.new }.to raise_error(TypeError)
      expect { described_class.allocate }.to raise_error(TypeError)
    end
  end
end
