# frozen_string_literal: true

require "spec_helper"

# A Client keeps the template its last Hash rows were copied from (ext/mysql2/row_hash.c), so that the first row of
# the next result with the same field names (the same query again: a point select) is copied from it too. Every
# row must still be the Hash that inserting its keys one by one gives, whatever ran on the client in between.
RSpec.describe Mysql2::Result, "Hash rows across results" do
  let(:client) { new_client }

  # One row of `columns` columns named prefix1.. (more than 8: a Hash in an st_table), the values made from `seed`;
  # the third column is NULL for odd seeds.
  def one_row(seed, columns: 12, prefix: "c")
    cells = (1..columns).map { |i| i == 3 && seed.odd? ? "NULL AS #{prefix}#{i}" : "#{seed} * #{i} AS #{prefix}#{i}" }
    "SELECT #{cells.join(", ")}"
  end

  def expected_row(seed, columns: 12, prefix: "c", symbolize: false)
    (1..columns).to_h do |i|
      key = "#{prefix}#{i}"
      [symbolize ? key.to_sym : key, i == 3 && seed.odd? ? nil : seed * i]
    end
  end

  # The frozen Hashes of class Hash whose keys are these: the templates (the rows are not frozen).
  def templates_for(keys)
    ObjectSpace.each_object(Hash).select { |h| h.frozen? && h.instance_of?(Hash) && h.keys == keys }
  end

  it "gives the one row of a query repeated 50 times its own values every time" do
    rows = (1..50).map { |seed| client.query(one_row(seed)).first }
    expect(rows).to eq((1..50).map { |seed| expected_row(seed) })
    expect(rows.map(&:object_id).uniq.size).to eq(50)
  end

  it "keys every row right when queries of other names, the same count and other options come in between" do
    plan = (1..60).map { |i| [i, %w[c d c c e d][i % 6], [{}, { symbolize_keys: true }, {}, { as: :array }][i % 4]] }
    got = plan.map { |seed, prefix, options| client.query(one_row(seed, prefix: prefix), **options).first }
    want = plan.map do |seed, prefix, options|
      row = expected_row(seed, prefix: prefix, symbolize: options[:symbolize_keys])
      options[:as] == :array ? row.values : row
    end
    expect(got).to eq(want)
  end

  it "keys the first row of every result right after results of many rows with the same names" do
    many = "SELECT seq AS c1, seq * 2 AS c2, #{(3..12).map { |i| "seq * #{i} AS c#{i}" }.join(", ")} FROM seq_1_to_30"
    3.times do |round|
      expect(client.query(many).to_a.last).to eq((1..12).to_h { |i| ["c#{i}", 30 * i] })
      expect(client.query(one_row(round + 2)).first).to eq(expected_row(round + 2))
      expect(client.query(many, cache_rows: false).first).to eq((1..12).to_h { |i| ["c#{i}", i] })
    end
  end

  it "gives every result's row a Hash of its own: changing one changes no later one" do
    first = client.query(one_row(2)).first
    first["c1"] = :changed
    first.delete("c2")
    first["extra"] = 1
    later = (3..5).map { |seed| client.query(one_row(seed)).first }
    expect(later).to eq((3..5).map { |seed| expected_row(seed) })
    expect(first.size).to eq(12)
  end

  it "builds the rows of prepared statements executed again and again the same way" do
    statement = client.prepare("#{one_row(2).sub("SELECT 2 * 1 AS c1", "SELECT ? AS c1")} FROM DUAL")
    rows = (1..20).map { |i| statement.execute(i).first }
    expect(rows).to eq((1..20).map { |i| expected_row(2).merge("c1" => i) })
  end

  it "lets a later duplicate name win in every result" do
    sql = "SELECT #{(1..10).map { |i| "#{i} AS n#{i}" }.join(", ")}, 99 AS n1"
    rows = (1..4).map { client.query(sql).first }
    expect(rows.uniq).to eq([(1..10).to_h { |i| ["n#{i}", i == 1 ? 99 : i] }])
  end

  it "follows names renamed in place (Sequel) in the result that renames them only" do
    renamed = client.query(one_row(2))
    renamed.fields.map!(&:to_sym)
    expect(renamed.first).to eq(expected_row(2, symbolize: true))
    expect(client.query(one_row(3)).first).to eq(expected_row(3))
  end

  it "keeps no big cell of the last row in the Client's template once an each returns" do
    big = "SELECT #{(1..11).map { |i| "#{i} AS b#{i}" }.join(", ")}, REPEAT('x', 5000) AS b12"
    keys = (1..12).map { |i| "b#{i}" }
    3.times { expect(client.query(big).each { |row| row }.last["b12"].size).to eq(5000) }
    expect(templates_for(keys).map(&:values).uniq).to eq([[nil] * 12])
    client.query(big, stream: true, cache_rows: false).each { |row| row }
    client.prepare(big).execute.each { |row| row }
    expect(templates_for(keys).map(&:values).uniq).to eq([[nil] * 12])
  end

  it "keeps its template frozen against changes through ObjectSpace" do
    2.times { |seed| client.query(one_row(seed)).first }
    templates = templates_for(expected_row(1).keys)
    expect(templates).not_to be_empty
    templates.each { |t| expect { t["c1"] = 1 }.to raise_error(FrozenError) }
    expect(client.query(one_row(7)).first).to eq(expected_row(7))
  end

  it "keys the rows right when threads iterate results of other names from one client at once" do
    many = lambda do |prefix|
      "SELECT #{(1..12).map { |i| "seq * #{i} AS #{prefix}#{i}" }.join(", ")} FROM seq_1_to_20"
    end
    want = ->(prefix) { (1..20).map { |s| (1..12).to_h { |i| ["#{prefix}#{i}", s * i] } } }
    results = Array.new(6) { |i| client.query(many.call(i.even? ? "c" : "d"), cache_rows: false) }
    Timeout.timeout(60) do
      (ENV["MYSQL2_MEMCHECK"] ? 10 : 100).times do
        got = results.map do |result|
          Thread.new { result.map { |row| row.tap { Thread.pass } } }
        end.map(&:value)
        expect(got).to eq(Array.new(6) { |i| want.call(i.even? ? "c" : "d") })
      end
    end
  end

  it "keeps every row intact when the GC compacts between queries or runs at every allocation", :gc_stress do
    compacted = (1..20).map do |seed|
      GC.compact if (seed % 10).zero? && GC.respond_to?(:compact)
      GC.start(full_mark: false) # the template ages and becomes old: written to after that, with young cells
      GC.verify_internal_consistency if (seed % 10) == 5
      client.query(one_row(seed)).first
    end
    stressed = begin
      GC.stress = true
      (1..3).map { |seed| client.query(one_row(seed)).first }
    ensure
      GC.stress = false
    end
    GC.start
    expect(compacted).to eq((1..20).map { |seed| expected_row(seed) })
    expect(stressed).to eq((1..3).map { |seed| expected_row(seed) })
  end
end
