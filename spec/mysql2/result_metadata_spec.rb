# frozen_string_literal: true

require "spec_helper"

# fields, field_types, tables, dbs, server_flags and query_time (API reference §3a, §3e).
RSpec.describe Mysql2::Result, "metadata" do
  let(:client) { new_client }

  describe "#fields" do
    it "gives consecutive results with the same columns their own Arrays of the right names and encoding" do
      first = client.query("SELECT 1 AS a, 2 AS b")
      first.fields.map!(&:upcase)
      second = client.query("SELECT 3 AS a, 4 AS b")
      expect(second.fields).to eq(%w[a b])
      expect(second.fields).not_to equal(client.query("SELECT 5 AS a, 6 AS b").fields)
      utf16 = with_default_internal(Encoding::UTF_16LE) { client.query("SELECT 5 AS a, 6 AS b").fields }
      expect(utf16.map(&:encoding)).to eq([Encoding::UTF_16LE] * 2)
      expect(client.query("SELECT 1 AS a, 2 AS c").fields).to eq(%w[a c])
      expect(client.query("SELECT 1 AS a").fields).to eq(%w[a])
      expect(client.query("SELECT 1 AS `\u00e1`").fields).to eq(["\u00e1"])
      latin1 = new_client(encoding: "latin1")
      expect(latin1.query("SELECT 1 AS `\u00e1`").fields.first.encoding).to eq(Encoding::ISO_8859_1)
    end

    it "gives a Result that was iterated before fields was asked for an Array of its own to rename" do
      sql = "SELECT seq AS a, seq * 2 AS b FROM seq_1_to_3"
      first = client.query(sql, cache_rows: false)
      expect(first.first).to eq("a" => 1, "b" => 2)
      first.fields.map!(&:to_sym)
      second = client.query(sql)
      expect(second.to_a).to eq([{ "a" => 1, "b" => 2 }, { "a" => 2, "b" => 4 }, { "a" => 3, "b" => 6 }])
      expect(first.to_a.map(&:keys).uniq).to eq([%i[a b]])
      expect([second.fields, client.query(sql).fields, client.query(sql).first.keys]).to eq([%w[a b]] * 3)
      expect(second.fields).not_to equal(first.fields)
      expect(second.fields.class).to eq(Array)
    end

    it "lists the names in order as frozen Strings in the connection encoding" do
      result = client.query("SELECT 1 AS a, 2 AS `b c`, 3 AS `caf\u00e9`")
      expect(result.fields).to eq(["a", "b c", "caf\u00e9"])
      expect(result.fields.map(&:frozen?).uniq).to eq([true])
      expect(result.fields.map(&:encoding).uniq).to eq([Encoding::UTF_8])
    end

    it "lists Symbols with symbolize_keys" do
      expect(client.query("SELECT 1 AS a, 2 AS b", symbolize_keys: true).fields).to eq(%i[a b])
    end

    it "returns the Result's own mutable Array; map! renames the keys of rows built afterwards (Sequel)" do
      result = client.query("SELECT 1 AS id, 'x' AS name UNION ALL SELECT 2, 'y'")
      fields = result.fields
      expect(result.fields).to equal(fields)
      expect(fields).not_to be_frozen
      fields.map!(&:to_sym)
      expect(result.to_a).to eq([{ id: 1, name: "x" }, { id: 2, name: "y" }])
    end

    it "renames keys from the next row on when map! is called during iteration" do
      result = client.query("SELECT seq AS n FROM seq_1_to_3", cache_rows: false)
      rows = []
      result.each do |row|
        rows << row
        result.fields.map! { |f| "#{f}#{rows.size}" } if rows.size == 1
      end
      expect(rows).to eq([{ "n" => 1 }, { "n1" => 2 }, { "n1" => 3 }])
    end

    it "freezes String keys that map! put there, as Hash#[]= would" do
      result = client.query("SELECT 1 AS a")
      result.fields.map! { |f| "#{f}_renamed" }
      row = result.first
      expect(row).to eq("a_renamed" => 1)
      expect(row.keys.first).to be_frozen
    end

    it "builds rows whose missing names are nil when the Array was shortened" do
      result = client.query("SELECT 1 AS a, 2 AS b")
      result.fields.pop
      expect(result.first).to eq("a" => 1, nil => 2)
    end

    it "is available after free and after a stream was exhausted" do
      result = client.query("SELECT 1 AS a")
      result.free
      expect(result.fields).to eq(["a"])
      stream = client.query("SELECT 1 AS s", stream: true, cache_rows: false)
      stream.each { nil }
      expect(stream.fields).to eq(["s"])
    end
  end

  describe "#field_types" do
    # [column definition, field_types string]: mysql2's strings, including its 3-bytes-per-character quirk.
    type_table = [
      ["TINYINT", "tinyint(4)"], ["TINYINT UNSIGNED", "tinyint(3)"], ["TINYINT(1)", "tinyint(1)"],
      ["SMALLINT", "smallint(6)"], ["MEDIUMINT", "mediumint(9)"], ["INT", "int(11)"], ["INT UNSIGNED", "int(10)"],
      ["INT(5) ZEROFILL", "int(5)"], ["BIGINT", "bigint(20)"], ["BIGINT UNSIGNED", "bigint(20)"],
      ["YEAR", "year(4)"], ["DECIMAL(10,2)", "decimal(10,2)"], ["DECIMAL(65,30)", "decimal(65,30)"],
      ["DECIMAL(65,0)", "decimal(65,0)"], ["DECIMAL(5,0) UNSIGNED", "decimal(4,0)"], # no sign byte, same formula
      ["FLOAT(10,3)", "float(10,3)"], ["FLOAT", "float(12,31)"], ["DOUBLE", "double(22,31)"],
      ["DOUBLE(255,30)", "double(255,30)"], ["BIT(1)", "bit(1)"], ["BIT(64)", "bit(64)"],
      ["DATE", "date"], ["DATETIME", "datetime"], ["DATETIME(6)", "datetime"], ["TIMESTAMP NULL", "timestamp"],
      ["TIME", "time"], ["TIME(3)", "time"],
      ["CHAR(5)", "char(6)"], ["BINARY(4)", "binary(4)"], ["VARCHAR(10)", "varchar(13)"],
      ["VARBINARY(10)", "varbinary(10)"], ["VARCHAR(10) CHARACTER SET latin1", "varchar(13)"],
      ["TINYTEXT", "text(1020)"], ["TEXT", "text(262140)"], ["MEDIUMTEXT", "text(67108860)"],
      ["LONGTEXT", "longtext"], ["TEXT(100)", "text(262140)"],
      ["TINYBLOB", "tinyblob"], ["BLOB", "blob"], ["MEDIUMBLOB", "mediumblob"], ["LONGBLOB", "longblob"],
      ["ENUM('a','b')", "enum"], ["SET('x','y')", "set"], ["JSON", "json"], ["GEOMETRY", "geometry"],
      ["POINT", "geometry"]
    ]

    it "names every column type with mysql2's exact string" do
      columns = type_table.each_with_index.map { |(type, _), i| "c#{i} #{type}" }
      client.query("CREATE TEMPORARY TABLE ft (#{columns.join(", ")})")
      result = client.query("SELECT * FROM ft")
      got = type_table.map(&:first).zip(result.field_types)
      expect(got.reject { |pair| type_table.include?(pair) }).to eq([])
      expect(result.field_types.size).to eq(type_table.size)
    end

    it "names literals and the NULL type" do
      types = client.query("SELECT NULL, 1, 1.5, 'abc', 1e0, 12345678901").field_types
      expect(types).to eq(["null", "int(1)", "decimal(2,1)", "varchar(4)", "double(3,31)", "bigint(11)"])
    end

    it "uses 3 bytes per character for utf8mb4 text, but the real length with a 1-byte charset" do
      client.query("CREATE TEMPORARY TABLE ft1 (a VARCHAR(10) CHARACTER SET latin1, b CHAR(4) CHARACTER SET latin1, " \
                   "c TINYTEXT CHARACTER SET latin1, d TEXT CHARACTER SET latin1)")
      client.query("SET character_set_results = NULL")
      expect(client.query("SELECT * FROM ft1").field_types).to eq(["varchar(3)", "char(1)", "text(255)", "text(65535)"])
      client.query("SET character_set_results = utf8mb3")
      expect(client.query("SELECT * FROM ft1").field_types).to eq(["varchar(10)", "char(4)", "tinytext", "text"])
    end

    it "is memoized, frozen Strings in the connection encoding, and works after free" do
      result = client.query("SELECT 1 AS a")
      types = result.field_types
      expect(result.field_types).to equal(types)
      expect(types.first).to be_frozen
      expect(types.first.encoding).to eq(Encoding::UTF_8)
      result.free
      expect(result.field_types).to eq(["int(1)"])
    end
  end

  describe "#tables and #dbs" do
    it "give each column's table alias and database as frozen Strings; empty for computed columns" do
      client.query("CREATE TEMPORARY TABLE tdb (a INT)")
      result = client.query("SELECT al.a, 1 AS one FROM tdb AS al")
      expect(result.tables).to eq(["al", ""])
      expect(result.dbs).to eq(["mysql2_test", ""])
      expect(result.tables.first).to be_frozen
      expect(result.tables).to equal(result.tables)
      result.free
      expect(result.dbs).to eq(["mysql2_test", ""])
    end
  end

  describe "#server_flags" do
    it "reports no_index_used for a full scan of an unindexed table" do
      client.query("CREATE TEMPORARY TABLE scan (a INT, b INT, KEY (a))")
      client.query("INSERT INTO scan VALUES (1, 1), (2, 2), (3, 3)")
      expect(client.query("SELECT * FROM scan WHERE b > 1").server_flags)
        .to eq(no_good_index_used: false, no_index_used: true, query_was_slow: false)
      expect(client.query("SELECT 1").server_flags[:no_index_used]).to be(false)
    end

    it "reports query_was_slow beyond long_query_time" do
      client.query("SET SESSION long_query_time = 0")
      expect(client.query("SELECT 1").server_flags[:query_was_slow]).to be(true)
    end

    it "is memoized and works on a frozen or freed Result" do
      result = client.query("SELECT 1")
      flags = result.server_flags
      expect(result.server_flags).to equal(flags)
      result.free
      expect(result.server_flags).to eq(flags)
      frozen = client.query("SELECT 1").freeze
      expect(frozen.server_flags).to include(no_index_used: false)
    end
  end

  describe "#query_time" do
    it "is a Float >= 0 for a query, also streaming" do
      expect(client.query("SELECT 1").query_time).to be_a(Float).and(be >= 0)
      slow = client.query("SELECT SLEEP(0.2)").query_time
      expect(slow).to be >= 0.19
      expect(client.query("SELECT 1", stream: true, cache_rows: false).query_time).to be_a(Float)
    end

    it "is nil for the later results of a multi-statement batch" do
      multi = new_client(flags: Mysql2::Client::MULTI_STATEMENTS)
      first = multi.query("SELECT 1 AS a; SELECT 2 AS b")
      expect(first.query_time).to be_a(Float)
      expect(multi.next_result).to be(true)
      second = multi.store_result
      expect(second.query_time).to be_nil
      expect(second.to_a).to eq([{ "b" => 2 }])
    end
  end
end
