# frozen_string_literal: true

require "spec_helper"

# A Client keeps the column metadata of its last result and gives it to the next result whose columns are the same
# (ext/mysql2/columns.c, columns_reuse), and reuses that result's field names without comparing them again. Every
# difference in what a column is must still reach the next result: its name, type, length, decimals, flags,
# collation, table alias, database and JSON format, on both protocols.
RSpec.describe Mysql2::Result, "column metadata across results" do
  let(:client) { new_client }

  before do
    client.query("DROP TABLE IF EXISTS cr_flags, cr_charsets")
    client.query("CREATE TABLE cr_flags (a INT(10) SIGNED, b INT(10) UNSIGNED, e ENUM('ab', 'cd'), c CHAR(2))")
    client.query("INSERT INTO cr_flags VALUES (-5, 4294967291, 'ab', 'ab')") # a and b: the same 32 bits
    client.query("CREATE TABLE cr_charsets (a VARBINARY(4), b VARCHAR(1) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin)")
    client.query("INSERT INTO cr_charsets VALUES ('x', 'x')")
  end

  after { client.query("DROP TABLE IF EXISTS cr_flags, cr_charsets") }

  # What a result says about its columns, and its values with their classes and encodings.
  def described(result)
    values = result.to_a.map { |row| row.values.map { |v| [v, v.class, v.respond_to?(:encoding) && v.encoding] } }
    [result.fields, result.field_types, result.tables, result.dbs, values]
  end

  def where(result)
    [result.tables, result.dbs]
  end

  # Pairs of one-column statements that differ in one attribute of their column only.
  {
    "name" => ["SELECT 1 AS a", "SELECT 1 AS b"],
    "name past a prefix" => ["SELECT 1 AS ab", "SELECT 1 AS a"],
    "type" => ["SELECT CAST('2020-01-02' AS DATE) AS a",
               "SELECT CAST('2020-01-02' AS CHAR(10) CHARACTER SET binary) AS a"],
    "length" => ["SELECT CAST('x' AS CHAR(5)) AS a", "SELECT CAST('x' AS CHAR(10)) AS a"],
    "decimals" => ["SELECT CAST(1 AS DECIMAL(10,2)) AS a", "SELECT CAST(1 AS DECIMAL(10,3)) AS a"],
    "flags (ENUM)" => ["SELECT e AS v FROM cr_flags AS t", "SELECT c AS v FROM cr_flags AS t"],
    "collation" => ["SELECT a AS v FROM cr_charsets AS t", "SELECT b AS v FROM cr_charsets AS t"]
  }.each do |what, (first, second)|
    it "gives a result the columns of its own statement when only the #{what} differs" do
      alone = [first, second].map { |sql| described(new_client.query(sql)) }
      expect(alone[0]).not_to eq(alone[1])
      seen = [first, first, second, second, first].map { |sql| described(client.query(sql)) }
      expect(seen).to eq([alone[0], alone[0], alone[1], alone[1], alone[0]])
    end
  end

  it "casts every result by its own columns when only UNSIGNED differs, on both protocols" do
    signed = "SELECT a AS x FROM cr_flags AS t"
    unsigned = "SELECT b AS x FROM cr_flags AS t"
    want = [{ "x" => -5 }, { "x" => 4_294_967_291 }]
    statements = [client.prepare(signed), client.prepare(unsigned)]
    rows = [0, 1, 1, 0, 0, 1].flat_map { |i| [client.query([signed, unsigned][i]).first, statements[i].execute.first] }
    expect(rows).to eq([0, 1, 1, 0, 0, 1].flat_map { |i| [want[i], want[i]] })
  end

  it "tells a JSON column from a LONGTEXT of the same name, table alias and collation" do
    client.query("CREATE TEMPORARY TABLE cr_json (a JSON)")
    client.query("CREATE TEMPORARY TABLE cr_text (a LONGTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin)")
    types = %w[cr_json cr_text cr_text cr_json].map { |t| client.query("SELECT a FROM #{t} AS t").field_types }
    expect(types).to eq([["json"], ["longtext"], ["longtext"], ["json"]])
  end

  it "gives each result its own tables and dbs when only the alias or the database differs" do
    sqls = ["SELECT 1 AS a FROM DUAL", "SELECT a FROM (SELECT 1 AS a) AS x", "SELECT a FROM (SELECT 1 AS a) AS y",
            "SELECT user AS a FROM mysql.user AS x LIMIT 1",
            "SELECT table_name AS a FROM information_schema.tables AS x LIMIT 1"]
    alone = sqls.map { |sql| where(new_client.query(sql)) }
    expect(alone.uniq.size).to be >= 4
    seen = (sqls + sqls.reverse).map { |sql| where(client.query(sql)) }
    expect(seen).to eq(alone + alone.reverse)
  end

  it "sees a prepared statement's columns change when its table changes under it" do
    client.query("CREATE TEMPORARY TABLE cr_alter (id INT, v INT)")
    client.query("INSERT INTO cr_alter VALUES (1, 42)")
    statement = client.prepare("SELECT * FROM cr_alter")
    run = -> { statement.execute.then { |r| [r.field_types, r.first] } }
    before = [run.call, run.call]
    client.query("ALTER TABLE cr_alter MODIFY v VARCHAR(20)")
    after = [run.call, run.call]
    expect(before.uniq).to eq([[%w[int(11) int(11)], { "id" => 1, "v" => 42 }]])
    expect(after.uniq.size).to eq(1)
    expect(after[0][0]).to match([eq("int(11)"), start_with("varchar(")]) # varchar(26): mysql2's length / 3
    expect(after[0][1]).to eq({ "id" => 1, "v" => "42" })
  end

  it "transcodes the names of the same query again once Encoding.default_internal is set, and not after" do
    sql = "SELECT 1 AS `café`, 2 AS `ü`"
    saved = Encoding.default_internal
    names = [nil, Encoding::UTF_16LE, Encoding::UTF_16LE, nil, nil].map do |internal|
      Encoding.default_internal = internal
      client.query(sql).fields
    ensure
      Encoding.default_internal = saved
    end
    expect(names.map { |n| n.map(&:encoding).uniq }).to eq([[Encoding::UTF_8], [Encoding::UTF_16LE],
                                                            [Encoding::UTF_16LE], [Encoding::UTF_8], [Encoding::UTF_8]])
    expect(names.map { |n| n.map { |f| f.encode(Encoding::UTF_8) } }.uniq).to eq([%w[café ü]])
  end

  it "keeps the columns of every result alive as long as the result, whatever goes first", :gc_stress do
    sql = "SELECT seq AS a, seq * 2 AS b, 'x' AS c FROM seq_1_to_3"
    alone = described(new_client.query(sql))
    results = Array.new(40) { |i| client.query(i.even? ? sql : "SELECT 1 AS z").tap(&:to_a) }
    kept = results.select.with_index { |_, i| (i % 4).zero? }
    results = nil # rubocop:disable Lint/UselessAssignment
    other = new_client
    reused = other.query(sql)
    other.close
    other = nil # rubocop:disable Lint/UselessAssignment
    GC.start
    GC.compact if GC.respond_to?(:compact)
    GC.verify_internal_consistency
    expect(kept.map { |r| described(r) }.uniq).to eq([alone])
    expect([described(reused), reused.to_a.size]).to eq([alone, 3])
  end
end
