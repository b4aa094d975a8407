# frozen_string_literal: true

require "spec_helper"

# Character sets through Client#query and #escape, and the encoding of error messages.
RSpec.describe Mysql2::Client do
  let(:db) { Mysql2Test::CONFIG[:database] }

  def with_default_internal(encoding)
    saved = Encoding.default_internal
    Encoding.default_internal = encoding
    yield
  ensure
    Encoding.default_internal = saved
  end

  def missing_table_error(client, name)
    sql = "SELECT * FROM `#{name}`"
    client.query(client.encoding == Encoding::BINARY ? sql.b : sql.encode(client.encoding))
  rescue Mysql2::Error => e
    e
  end

  describe "error messages" do
    it "are valid UTF-8 with the server's non-ASCII text on a utf8mb4 connection" do
      error = missing_table_error(new_client, "tablé_missing")
      expect(error).to be_a(Mysql2::Error)
      expect(error.message).to eq("Table '#{db}.tablé_missing' doesn't exist")
      expect(error.message.encoding).to eq(Encoding::UTF_8)
      expect(error.message).to be_valid_encoding
      expect([error.error_number, error.sql_state, error.sql_state.encoding]).to eq([1146, "42S02", Encoding::US_ASCII])
    end

    it "are transcoded to Encoding.default_internal (UTF-16LE, UTF-8)" do
      client = new_client
      [Encoding::UTF_16LE, Encoding::UTF_8].each do |encoding|
        error = with_default_internal(encoding) { missing_table_error(client, "tablé_missing") }
        expect(error.message.encoding).to eq(encoding)
        expect(error.message.encode(Encoding::UTF_8)).to eq("Table '#{db}.tablé_missing' doesn't exist")
      end
    end

    it "are decoded from the connection's character set (latin1, sjis, gbk, big5) into UTF-8" do
      { "latin1" => "tablé", "sjis" => "ソ表", "gbk" => "乗表", "big5" => "許功" }.each do |charset, name|
        error = missing_table_error(new_client(encoding: charset), "#{name}_missing")
        expect(error.message).to eq("Table '#{db}.#{name}_missing' doesn't exist")
        expect(error.message.encoding).to eq(Encoding::UTF_8)
      end
    end
  end

  describe "round trips through #query" do
    def round_trip(client, text)
      client.query("CREATE TEMPORARY TABLE rt (s VARCHAR(50) CHARACTER SET utf8mb4, b VARBINARY(50))")
      client.query("INSERT INTO rt (s) VALUES ('#{client.escape(text)}')")
      client.query("SELECT s, HEX(s) AS hex FROM rt").first
    end

    {
      "latin1" => "café ÿ £", "sjis" => "ソ表能 カナ", "utf8mb4" => "emoji 😀🎉 é", "gbk" => "乗表 中文", "big5" => "許功 中文"
    }.each do |charset, text|
      it "stores and reads back #{text.inspect} on a #{charset} connection" do
        client = new_client(encoding: charset)
        sent = text.encode(client.encoding)
        row = round_trip(client, sent)
        expect(row["s"].encoding).to eq(client.encoding)
        expect(row["s"].bytes).to eq(sent.bytes)
        expect(row["hex"]).to eq(text.encode(Encoding::UTF_8).unpack1("H*").upcase) # what the server stored
      end
    end

    it "passes bytes through unchanged on a binary connection" do
      client = new_client(encoding: "binary")
      expect(client.encoding).to eq(Encoding::BINARY)
      row = round_trip(client, "café".b)
      expect(row["s"]).to eq("café".b)
      expect(row["s"].encoding).to eq(Encoding::BINARY)
      bytes = "\xFF\x00'\\\x80\n".b
      client.query("INSERT INTO rt (b) VALUES ('#{client.escape(bytes)}')")
      stored = client.query("SELECT b FROM rt WHERE b IS NOT NULL").first["b"]
      expect([stored, stored.encoding]).to eq([bytes, Encoding::BINARY])
    end
  end

  describe "#escape" do
    let(:tricky) { "it's a \\ path\n" }

    # Stores in a column of the connection's own character set: no conversion on the way in or out.
    def stored(client, escaped, charset = "utf8mb4")
      client.query("CREATE TEMPORARY TABLE esc (s VARCHAR(50) CHARACTER SET #{charset})")
      client.query("INSERT INTO esc VALUES ('#{escaped}')")
      client.query("SELECT s FROM esc").first["s"]
    end

    it "escapes with backslashes by default" do
      client = new_client
      expect(client.escape(tricky)).to eq("it\\'s a \\\\ path\\n")
      expect(stored(client, client.escape(tricky))).to eq(tricky)
    end

    it "doubles quotes and keeps backslashes under NO_BACKSLASH_ESCAPES" do
      client = new_client
      client.query("SET SESSION sql_mode = 'NO_BACKSLASH_ESCAPES'")
      escaped = client.escape(tricky)
      expect(escaped).to eq("it''s a \\ path\n")
      expect(stored(client, escaped)).to eq(tricky)
    end

    # Each of these characters has 0x5C ("\") as its second byte in the connection's character set: escaping
    # byte by byte would put a backslash after it and corrupt the string.
    { "sjis" => "ソ表能予", "gbk" => "乗俓匼嘰", "big5" => "許功蓋餐" }.each do |charset, chars|
      it "leaves multibyte characters ending in 0x5C alone on a #{charset} connection" do
        client = new_client(encoding: charset)
        text = "#{chars}'\\#{chars}".encode(client.encoding)
        expect(text.b).to include("\\")
        escaped = client.escape(text)
        expected = text.each_char.map { |ch| ["'", "\\"].include?(ch.encode(Encoding::UTF_8)) ? "\\#{ch}" : ch }
        expect(escaped).to eq(expected.join.encode(client.encoding))
        expect(escaped.encoding).to eq(client.encoding)
        expect(stored(client, escaped, charset).bytes).to eq(text.bytes)
      end
    end
  end
end
