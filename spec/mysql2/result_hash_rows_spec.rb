# frozen_string_literal: true

require "spec_helper"

# Hash rows after the first of an each are copies of a template Hash of the keys (ext/mysql2/row_hash.c). Each
# must still be the Hash that inserting the keys one by one would give, for every row and every way rows are read.
RSpec.describe Mysql2::Result, "Hash rows" do
  let(:client) { new_client }

  # 12 columns (a Hash of more than 8 entries) or 3 (a small one), 40 rows: c1 is seq, the others NULL now and then.
  def sql(columns)
    cells = (2..columns).map { |i| "IF(seq % #{i + 1} = 0, NULL, seq * #{i}) AS c#{i}" }
    "SELECT #{["seq AS c1", *cells].join(", ")} FROM seq_1_to_40"
  end

  def expected(result, rows_as_arrays)
    rows_as_arrays.map { |values| result.fields.zip(values).to_h }
  end

  [12, 3].each do |columns|
    [{}, { cache_rows: false }, { stream: true, cache_rows: false }, { symbolize_keys: true }].each do |options|
      it "gives every row of #{columns} columns its own values in field order (#{options})" do
        arrays = client.query(sql(columns), as: :array).to_a
        result = client.query(sql(columns), **options)
        rows = result.to_a
        expect(rows).to eq(expected(result, arrays))
        expect(rows.map(&:keys).uniq).to eq([result.fields])
      end
    end

    it "builds the rows of a prepared statement's result (#{columns} columns)" do
      arrays = client.query(sql(columns), as: :array).to_a
      result = client.prepare(sql(columns)).execute
      expect(result.to_a).to eq(expected(result, arrays))
    end
  end

  it "gives every row a Hash of its own: changing one changes no other" do
    rows = client.query(sql(12), cache_rows: false).to_a
    rows[1]["c1"] = :changed
    rows[2].delete("c2")
    rows[3]["extra"] = 1
    expect(rows.map(&:size)).to eq([12, 12, 11, 13] + ([12] * 36))
    expect(rows.each_with_index.map { |row, i| row["c1"] == (i + 1) }).to eq([true, false] + ([true] * 38))
  end

  it "lets a later duplicate name win in every row" do
    rows = client.query("SELECT seq AS a, seq * 10 AS a, seq AS b FROM seq_1_to_5").to_a
    expect(rows).to eq((1..5).map { |i| { "a" => i * 10, "b" => i } })
  end

  it "keys the rows by the names renamed in place at any row, again and again (Sequel)" do
    arrays = client.query(sql(12), as: :array).to_a
    result = client.query(sql(12), cache_rows: false)
    rows = []
    names = []
    result.each_with_index do |row, i|
      rows << row
      names << result.fields.dup
      suffix = { 2 => "a", 3 => "b", 30 => "c" }[i]
      result.fields.map! { |f| :"#{f}#{suffix}" } if suffix
    end
    expect(rows.map { |row| row.keys.first }).to eq((["c1"] * 3) + [:c1a] + ([:c1ab] * 27) + ([:c1abc] * 9))
    expect(rows).to eq(names.zip(arrays).map { |keys, values| keys.zip(values).to_h })
  end

  it "follows an unfrozen String name changed in place between rows, as inserting each key would" do
    result = client.query(sql(3))
    result.fields.map! { |f| String.new(f) }
    rows = []
    result.each do |row|
      rows << row
      result.fields.first << "x" if [1, 2].include?(rows.size)
    end
    expect(rows.map { |row| row.keys.first }).to eq(%w[c1 c1x] + (["c1xx"] * 38))
    expect(rows.map { |row| row.keys.first.frozen? }.uniq).to eq([true])
  end

  it "keys a shortened fields Array's missing names by nil in every row" do
    result = client.query("SELECT seq AS a, seq * 2 AS b FROM seq_1_to_4")
    result.fields.pop
    expect(result.to_a).to eq((1..4).map { |i| { "a" => i, nil => i * 2 } })
  end

  it "keeps every row intact when the GC compacts or runs at every allocation", :gc_stress do
    arrays = client.query(sql(12), as: :array).to_a
    result = client.query(sql(12), cache_rows: false)
    compacted = result.each_with_index.map do |row, i|
      GC.compact if (i % 10).zero? && GC.respond_to?(:compact)
      GC.start(full_mark: false) # the template ages and becomes old: written to after that, with young cells
      GC.verify_internal_consistency if (i % 10) == 5
      row
    end
    stressed = begin
      GC.stress = true
      client.query(sql(12)).to_a
    ensure
      GC.stress = false
    end
    GC.start
    expect(compacted).to eq(expected(result, arrays))
    expect(stressed).to eq(expected(result, arrays))
  end
end
