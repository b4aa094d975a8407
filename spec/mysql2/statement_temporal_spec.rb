# frozen_string_literal: true

require "spec_helper"

# DATE, DATETIME, TIMESTAMP and TIME over the binary protocol are fetched as MYSQL_TIME (row_binary.c) and must
# cast exactly as the text protocol casts the same values: same classes, values, zones and error messages.
module Mysql2Test
  # [column type, values] of the temporal columns compared across the two protocols.
  TEMPORAL_VALUES = [
    ["DATE", ["2024-02-29", "0001-01-01", "9999-12-31", "1970-01-01", "0000-00-00", nil]],
    ["DATETIME", ["2024-02-29 23:59:59", "0001-01-01 00:00:00", "9999-12-31 23:59:59", "1969-12-31 23:59:59",
                  "0000-00-00 00:00:00", "2038-01-19 03:14:08"]],
    ["DATETIME(3)", ["2024-02-29 23:59:59.123", "1901-12-13 20:45:52.001", "2000-01-01 00:00:00.999"]],
    ["DATETIME(6)", ["2024-02-29 23:59:59.999999", "1000-01-01 00:00:00.000001", "2020-06-15 12:00:00.5"]],
    ["TIMESTAMP(6)", ["2038-01-19 03:14:07.999999", "1970-01-01 00:00:01", "2024-03-31 02:30:00"]],
    ["TIME", ["838:59:59", "-838:59:59", "-00:00:01", "00:00:00", "25:00:00", "-100:30:15"]],
    ["TIME(1)", ["100:00:00.5", "-00:00:00.1", "12:34:56.7"]],
    ["TIME(6)", ["-838:59:58.999999", "00:00:00.000001"]]
  ].freeze
end

RSpec.describe "Statement temporal columns" do
  let(:client) { new_client }

  def table_with(type, values)
    client.query("DROP TABLE IF EXISTS temporal_cells")
    client.query("CREATE TABLE temporal_cells (id INT PRIMARY KEY, v #{type} NULL)")
    values.each_with_index do |v, i|
      client.query("INSERT INTO temporal_cells VALUES (#{i}, #{v.nil? ? "NULL" : "'#{v}'"})")
    end
  end

  def both(options = {})
    sql = "SELECT v FROM temporal_cells ORDER BY id"
    [client.query(sql, **options).map { |r| r["v"] }, client.prepare(sql).execute(**options).map { |r| r["v"] }]
  end

  before { client.query("SET SESSION sql_mode = ''") }

  def encoding_of(value)
    value.is_a?(String) ? value.encoding : nil
  end

  Mysql2Test::TEMPORAL_VALUES.each do |type, values|
    it "casts #{type} as the text protocol does, in every time zone combination" do
      table_with(type, values)
      [{}, { database_timezone: :utc }, { database_timezone: :utc, application_timezone: :local },
       { database_timezone: :local, application_timezone: :utc }].each do |zones|
        text, binary = both(zones)
        expect(binary.map(&:class)).to eq(text.map(&:class))
        expect(binary).to eq(text)
        expect(binary.map { |v| v.respond_to?(:utc_offset) ? v.utc_offset : nil })
          .to eq(text.map { |v| v.respond_to?(:utc_offset) ? v.utc_offset : nil })
      end
      expect(both(cast: false).uniq.size).to eq(1)
    end

    it "gives a stream's each under other casting than its execute the text protocol's values for #{type} and INT" do
      table_with(type, values)
      sql = "SELECT id, v FROM temporal_cells ORDER BY id"
      [false, :fast, true].each do |cast|
        text = client.query(sql, cast: cast).to_a
        streamed = []
        result = client.prepare(sql).execute(stream: true, cache_rows: false)
        result.each(cast: cast) { |r| streamed << r }
        expect(streamed).to eq(text)
        expect(streamed.map { |r| r["v"].class }).to eq(text.map { |r| r["v"].class })
        expect(streamed.map { |r| encoding_of(r["v"]) }).to eq(text.map { |r| encoding_of(r["v"]) })
      end
      cast_later = []
      client.prepare(sql).execute(stream: true, cache_rows: false, cast: false).each(cast: true) { |r| cast_later << r }
      expect(cast_later).to eq(client.query(sql).to_a)
    end
  end

  it "casts them as the text protocol does in another process time zone" do
    table_with("DATETIME(6)", ["2024-03-31 02:30:00.25", "2024-10-27 02:30:00", "1900-01-01 00:00:00"])
    old = ENV.fetch("TZ", nil)
    ENV["TZ"] = "Europe/Berlin"
    text, binary = both
    expect(binary).to eq(text)
    expect(binary.map(&:utc_offset)).to eq(text.map(&:utc_offset))
  ensure
    ENV["TZ"] = old
  end

  [["DATE", "2024-00-10"], ["DATE", "2024-05-00"], ["DATETIME", "2024-00-10 01:02:03"],
   ["DATETIME(3)", "2024-05-00 01:02:03.045"], ["DATETIME(6)", "2024-00-00 23:59:59.000001"],
   ["DATETIME(1)", "0000-00-00 00:00:00.5"]].each do |type, value|
    it "raises the text protocol's error for #{type} '#{value}'" do
      table_with(type, [value])
      expect { client.query("SELECT v FROM temporal_cells").to_a }.to raise_error(Mysql2::Error) do |error|
        expect(error.message).to start_with("Invalid date in field 'v': #{value[0, 10]}")
        expect { client.prepare("SELECT v FROM temporal_cells").execute.to_a }
          .to raise_error(Mysql2::Error, error.message)
      end
    end
  end

  it "raises Date's error for a calendar date that does not exist, as the text protocol does" do
    client.query("SET SESSION sql_mode = 'ALLOW_INVALID_DATES'")
    table_with("DATE", ["2023-02-30"])
    text_error = begin
      client.query("SELECT v FROM temporal_cells").to_a
    rescue StandardError => e
      e
    end
    expect(text_error).to be_a(Date::Error)
    expect { client.prepare("SELECT v FROM temporal_cells").execute.to_a }
      .to raise_error(text_error.class, text_error.message)
  end
end
