# frozen_string_literal: true

require "spec_helper"

# The casting table (API reference §3c) for the text protocol, through real columns and through literals.
RSpec.describe Mysql2::Result, "casting" do
  include Mysql2Test::Casting

  let(:client) { new_client }

  # Stores +literals+ (SQL) in a column of +type+ and reads them back, in order, with +options+.
  def column_values(type, literals, **options)
    client.query("DROP TEMPORARY TABLE IF EXISTS cast_t")
    client.query("CREATE TEMPORARY TABLE cast_t (id INT PRIMARY KEY, v #{type})")
    client.query("INSERT INTO cast_t VALUES #{literals.each_with_index.map { |lit, i| "(#{i}, #{lit})" }.join(", ")}")
    client.query("SELECT v FROM cast_t ORDER BY id", **options).map { |row| row["v"] }
  end

  def literal(sql, **options)
    client.query("SELECT #{sql} AS v", **options).first["v"]
  end

  def expect_cast(type, cases, **options)
    got = column_values(type, cases.map(&:first), **options)
    expected = cases.map { |_, value| value.respond_to?(:call) ? value.call : value }
    expect(got.map { |v| described(v) }).to eq(expected.map { |v| described(v) })
  end

  integer_cases = {
    "TINYINT" => [["-128", -128], ["127", 127], ["0", 0], ["NULL", nil]],
    "TINYINT UNSIGNED" => [["0", 0], ["255", 255]],
    "SMALLINT" => [["-32768", -32_768], ["32767", 32_767]],
    "SMALLINT UNSIGNED" => [["65535", 65_535]],
    "MEDIUMINT" => [["-8388608", -8_388_608], ["8388607", 8_388_607]],
    "MEDIUMINT UNSIGNED" => [["16777215", 16_777_215]],
    "INT" => [["-2147483648", -2_147_483_648], ["2147483647", 2_147_483_647], ["NULL", nil]],
    "INT UNSIGNED" => [["4294967295", 4_294_967_295]],
    "BIGINT" => [["-9223372036854775808", -(2**63)], ["9223372036854775807", (2**63) - 1], ["-1", -1]],
    "BIGINT UNSIGNED" => [["18446744073709551615", (2**64) - 1], ["9223372036854775808", 2**63], ["0", 0]],
    "INT(5) ZEROFILL" => [["42", 42], ["0", 0], ["4294967295", 4_294_967_295]],
    "BIGINT(25) UNSIGNED ZEROFILL" => [["18446744073709551615", (2**64) - 1], ["7", 7]],
    "YEAR" => [["1901", 1901], ["2155", 2155], ["0", 0], ["NULL", nil]]
  }

  integer_cases.each do |type, cases|
    it "casts #{type} to Integer at its boundaries" do
      expect_cast(type, cases)
    end
  end

  it "casts DECIMAL with scale 0 to Integer, also beyond 64 bits" do
    max = ("9" * 65).to_i
    expect_cast("DECIMAL(65,0)", [["9" * 65, max], ["-#{"9" * 65}", -max], ["0", 0], ["NULL", nil]])
    expect_cast("DECIMAL(20,0) UNSIGNED ZEROFILL", [["18446744073709551616", 2**64], ["5", 5]])
  end

  it "casts DECIMAL with a scale to BigDecimal, zero to BigDecimal('0.0')" do
    big = "#{"9" * 35}.#{"9" * 30}"
    tiny = "0.#{"0" * 29}1"
    expect_cast("DECIMAL(65,30)", [[big, BigDecimal(big)], ["-#{big}", BigDecimal("-#{big}")], [tiny, BigDecimal(tiny)],
                                   ["0", BigDecimal("0.0")], ["NULL", nil]])
    expect_cast("DECIMAL(10,2)",
                [["-12.34", BigDecimal("-12.34")], ["0.00", BigDecimal("0.0")], ["0.5", BigDecimal("0.5")]])
    expect(literal("CAST(0 AS DECIMAL(5,3))").to_s).to eq("0.0")
    expect(literal("1.50")).to eq(BigDecimal("1.5"))
  end

  it "casts DECIMALs right when BigDecimal() itself (redefined) reads other results with DECIMALs first" do
    sql = "SELECT seq + 0.25 AS d FROM seq_1_to_3"
    inner = new_client
    nested = []
    busy = false
    reader = Module.new do
      define_method(:BigDecimal) do |digits, *rest| # rubocop:disable Naming/MethodName
        unless busy # once per outer cell: queries of its own, cast on both protocols, before it reads its argument
          busy = true
          nested << inner.query("SELECT seq * 10 + 0.5 AS e FROM seq_1_to_2").map { |row| row["e"] }
          nested << inner.prepare("SELECT 7.75 AS e").execute.map { |row| row["e"] }
          busy = false
        end
        super(digits, *rest)
      end
    end
    Kernel.singleton_class.prepend(reader)
    begin
      outer = client.query(sql).map { |row| row["d"] }
      prepared = client.prepare(sql).execute.map { |row| row["d"] }
    ensure
      reader.send(:remove_method, :BigDecimal)
    end
    expect(outer).to eq(%w[1.25 2.25 3.25].map { |v| BigDecimal(v) })
    expect(prepared).to eq(outer)
    expect(nested.each_slice(2).to_a.uniq).to eq([[[BigDecimal("10.5"), BigDecimal("20.5")], [BigDecimal("7.75")]]])
  end

  it "casts FLOAT with its declared precision, and DOUBLE, to Float" do
    expect_cast("FLOAT(10,3)", [["1234.567", 1234.567], ["-0.001", -0.001], ["0", 0.0], ["NULL", nil]])
    expect_cast("FLOAT", [["1.5", 1.5], ["-3.25e10", -3.25e10]])
    expect_cast("DOUBLE", [["1.7976931348623157e308", Float::MAX], ["-2.2250738585072014e-308", -Float::MIN],
                           ["0", 0.0], ["0.1", 0.1], ["NULL", nil]])
    expect(literal("CAST(1.123456789012345678 AS DOUBLE)")).to eq(1.1234567890123457)
  end

  it "gives every DOUBLE the Float that Ruby's Float() makes of the server's text, bit for bit" do
    # short texts (exact fast path), 16-17 digits and big exponents (the C library), subnormals, negative zero
    exprs = ["seq * 0.3183098861837907", "seq / 7", "1 / (seq * 1e15)", "seq * 1e300", "-seq * 4.9e-324",
             "seq * 1.25", "seq * 1e22", "seq * 1e-22", "-0e0"]
    sql = exprs.map { |e| "SELECT CAST(#{e} AS DOUBLE) AS v FROM seq_1_to_200" }.join(" UNION ALL ")
    cast = client.query(sql).map { |row| row["v"] }
    text = client.query(sql, cast: false).map { |row| Float(row["v"]) }
    expect(cast.size).to be > 1000
    expect(cast.map { |f| [f].pack("G") }).to eq(text.map { |f| [f].pack("G") })
  end

  it "casts DOUBLE(255,30) without truncating its 300-odd digits" do
    expect_cast("DOUBLE(255,30)", [["1e200", 1e200], ["-1.5", -1.5]])
  end

  it "returns BIT as raw bytes (ASCII-8BIT)" do
    expect_cast("BIT(1)", [["b'1'", "\x01".b], ["b'0'", "\x00".b], ["NULL", nil]])
    expect_cast("BIT(64)", [["b'101'", "\0\0\0\0\0\0\0\x05".b], ["18446744073709551615", ("\xFF" * 8).b]])
    expect_cast("BIT(12)", [["b'100000000001'", "\x08\x01".b]])
  end

  it "casts DATE to Date, 0000-00-00 to nil" do
    client.query("SET SESSION sql_mode = 'ALLOW_INVALID_DATES'")
    expect_cast("DATE", [["'1000-01-01'", Date.new(1000, 1, 1)], ["'9999-12-31'", Date.new(9999, 12, 31)],
                         ["'2004-02-29'", Date.new(2004, 2, 29)], ["'0000-00-00'", nil], ["NULL", nil]])
    expect(literal("DATE '2020-05-06'")).to eq(Date.new(2020, 5, 6))
  end

  it "raises for a DATE with a zero month or day, naming the field and the raw value" do
    client.query("SET SESSION sql_mode = 'ALLOW_INVALID_DATES'")
    expect { column_values("DATE", ["'2004-00-10'"]) }
      .to raise_error(Mysql2::Error, "Invalid date in field 'v': 2004-00-10")
    expect { column_values("DATE", ["'2004-03-00'"]) }
      .to raise_error(Mysql2::Error, "Invalid date in field 'v': 2004-03-00")
  end

  it "raises Date::Error for an invalid calendar DATE" do
    client.query("SET SESSION sql_mode = 'ALLOW_INVALID_DATES'")
    expect { column_values("DATE", ["'2004-04-31'"]) }.to raise_error(Date::Error, /invalid date/)
  end

  it "raises for a DATETIME with a zero month, naming the field and the raw value" do
    client.query("SET SESSION sql_mode = 'ALLOW_INVALID_DATES'")
    expect { column_values("DATETIME", ["'1972-00-27 00:00:00'"]) }
      .to raise_error(Mysql2::Error, "Invalid date in field 'v': 1972-00-27 00:00:00")
  end

  it "keeps the column name in the message of an invalid date" do
    client.query("SET SESSION sql_mode = 'ALLOW_INVALID_DATES'")
    client.query("CREATE TEMPORARY TABLE named_d (created_on DATE)")
    client.query("INSERT INTO named_d VALUES ('2001-01-00')")
    expect { client.query("SELECT created_on FROM named_d").to_a }
      .to raise_error(Mysql2::Error, "Invalid date in field 'created_on': 2001-01-00")
  end

  it "returns JSON, ENUM and SET as Strings (JSON unparsed)" do
    expect_cast("JSON", [["'{\"a\": [1, 2]}'", "{\"a\": [1, 2]}"], ["'[]'", "[]"], ["NULL", nil]])
    expect_cast("ENUM('small','big')", [["'big'", "big"], ["'small'", "small"], ["NULL", nil]])
    expect_cast("SET('x','y','z')", [["'x,z'", "x,z"], ["''", ""]])
  end

  it "returns GEOMETRY as its WKB bytes (ASCII-8BIT)" do
    point = [0, 1, 1, 1.0, 2.0].pack("VcVEE").b
    expect_cast("GEOMETRY", [["ST_GeomFromText('POINT(1 2)')", point], ["NULL", nil]])
  end

  it "returns BLOB, BINARY and VARBINARY with NUL bytes as ASCII-8BIT" do
    expect_cast("BLOB", [["x'00FF00'", "\0\xFF\0".b], ["''", "".b], ["NULL", nil]])
    expect_cast("LONGBLOB", [["x'61006200'", "a\0b\0".b]])
    expect_cast("BINARY(4)", [["x'0102'", "\x01\x02\0\0".b]])
    expect_cast("VARBINARY(8)", [["x'00'", "\0".b]])
    expect(literal("x'C3A9'").encoding).to eq(Encoding::BINARY)
  end

  it "returns text in the connection encoding: utf8mb4 with emoji" do
    emoji = "caf\u00e9 \u{1F600}"
    expect_cast("VARCHAR(20) CHARACTER SET utf8mb4", [["'#{emoji}'", emoji], ["''", ""], ["NULL", nil]])
    expect_cast("TEXT", [["'#{emoji}'", emoji]])
    expect_cast("CHAR(3)", [["'ab'", "ab"]])
  end

  it "returns NULL literals and a NULL-typed column as nil" do
    expect(literal("NULL")).to be_nil
    expect(client.query("SELECT NULL AS a, NULL AS b", as: :array).first).to eq([nil, nil])
  end

  it "casts integer literals, including BIGINT UNSIGNED max and 65-digit DECIMALs" do
    expect(literal("18446744073709551615")).to eq((2**64) - 1)
    expect(literal("CAST(-9223372036854775808 AS SIGNED)")).to eq(-(2**63))
    expect(literal("99999999999999999999999999999999999999999999999999999999999999999")).to eq(("9" * 65).to_i)
    expect(literal("1 = 1")).to eq(1)
    expect(literal("TRUE")).to eq(1)
  end

  # Temporal values depend on the zone: every example below runs under several.
  ["UTC", "America/New_York", "Australia/Lord_Howe"].each do |zone|
    context "with TZ=#{zone}" do
      around { |example| with_tz(zone) { example.run } }

      it "casts DATETIME and TIMESTAMP to local Times with microseconds" do
        expect_cast("DATETIME(6)", [
                      ["'2010-10-10 23:59:59.999999'", -> { Time.local(2010, 10, 10, 23, 59, 59, 999_999) }],
                      ["'2010-10-10 10:10:10.5'", -> { Time.local(2010, 10, 10, 10, 10, 10, 500_000) }],
                      ["'1000-01-01 00:00:00'", -> { Time.local(1000, 1, 1) }],
                      ["'0000-00-00 00:00:00'", nil], ["NULL", nil]
                    ])
        expect_cast("TIMESTAMP(6) NULL", [
                      ["'2038-01-19 03:14:07.999999'", -> { Time.local(2038, 1, 19, 3, 14, 7, 999_999) }],
                      ["'1970-01-01 00:00:01.000001'", -> { Time.local(1970, 1, 1, 0, 0, 1, 1) }]
                    ])
      end

      it "reads TIMESTAMP in the session's time zone like DATETIME" do
        client.query("SET time_zone = '+00:00'")
        expect_cast("TIMESTAMP(3) NULL", [["'2001-02-03 04:05:06.789'", lambda {
          Time.local(2001, 2, 3, 4, 5, 6, 789_000)
        }]])
      end

      it "normalises invalid-but-in-range DATETIMEs as Time.local does (Feb 31)" do
        client.query("SET SESSION sql_mode = 'ALLOW_INVALID_DATES'")
        expect_cast("DATETIME", [["'2004-02-31 10:00:00'", -> { Time.local(2004, 2, 31, 10) }],
                                 ["'2003-02-31 10:00:00'", -> { Time.local(2003, 2, 31, 10) }],
                                 ["'2004-04-31 23:59:59'", -> { Time.local(2004, 4, 31, 23, 59, 59) }]])
      end

      it "builds year 0 and far dates per the pseudo-epoch rule (DateTime beyond 9999-12-31 11:59:59)" do
        dates = [[0, 1, 1, 0, 0, 0], [0, 12, 31, 23, 59, 59], [1, 1, 1, 0, 0, 0], [1901, 12, 13, 20, 45, 51],
                 [2038, 1, 19, 3, 14, 8], [2500, 6, 30, 12, 0, 0], [9999, 12, 31, 11, 59, 59],
                 [9999, 12, 31, 12, 0, 0], [9999, 12, 31, 23, 59, 59]]
        literals = dates.map { |f| datetime_literal(f) }
        expect_cast("DATETIME", literals.zip(dates).map { |lit, f| [lit, -> { expected_datetime(f) }] })
        expect(column_values("DATETIME", ["'9999-12-31 23:59:59'"]).first).to be_a(DateTime)
        %i[utc local].product(%i[local utc]).each do |db, app|
          cases = literals.zip(dates).map { |lit, f| [lit, -> { expected_datetime(f, db: db, app: app) }] }
          expect_cast("DATETIME", cases, database_timezone: db, application_timezone: app)
        end
      end

      it "gives exactly Time.local's answer for wall times in a DST gap or overlap" do
        walls = [[2021, 3, 14, 2, 30, 0], [2021, 11, 7, 1, 30, 0], [2021, 10, 3, 2, 15, 0], [2021, 4, 4, 1, 45, 0],
                 [2021, 3, 28, 2, 30, 0], [2021, 10, 31, 2, 30, 0], [1970, 6, 1, 0, 0, 0], [1969, 12, 31, 23, 59, 59]]
        expect_cast("DATETIME(6)", walls.map do |f|
          [datetime_literal(f, ".25"),
           -> { Time.local(*f, 250_000) }]
        end)
      end

      it "casts TIME to a signed duration from 2000-01-01 in the database zone" do
        times = %w[11:44:00 24:00:01 -01:00:00 838:59:59 -838:59:59 00:00:00]
        expect_cast("TIME", times.map { |t| ["'#{t}'", -> { expected_duration(t) }] } + [["NULL", nil]])
        fractions = %w[-00:00:00.500000 12:00:00.000001 -12:00:00.250000 838:59:59.000000 23:59:59.999999]
        expect_cast("TIME(6)", fractions.map { |t| ["'#{t}'", -> { expected_duration(t) }] })
        expect(literal("CAST('24:00:01' AS TIME)")).to eq(Time.local(2000, 1, 2, 0, 0, 1))
        expect(literal("CAST('-01:00:00' AS TIME)")).to eq(Time.local(1999, 12, 31, 23))
        expect(literal("CAST('838:59:59' AS TIME)")).to eq(Time.local(2000, 2, 4, 22, 59, 59))
      end

      it "casts TIME with database_timezone :utc and application_timezone" do
        expect(literal("CAST('11:44:00' AS TIME)", database_timezone: :utc)).to eq(Time.utc(2000, 1, 1, 11, 44))
        expect(literal("CAST('11:44:00' AS TIME)", database_timezone: :utc)).to be_utc
        local = literal("CAST('-01:00:00.5' AS TIME(1))", database_timezone: :utc, application_timezone: :local)
        expect(described(local)).to eq(described(expected_duration("-01:00:00.5", db: :utc, app: :local)))
        utc = literal("CAST('26:00:00' AS TIME)", application_timezone: :utc)
        expect(described(utc)).to eq(described(expected_duration("26:00:00", app: :utc)))
      end
    end
  end
end
