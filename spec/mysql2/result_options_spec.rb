# frozen_string_literal: true

require "spec_helper"

# Query options (API reference §2) given per query, per each, and as the client's defaults.
RSpec.describe Mysql2::Result, "query options" do
  include Mysql2Test::Casting

  let(:client) { new_client }

  # One row of every kind of value the options change.
  let(:mixed_sql) do
    "SELECT CAST(-5 AS SIGNED) AS i, CAST(18446744073709551615 AS UNSIGNED) AS u, CAST(1.25 AS DECIMAL(5,2)) AS d, " \
      "CAST(7 AS DECIMAL(5,0)) AS d0, CAST(2.5 AS DOUBLE) AS f, DATE '2020-01-02' AS dt, " \
      "TIMESTAMP '2020-01-02 03:04:05.5' AS ts, CAST('-01:30:00' AS TIME) AS tm, b'1' AS bit, x'00FF' AS bin, " \
      "'t\u00e9xt' AS s, NULL AS n"
  end

  def tinyint1_table
    client.query("CREATE TEMPORARY TABLE bools (t TINYINT(1), b BIT(1), i TINYINT, id INT PRIMARY KEY)")
    client.query("INSERT INTO bools VALUES (-1, b'1', 1, 1), (0, b'0', 0, 2), (2, NULL, NULL, 3), (NULL, NULL, 5, 4)")
  end

  describe ":as" do
    it "builds Hashes by default and Arrays with as: :array, in field order" do
      expect(client.query("SELECT 1 AS a, 'x' AS b").first).to eq("a" => 1, "b" => "x")
      expect(client.query("SELECT 1 AS a, 'x' AS b", as: :array).first).to eq([1, "x"])
      expect(client.query("SELECT 1 AS a", as: "array").first).to eq("a" => 1) # only the Symbol selects arrays
    end

    it "lets a later duplicate column name overwrite an earlier one in Hash rows" do
      expect(client.query("SELECT 1 AS a, 2 AS a").first).to eq("a" => 2)
      expect(client.query("SELECT 1 AS a, 2 AS a", as: :array).first).to eq([1, 2])
    end
  end

  describe ":symbolize_keys" do
    it "keys rows by Symbols" do
      expect(client.query("SELECT 1 AS a, 2 AS `b c`", symbolize_keys: true).first).to eq(a: 1, "b c": 2)
    end

    it "makes UTF-8 Symbols even for non-ASCII names" do
      key = client.query("SELECT 1 AS `caf\u00e9`", symbolize_keys: true).first.keys.first
      expect(key).to eq(:café)
      expect(key.encoding).to eq(Encoding::UTF_8)
    end

    it "is fixed by the first iteration of a Result" do
      result = client.query("SELECT 1 AS a", cache_rows: false)
      expect(result.first).to eq("a" => 1)
      expect(result.each(symbolize_keys: true).to_a).to eq([]) # cache_rows: false returns an empty Array
      result.each(symbolize_keys: true) { |row| expect(row).to eq("a" => 1) }
      expect(result.fields).to eq(["a"])

      symbolized = client.query("SELECT 1 AS a", cache_rows: false, symbolize_keys: true)
      symbolized.each(symbolize_keys: false) { |row| expect(row).to eq("a" => 1) } # the first each decides
      symbolized.each { |row| expect(row).to eq("a" => 1) }

      asked = client.query("SELECT 1 AS a", symbolize_keys: true)
      expect(asked.fields).to eq([:a]) # fields before any each: the query's style
      expect(asked.each(symbolize_keys: false).first).to eq(a: 1)
    end

    it "makes collectable Symbols: new column names do not grow the symbol table for good" do
      names = Array.new(20) { |i| "zz_mortal_#{Process.pid}_#{rand(1 << 40)}_#{i}" }
      Thread.new { names.each { |n| client.query("SELECT 1 AS #{n}", symbolize_keys: true).first } }.join
      3.times { GC.start }
      remaining = Symbol.all_symbols.map(&:to_s) & names
      expect(remaining.size).to be < 5 # a stray reference may keep one or two alive, but not all of them
    end
  end

  describe ":cast" do
    it "casts everything with cast: true (the default)" do
      row = client.query(mixed_sql).first
      expect(row.values_at("i", "u", "d", "d0", "f")).to eq([-5, (2**64) - 1, BigDecimal("1.25"), 7, 2.5])
      expect(row["dt"]).to eq(Date.new(2020, 1, 2))
      expect(row["ts"]).to eq(Time.local(2020, 1, 2, 3, 4, 5, 500_000))
      expect(row["tm"]).to eq(Time.local(2000, 1, 1) - 5400)
      expect(row.values_at("bit", "bin", "s", "n")).to eq(["\x01".b, "\0\xFF".b, "t\u00e9xt", nil])
    end

    it "returns every non-NULL value as a String with cast: false (numbers and dates ASCII-8BIT)" do
      row = client.query(mixed_sql, cast: false).first
      expect(row).to eq("i" => "-5", "u" => "18446744073709551615", "d" => "1.25", "d0" => "7", "f" => "2.5",
                        "dt" => "2020-01-02", "ts" => "2020-01-02 03:04:05.5", "tm" => "-01:30:00",
                        "bit" => "\x01".b, "bin" => "\0\xFF".b, "s" => "t\u00e9xt", "n" => nil)
      %w[i u d d0 f dt ts tm bit bin].each { |k| expect(row[k].encoding).to eq(Encoding::BINARY), k }
      expect(row["s"].encoding).to eq(Encoding::UTF_8)
      expect(client.query(mixed_sql, cast: nil).first).to eq(row)
    end

    it "casts integers, floats and bits but leaves DECIMAL and temporal values as Strings with cast: :fast" do
      row = client.query(mixed_sql, cast: :fast).first
      expect(row.values_at("i", "u", "f", "bit", "n")).to eq([-5, (2**64) - 1, 2.5, "\x01".b, nil])
      expect(row.values_at("d", "d0", "dt", "ts", "tm")).to eq(["1.25", "7", "2020-01-02", "2020-01-02 03:04:05.5",
                                                                "-01:30:00"])
      client.query("CREATE TEMPORARY TABLE fast_y (y YEAR, z INT(4) ZEROFILL)")
      client.query("INSERT INTO fast_y VALUES (2021, 7)")
      expect(client.query("SELECT * FROM fast_y", cast: :fast).first).to eq("y" => 2021, "z" => 7)
    end

    it "treats any other truthy value as full casting" do
      expect(client.query(mixed_sql, cast: "fast").first["dt"]).to eq(Date.new(2020, 1, 2))
      expect(client.query(mixed_sql, cast: 1).first["d"]).to eq(BigDecimal("1.25"))
    end

    it "does not return zero dates as nil under cast: false or :fast" do
      client.query("CREATE TEMPORARY TABLE zd (d DATE, t DATETIME)")
      client.query("INSERT INTO zd VALUES ('0000-00-00', '0000-00-00 00:00:00')")
      expect(client.query("SELECT * FROM zd", cast: :fast).first).to eq("d" => "0000-00-00",
                                                                        "t" => "0000-00-00 00:00:00")
      expect(client.query("SELECT * FROM zd").first).to eq("d" => nil, "t" => nil)
    end
  end

  describe ":cast_booleans" do
    before { tinyint1_table }

    it "turns TINYINT(1) (non-'0' first char, so -1 too) and BIT(1) into true/false" do
      rows = client.query("SELECT t, b, i FROM bools ORDER BY id", cast_booleans: true, as: :array).to_a
      expect(rows).to eq([[true, true, 1], [false, false, 0], [true, nil, nil], [nil, nil, 5]])
    end

    it "leaves them Integers / bytes without it" do
      rows = client.query("SELECT t, b FROM bools ORDER BY id", as: :array).to_a
      expect(rows).to eq([[-1, "\x01".b], [0, "\x00".b], [2, nil], [nil, nil]])
    end

    it "applies under cast: :fast but not under cast: false" do
      fast = client.query("SELECT t, b FROM bools ORDER BY id", cast_booleans: true, cast: :fast, as: :array)
      expect(fast.first).to eq([true, true])
      raw = client.query("SELECT t, b FROM bools ORDER BY id", cast_booleans: true, cast: false, as: :array)
      expect(raw.first).to eq(["-1", "\x01".b])
    end

    it "does not survive UNION or computed values" do
      union = client.query("SELECT t FROM bools UNION ALL SELECT t FROM bools", cast_booleans: true)
      expect(union.map { |r| r["t"] }.compact.uniq.sort).to eq([-1, 0, 2])
      expect(client.query("SELECT true AS x", cast_booleans: true).first["x"]).to eq(1)
    end
  end

  describe "time zones" do
    let(:sql) { "SELECT TIMESTAMP '2020-07-01 12:00:00.25' AS t, CAST('12:00:00' AS TIME) AS d" }

    %w[UTC America/New_York Asia/Kathmandu].each do |zone|
      it "honours database_timezone and application_timezone under TZ=#{zone}" do
        with_tz(zone) do
          %i[local utc].product([nil, :local, :utc]).each do |db, app|
            row = client.query(sql, database_timezone: db, application_timezone: app).first
            expected = expected_datetime([2020, 7, 1, 12, 0, 0], 250_000, db: db, app: app)
            expect(described(row["t"])).to eq(described(expected)), "#{db}/#{app.inspect}"
            expect(described(row["d"])).to eq(described(expected_duration("12:00:00", db: db, app: app)))
          end
        end
      end
    end

    it "treats database_timezone: nil as :local, silently" do
      row = nil
      expect { row = client.query(sql, database_timezone: nil).first }.not_to output.to_stderr
      expect(described(row["t"])).to eq(described(Time.local(2020, 7, 1, 12, 0, 0, 250_000)))
    end

    it "warns about any other database_timezone and uses :local" do
      row = nil
      expect { row = client.query(sql, database_timezone: :mars).first }
        .to output(/:database_timezone option must be :utc or :local - defaulting to :local/).to_stderr
      expect(described(row["t"])).to eq(described(Time.local(2020, 7, 1, 12, 0, 0, 250_000)))
    end

    it "does no conversion for an unknown application_timezone" do
      row = client.query(sql, database_timezone: :utc, application_timezone: :mars).first
      expect(row["t"]).to be_utc
    end

    it "reads the zone again when ENV['TZ'] changes between queries" do
      with_tz("UTC") { expect(client.query(sql).first["t"].utc_offset).to eq(0) }
      with_tz("Asia/Kathmandu") { expect(client.query(sql).first["t"].utc_offset).to eq(20_700) }
    end

    it "gives Time.local's times for 12 days around a DST change, query after query, as ENV['TZ'] changes" do
      # the UTC offsets of days without a transition nearby are kept between queries while TZ keeps its value
      # (up to 16 days: these 12 fit, so a later query with the same TZ takes them all from there)
      days = "SELECT TIMESTAMP '2021-03-08 12:34:56' + INTERVAL seq DAY AS t FROM seq_0_to_11"
      expected = (0..11).map { |i| Time.utc(2021, 3, 8, 12, 34, 56) + (i * 86_400) }
      ["America/New_York", "America/New_York", "Asia/Kathmandu", "Europe/London", nil, "America/New_York"]
        .each do |zone|
        with_tz(zone) do
          got = client.query(days).map { |row| row["t"] }
          local = expected.map { |t| Time.local(t.year, t.month, t.day, t.hour, t.min, t.sec) }
          expect(got.map { |t| [t.to_i, t.utc_offset] }).to eq(local.map { |t| [t.to_i, t.utc_offset] }), zone.inspect
        end
      end
    end

    it "keeps no offsets of another zone when ENV['TZ'] changed and came back inside an each's block" do
      sql = "SELECT TIMESTAMP '2021-05-01 12:00:00' + INTERVAL seq DAY AS t FROM seq_0_to_5"
      with_tz("Asia/Kathmandu") do
        client.query(sql, cache_rows: false).each do |_row| # cast in each, between the block's calls
          ENV["TZ"] = "America/New_York"
          Time.now.utc_offset # Ruby re-reads the zone
          ENV["TZ"] = "Asia/Kathmandu"
        end
        expected = (0..5).map { |i| Time.local(2021, 5, 1 + i, 12, 0, 0).to_i }
        expect(client.query(sql).map { |row| row["t"].to_i }).to eq(expected)
      end
    end

    it "ignores offsets that a query in an each's block cached under another zone" do
      sql = "SELECT TIMESTAMP '2021-06-01 12:00:00' + INTERVAL (seq DIV 2) DAY AS t FROM seq_0_to_5"
      with_tz("Asia/Kathmandu") do
        got = []
        client.query(sql, cache_rows: false).each do |row| # cast in each, between the block's calls
          got << row["t"].to_i
          with_tz("America/New_York") { client.query(sql).to_a } # the same days, cached for New York
        end
        expect(got).to eq((0..5).map { |i| Time.local(2021, 6, 1 + (i / 2), 12, 0, 0).to_i })
      end
    end

    it "casts in each the rows read while ENV['TZ'] had another value (not the early cells)" do
      # 30 rows: casting while reading starts at the 17th (ext/mysql2/result.c), so these are cast by the query
      sql = "SELECT CAST(seq AS DECIMAL(4,1)) AS d, TIMESTAMP '2021-07-01 12:00:00' + INTERVAL seq DAY AS t " \
            "FROM seq_1_to_30"
      with_tz("America/New_York") do
        switch = ->(count) { ENV["TZ"] = "Asia/Kathmandu" if count == 3 } # while row 3 is being cast
        casts, result = count_decimal_casts(hook: switch) { client.query(sql) }
        expect(casts).to eq(30) # every row was cast while the query read it
        # each runs in the zone the reading ended in, but the early cells of rows 1 and 2 are New York's
        expected = (1..30).map { |i| Time.local(2021, 7, 1, 12, 0, 0).to_i + (i * 86_400) }
        expect(result.map { |row| row["t"].to_i }).to eq(expected)
      end
    end

    it "follows the zone when Ruby re-reads it between queries (TZ=A, another zone, Time.now, TZ=A)" do
      zones = ["Asia/Kathmandu", "UTC", nil, "America/New_York", "Asia/Kathmandu", nil, "UTC", "Asia/Kathmandu"]
      zones.each_cons(2) do |zone, other|
        with_tz(zone) { expect(client.query(sql).first["t"]).to eq(Time.local(2020, 7, 1, 12, 0, 0, 250_000)) }
        with_tz(other) { Time.now.utc_offset }
        with_tz(zone) { expect(client.query(sql).first["t"]).to eq(Time.local(2020, 7, 1, 12, 0, 0, 250_000)) }
      end
    end
  end

  describe ":cache_rows" do
    it "replays identical row objects when true, and rebuilds them when false" do
      cached = client.query("SELECT 1 AS a UNION ALL SELECT 2")
      expect(cached.to_a.map(&:object_id)).to eq(cached.to_a.map(&:object_id))

      uncached = client.query("SELECT 1 AS a UNION ALL SELECT 2", cache_rows: false)
      first = uncached.to_a
      second = uncached.to_a
      expect(second).to eq(first)
      expect(second.first).not_to equal(first.first)
      expect(uncached.each { nil }).to eq([])
    end
  end

  describe ":rows_per_gvl_yield" do
    it "accepts 0 and positive values and builds the same rows" do
      sql = "SELECT seq FROM seq_1_to_50"
      expect(client.query(sql, rows_per_gvl_yield: 0).map { |r| r["seq"] }).to eq((1..50).to_a)
      expect(client.query(sql, rows_per_gvl_yield: 1).map { |r| r["seq"] }).to eq((1..50).to_a)
      expect(client.query(sql).each(rows_per_gvl_yield: 7).size).to eq(50)
    end

    it "refuses a negative value, on query (before sending) and on each" do
      message = ":rows_per_gvl_yield must not be negative"
      expect { client.query("SET @sent = 1", rows_per_gvl_yield: -1) }.to raise_error(Mysql2::Error, message)
      expect(client.query("SELECT @sent AS s").first["s"]).to be_nil
      result = client.query("SELECT 1")
      expect { result.each(rows_per_gvl_yield: -1) { nil } }.to raise_error(Mysql2::Error, message)
    end

    it "lets other threads run while a big buffered result is built" do
      result = client.query("SELECT seq FROM seq_1_to_20000", rows_per_gvl_yield: 100) # rows now in memory
      ticks = 0
      ticker = Thread.new { loop { ticks += 1 and Thread.pass } }
      # the ticker has started and waits for the GVL from now on: on a loaded machine its native thread could
      # otherwise start only after the whole each (CI once saw that under spec:gc_verify)
      Thread.pass until ticks.positive?
      seen = []
      result.each { seen << ticks if seen.size < 20_000 } # pure CPU: only the yields let the ticker in
      ticker.kill.join
      expect(seen.uniq.size).to be > 1
    end
  end

  describe ":stream" do
    it "refuses stream: {size: N} on Client#query" do
      expect { client.query("SELECT 1", stream: { size: 2 }) }
        .to raise_error(ArgumentError, "stream: {size: N} is only supported for prepared statements; Client#query " \
                                       "streams with mysql_use_result, which has no prefetch")
    end
  end

  describe "where options come from" do
    it "takes defaults from client.query_options, overridden per query and then per each" do
      client.query_options.merge!(as: :array, symbolize_keys: true)
      expect(client.query("SELECT 1 AS a").first).to eq([1])
      expect(client.query("SELECT 1 AS a", as: :hash).first).to eq(a: 1)
      result = client.query("SELECT 1 AS a, CAST(1.5 AS DECIMAL(3,1)) AS d")
      expect(result.each(as: :hash, cast: false).first).to eq(a: "1", d: "1.5")
    end

    it "takes them from Client.new options" do
      c = new_client(as: :array, cast: false)
      expect(c.query("SELECT 1").first).to eq(["1"])
    end

    it "stores the merged options on the Result, unaffected by later changes to query_options" do
      result = client.query("SELECT 1", as: :array)
      client.query_options[:cast] = false
      expect(result.query_options).to include(as: :array, cast: true)
      # mysql2's own specs read the ivar directly (shared/reference/mysql2-api.md, "Ivars that specs inspect")
      expect(result.instance_variable_get(:@query_options)).to equal(result.query_options)
      expect(result.first).to eq([1])
    end

    it "keeps @current_query_options: query_options merged with the query's own, a new Hash, the Result's too" do
      client.query_options[:symbolize_keys] = true
      result = client.query("SELECT 1 AS a", as: :array)
      current = client.instance_variable_get(:@current_query_options)
      expect(current).to eq(client.query_options.merge(as: :array))
      expect(current).not_to equal(client.query_options)
      expect(result.instance_variable_get(:@query_options)).to equal(current)
      expect(client.query("DO 1")).to be_nil # no result set: the snapshot is still taken
      expect(client.instance_variable_get(:@current_query_options)).to eq(client.query_options)
      client.query("SELECT 2", async: true)
      expect(client.instance_variable_get(:@current_query_options)).to eq(client.query_options.merge(async: true))
      expect(client.async_result.first).to eq("2": 2)
      expect { client.query("SELECT 3", rows_per_gvl_yield: -1) }.to raise_error(Mysql2::Error, /negative/)
      expect(client.instance_variable_get(:@current_query_options)[:rows_per_gvl_yield]).to eq(-1)
      client.close
      expect { client.query("SELECT 4", cast: false) }.to raise_error(Mysql2::Error, /closed|not connected/)
      expect(client.instance_variable_get(:@current_query_options)).to eq(client.query_options.merge(cast: false))
    end

    it "reads the options as Hash#merge gives them: the client's default counts, the query Hash's does not" do
      client.query_options.delete(:as)
      client.query_options.default_proc = proc { |_hash, key| :array if key == :as }
      expect(client.query("SELECT 1 AS a").first).to eq([1])
      expect(client.query("SELECT 1 AS a", as: :hash).first).to eq("a" => 1)
      expect(client.query("SELECT 1 AS a", Hash.new(:hash)).first).to eq([1])
      expect(client.query("SELECT 1 AS a", Hash.new(:hash).merge(cast: false)).first).to eq(["1"])
    end

    it "applies per-each options only to the rows built by that call" do
      result = client.query("SELECT seq FROM seq_1_to_3")
      built = []
      result.each(as: :array) { |row| built << row and break if built.empty? } # builds and caches one row
      expect(built).to eq([[1]])
      # the cached first row replays as built; the rest follow this call's options over the query's
      expect(result.each(cast: false)).to eq([[1], { "seq" => "2" }, { "seq" => "3" }])
      expect(result.to_a).to eq([[1], { "seq" => "2" }, { "seq" => "3" }])
    end

    it "applies per-each options to a cache_rows: false result on every call" do
      result = client.query("SELECT seq FROM seq_1_to_2", cache_rows: false)
      rows = []
      result.each(as: :array) { |r| rows << r }
      result.each(cast: false) { |r| rows << r }
      result.each { |r| rows << r }
      expect(rows).to eq([[1], [2], { "seq" => "1" }, { "seq" => "2" }, { "seq" => 1 }, { "seq" => 2 }])
    end

    it "accepts each(nil) and each({}) as no options" do
      result = client.query("SELECT 1 AS a")
      expect(result.each(nil) { nil }).to eq([{ "a" => 1 }])
      expect(result.each({}) { nil }).to eq([{ "a" => 1 }])
    end
  end
end
