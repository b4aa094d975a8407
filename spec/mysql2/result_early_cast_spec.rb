# frozen_string_literal: true

require "spec_helper"

# A buffered result casts its cells while the rows arrive, with the query's options (doc/adr/0004). Whatever
# `each` is then given must win, exactly as if nothing had been cast before: these compare each(options) on a
# result that cast early with the same options given to the query itself.
RSpec.describe Mysql2::Result, "cells cast while the rows arrive" do
  let(:client) { new_client }

  around { |example| with_tz("Asia/Kathmandu") { example.run } } # local time differs from UTC

  let(:sql) { "SELECT * FROM early ORDER BY id" }

  before do
    client.query("CREATE TEMPORARY TABLE early (id INT, even TINYINT(1), d DECIMAL(4,1), f DOUBLE, ts DATETIME, " \
                 "dt DATE, s VARCHAR(20), n INT) CHARACTER SET utf8mb4")
    client.query("INSERT INTO early SELECT seq, seq % 2 = 0, seq % 3, seq / 4, " \
                 "TIMESTAMP '2020-07-01 12:00:00' + INTERVAL seq DAY, DATE '2020-01-01' + INTERVAL seq DAY, " \
                 "CONCAT('t\u00e9xt ', seq), IF(seq % 5 = 0, NULL, seq) FROM seq_1_to_300")
  end

  def rows_of(result, **options)
    out = []
    result.each(**options) { |row| out << row }
    out
  end

  [{ symbolize_keys: true }, { as: :array }, { cast: false }, { cast_booleans: true },
   { database_timezone: :utc }, { application_timezone: :utc }, { database_timezone: :utc, as: :array }]
    .each do |options|
    it "gives each(#{options}) the rows a query with those options gives" do
      expect(rows_of(client.query(sql), **options)).to eq(rows_of(client.query(sql, **options)))
    end
  end

  it "keys the rows by the field names as renamed in place before each (Sequel)" do
    result = client.query(sql)
    result.fields.map! { |name| :"x_#{name}" }
    rows = rows_of(result, cast_booleans: true)
    expect(rows.first.keys).to eq(%i[x_id x_even x_d x_f x_ts x_dt x_s x_n])
    expect(rows.map(&:values)).to eq(rows_of(client.query(sql, cast_booleans: true)).map(&:values))
  end

  it "encodes Strings in the Encoding.default_internal of each, not of the query" do
    result = client.query(sql)
    strings = with_default_internal(Encoding::UTF_16LE) { rows_of(result, as: :array).map { |row| row[6] } }
    expect(strings.map(&:encoding).uniq).to eq([Encoding::UTF_16LE])
    expect(strings.first.encode(Encoding::UTF_8)).to eq("t\u00e9xt 1")
  end

  it "raises an invalid date in each, at its row, every time, after yielding the rows before it" do
    client.query("SET SESSION sql_mode = ''")
    bad = "SELECT seq AS id, IF(seq = 150, '2020-00-10', DATE '2020-01-01' + INTERVAL seq DAY) AS dt " \
          "FROM seq_1_to_200"
    result = client.query("SELECT id, CAST(dt AS DATE) AS dt FROM (#{bad}) AS t")
    2.times do
      seen = []
      expect { result.each { |row| seen << row["id"] } }.to raise_error(Mysql2::Error, /Invalid date/)
      expect(seen).to eq((1..149).to_a)
    end
    rows = rows_of(result, cast: false) # the 149 cached rows, then the rest built with these options
    expect(rows.size).to eq(200)
    expect(rows[148]["dt"]).to eq(Date.new(2020, 5, 29))
    expect(rows[149]["dt"]).to eq("2020-00-10")
  end

  it "casts with the process time zone of each when ENV['TZ'] changed after the query" do
    result = client.query(sql) # cast early in Asia/Kathmandu (the around block)
    times = with_tz("America/New_York") { rows_of(result).map { |row| row["ts"] } }
    expect(times.first).to eq(with_tz("America/New_York") { Time.local(2020, 7, 2, 12, 0, 0) })
  end

  it "casts a DateTime (past Time's range) with the process time zone of each when ENV['TZ'] changed" do
    sql = "SELECT CAST(seq AS DECIMAL(4,1)) AS d, CAST('9999-12-31 23:59:59' AS DATETIME) AS far FROM seq_1_to_20"
    casts, result = count_decimal_casts { client.query(sql) }
    expect(casts).to eq(20) # cast early (past 16 rows), in Asia/Kathmandu
    far = with_tz("America/New_York") { rows_of(result).first["far"] }
    expect(far).to be_a(DateTime)
    expect(far.offset).to eq(with_tz("America/New_York") { Rational(Time.now.utc_offset, 86_400) })
  end

  it "tears the session down when an exception interrupts the casting inside the query" do
    # Kernel.BigDecimal is what a DECIMAL cell calls: make it raise the way Thread#raise or Timeout would
    raising = Module.new do
      def BigDecimal(*args, **kwargs) # rubocop:disable Naming/MethodName
        raise Interrupt, "interrupted while casting" if Thread.current[:mysql2_spec_interrupt]

        super
      end
    end
    Kernel.singleton_class.prepend(raising)
    client.query("SELECT 1") # the session to lose
    begin
      Thread.current[:mysql2_spec_interrupt] = true
      expect { client.query("SELECT seq, CAST(seq AS DECIMAL(6,2)) AS d FROM seq_1_to_5000") }
        .to raise_error(Interrupt, "interrupted while casting")
    ensure
      Thread.current[:mysql2_spec_interrupt] = nil
    end
    expect { client.query("SELECT 1") }.to raise_error(Mysql2::Error, /not connected/)
    expect(new_client.query("SELECT 1 AS one").first).to eq("one" => 1)
  end

  it "casts nothing while reading results of store_result (abandon_results! frees them unread)" do
    multi = new_client(flags: Mysql2::Client::MULTI_STATEMENTS)
    multi.query("SELECT 1 AS a; SELECT CAST(seq AS DECIMAL(6,2)) AS d FROM seq_1_to_50")
    expect(multi.next_result).to be(true)
    casts, lazy = count_decimal_casts { multi.store_result }
    expect(casts).to eq(0)
    expect(lazy.count).to eq(50)
    casts, values = count_decimal_casts { lazy.map { |row| row["d"] } }
    expect(values.last).to eq(BigDecimal("50"))
    expect(casts).to eq(50) # cast by each, one per cell
  end

  context "at the edges of the batches and chunks that keep the early cells" do
    # Casting starts at the 17th row, with the 16 before it (a smaller result is cast by each: it arrives at once);
    # early cells are appended in batches of 16 / columns + 1 rows, into chunks of 512 rows (ext/mysql2/result.c).
    # One DECIMAL column counts the casts (count_decimal_casts).
    def edge_sql(columns, rows, date: "DATE '2020-01-01' + INTERVAL seq DAY")
      others = (3..columns).map { |i| ", seq * #{i} AS c#{i}" }.join
      "SELECT CAST(seq AS DECIMAL(8,1)) AS d, CAST(#{date} AS DATE) AS dt#{others} FROM seq_1_to_#{rows}"
    end

    # [3, 700]: batches of 6 rows, and 512 is not a multiple of 6 (a batch is cut short at the chunk's end)
    [[2, 1], [4, 16], [2, 17], [20, 17], [2, 511], [3, 512], [3, 700], [5, 513], [16, 1025], [17, 1100],
     [40, 1537]].each do |columns, rows|
      early = rows > 16 ? rows : 0
      it "casts #{early} of #{rows} rows of #{columns} columns while reading, and each gives them in order" do
        sql = edge_sql(columns, rows)
        casts, result = count_decimal_casts { client.query(sql) }
        expect(casts).to eq(early)
        casts, got = count_decimal_casts { rows_of(result) }
        expect(casts).to eq(rows - early)
        expect(got.map { |row| row["d"] }).to eq((1..rows).map { |i| BigDecimal(i) })
        expect(got).to eq(rows_of(client.query(sql, cache_rows: false))) # built from the text
      end
    end

    # row 17 is the one read when casting starts (cast with the 16 before it), row 18 the first cast after them
    [5, 16, 17, 18].each do |bad|
      it "stops at an invalid date in row #{bad} of 30, cast early up to it, and casts the rest in each" do
        client.query("SET SESSION sql_mode = ''")
        sql = edge_sql(2, 30, date: "IF(seq = #{bad}, '2020-00-10', DATE '2020-01-01' + INTERVAL seq DAY)")
        casts, result = count_decimal_casts { client.query(sql) }
        expect(casts).to eq(bad) # rows 1 to `bad` (the DECIMAL before the date), then casting stopped
        seen = []
        casts, = count_decimal_casts do
          expect { result.each { |row| seen << row["d"] } }.to raise_error(Mysql2::Error, /Invalid date/)
        end
        expect(seen).to eq((1...bad).map { |i| BigDecimal(i) })
        expect(casts).to eq(1) # only row `bad`'s DECIMAL: the rows before it were cast early
      end
    end

    it "keeps the rows cast before an invalid date past a chunk's end, and casts the rest in each" do
      client.query("SET SESSION sql_mode = ''")
      sql = edge_sql(3, 700, date: "IF(seq = 600, '2020-00-10', DATE '2020-01-01' + INTERVAL seq DAY)")
      casts, result = count_decimal_casts { client.query(sql) }
      expect(casts).to eq(600) # rows 1 to 600 (the DECIMAL before the date), then casting stopped
      seen = []
      casts, = count_decimal_casts do
        expect { result.each { |row| seen << row["c3"] } }.to raise_error(Mysql2::Error, /Invalid date/)
      end
      expect(seen).to eq((1..599).map { |i| i * 3 })
      expect(casts).to eq(1) # only row 600's DECIMAL: rows 1 to 599 were all cast early
    end
  end

  it "counts and frees a result whose rows were cast but never iterated" do
    result = client.query(sql)
    expect(result.count).to eq(300)
    result.free
    expect { result.each { |_row| nil } }.to raise_error(Mysql2::Error, /already been freed/)
    expect(client.query("SELECT 1 AS one").first).to eq("one" => 1)
  end
end
