# frozen_string_literal: true

require "spec_helper"

# Result#first is defined in C (ext/mysql2/result.c) instead of coming from Enumerable, which runs each with a
# block that breaks. It must give what Enumerable#first gives and leave the Result as Enumerable#first leaves it.
RSpec.describe Mysql2::Result, "#first" do
  let(:client) { new_client }
  let(:enumerable_first) { Enumerable.instance_method(:first) }

  # Two Results of the same rows: one for the C #first, one for Enumerable's.
  kinds = {
    "buffered" => ->(c, sql) { c.query(sql) },
    "cache_rows: false" => ->(c, sql) { c.query(sql, cache_rows: false) },
    "as: :array, symbolize_keys" => ->(c, sql) { c.query(sql, as: :array, symbolize_keys: true) },
    "streamed" => ->(c, sql) { c.query(sql, stream: true, cache_rows: false) },
    "prepared" => ->(c, sql) { c.prepare(sql).execute },
    "prepared, streamed" => ->(c, sql) { c.prepare(sql).execute(stream: true, cache_rows: false) }
  }

  kinds.each do |kind, run|
    [[], [0], [1], [2], [3.9], [5]].each do |args|
      it "gives #{kind} rows as Enumerable#first(#{args.join}) does, and leaves the rest to each" do
        [3, 0].each do |rows| # a result with rows and an empty one
          sql = "SELECT seq AS n, CAST(seq AS DECIMAL(4,1)) AS d FROM seq_1_to_3 WHERE seq <= #{rows}"
          ours = run.call(client, sql)
          reference = run.call(new_client, sql)
          2.times do # a stream moves on, and may end
            expect(outcome { ours.first(*args) }).to eq(outcome { enumerable_first.bind_call(reference, *args) })
          end
          expect(outcome { ours.to_a }).to eq(outcome { reference.to_a })
          expect(ours.count).to eq(reference.count)
        end
      end
    end
  end

  it "raises an invalid date at its row as Enumerable#first does, and leaves the same rows behind" do
    other = new_client
    [client, other].each { |c| c.query("SET SESSION sql_mode = ''") }
    sql = "SELECT seq AS n, CAST(IF(seq = 2, '2020-00-10', '2020-01-01') AS DATE) AS d FROM seq_1_to_3"
    kinds.each do |kind, run|
      [[], [1], [2], [3]].each do |args|
        ours = outcome { run.call(client, sql) }
        reference = outcome { run.call(other, sql) }
        next expect(ours).to eq(reference) if ours.is_a?(Array) # prepared: execute reads every row, and raises

        expect(kind).not_to eq("prepared")
        expect(outcome { ours.first(*args) }).to eq(outcome { enumerable_first.bind_call(reference, *args) })
        expect(outcome { ours.first(*args) }).to eq(outcome { enumerable_first.bind_call(reference, *args) })
        expect(outcome { ours.to_a }).to eq(outcome { reference.to_a })
      end
    end
  end

  it "returns the row that each caches and replays" do
    result = client.query("SELECT seq AS n FROM seq_1_to_3")
    first = result.first
    expect(result.to_a.first).to equal(first)
    expect(result.first(2).map(&:object_id)).to eq(result.to_a.take(2).map(&:object_id))
  end

  it "refuses a negative, non-numeric or missing count as Enumerable#first does" do
    result = client.query("SELECT 1 AS n")
    expect { result.first(-1) }.to raise_error(ArgumentError, "attempt to take negative size")
    expect { result.first("1") }.to raise_error(TypeError, enumerable_error("1"))
    expect { result.first(nil) }.to raise_error(TypeError, enumerable_error(nil))
    expect { result.first(1, 2) }.to raise_error(ArgumentError, /given 2, expected 0\.\.1/)
  end

  # The block's value, or the class and message of what it raised.
  def outcome
    yield
  rescue StandardError => e
    [e.class, e.message]
  end

  def enumerable_error(arg)
    enumerable_first.bind_call([1], arg)
  rescue TypeError => e
    e.message
  end

  it "raises what each raises after free" do
    result = client.query("SELECT seq AS n FROM seq_1_to_3", cache_rows: false)
    result.free
    expect { result.first }.to raise_error(Mysql2::Error, "Result set has already been freed")
    stream = client.query("SELECT seq AS n FROM seq_1_to_3", stream: true, cache_rows: false)
    stream.each { nil }
    expect { stream.first }.to raise_error(Mysql2::Error, /already fetched all the rows/)
  end

  it "warns as each does when a stream is asked for cache_rows" do
    result = client.query("SELECT seq AS n FROM seq_1_to_3", stream: true)
    expect { expect(result.first).to eq("n" => 1) }.to output(/:cache_rows is ignored if :stream is true/).to_stderr
  end
end
