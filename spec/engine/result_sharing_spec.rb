# frozen_string_literal: true

require "spec_helper"
require "bigdecimal"
require "date"

# One buffered Result iterated by several threads at once, and freed by another. The readers pass each an option
# that differs from the query's, so their rows are cast from the text while they iterate: casting a DECIMAL or a
# DATE calls Ruby, where the thread can be switched in the middle of a row, and another thread may cache that
# row, free the rows' text or finish the result meanwhile. Every thread must see the rows in order, each once,
# with the right values; an each stops early only because of a free.
RSpec.describe "a buffered Result shared between threads" do
  # Big enough that iterating outlasts the 100 ms time slice (the readers never yield: rows_per_gvl_yield: 0), so
  # that the timer switches threads wherever the reader is; smaller under ASan or valgrind. Not tagged :gc_stress:
  # under GC.stress even a few hundred rows read by three threads outlast the joins' bounds.
  let(:rows) { ENV["MYSQL2_MEMCHECK"] ? 20_000 : 200_000 }
  let(:sql) do
    "SELECT seq, CAST(seq AS DECIMAL(12,2)) AS amount, DATE('2000-01-01') + INTERVAL seq DAY AS day " \
      "FROM seq_1_to_#{rows}"
  end
  let(:first_day) { Date.new(2000, 1, 1) }

  # Iterates `result` in this thread: the seqs it yielded, and whether it ended on "already been freed". The block
  # only collects (the time goes into building rows, where the thread switches should land); the checks come after.
  def read_all(result)
    got = []
    freed = false
    begin
      result.each(database_timezone: :utc, rows_per_gvl_yield: 0) { |row| got << row }
    rescue Mysql2::Error => e
      raise unless e.message == "Result set has already been freed"

      freed = true
    end
    wrong = got.reject { |row| row["amount"] == BigDecimal(row["seq"]) && row["day"] == first_day + row["seq"] }
    expect(wrong.first(3)).to eq([])
    [got.map { |row| row["seq"] }, freed]
  end

  def share(result, readers:, free_after: nil)
    threads = Array.new(readers) { Thread.new { read_all(result) } }
    freer = free_after && Thread.new do
      sleep free_after
      result.free
    end
    freer&.join(30)
    threads.map { |t| t.join(30) or raise "a reader hung" }.map(&:value)
  end

  let(:client) { new_client }

  it "gives every thread all the rows, in order, once" do
    deadline = monotonic + 8
    iterations(6).times do
      result = client.query(sql)
      share(result, readers: 3).each do |seqs, freed|
        expect(freed).to be(false)
        expect(seqs).to eq((1..rows).to_a)
      end
      expect(result.count).to eq(rows)
      expect(result.to_a.map { |row| row["seq"] }).to eq((1..rows).to_a)
      break if monotonic > deadline
    end
  end

  it "never breaks when another thread frees the result while they iterate" do
    deadline = monotonic + 8
    iterations(12).times do
      result = client.query(sql)
      outcomes = share(result, readers: [1, 2].sample, free_after: rand * 0.3)
      outcomes.map(&:first).each { |seqs| expect(seqs).to eq((1..seqs.size).to_a) } # a prefix, however it ended
      expect(client.query("SELECT 1 AS one").first).to eq("one" => 1)
      break if monotonic > deadline
    end
  end
end
