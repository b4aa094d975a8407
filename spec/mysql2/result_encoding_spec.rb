# frozen_string_literal: true

require "spec_helper"

# The encodings of String cells and names (API reference §3d) and :force_encoding (§2).
RSpec.describe Mysql2::Result, "encodings" do
  let(:client) { new_client }

  before do
    client.query("CREATE TEMPORARY TABLE enc (u VARCHAR(10) CHARACTER SET utf8mb4, " \
                 "l VARCHAR(10) CHARACTER SET latin1, b BLOB, bin BINARY(2), n INT, d DATE)")
    client.query("INSERT INTO enc VALUES ('\u00e9\u{1F600}', '\u00e9', x'00FF', x'0001', 5, '2020-01-02')")
  end

  it "tags text with the connection encoding and binary columns with ASCII-8BIT" do
    row = client.query("SELECT u, l, b, bin FROM enc").first
    expect(row.transform_values(&:encoding)).to eq("u" => Encoding::UTF_8, "l" => Encoding::UTF_8,
                                                   "b" => Encoding::BINARY, "bin" => Encoding::BINARY)
    expect(row["u"]).to eq("\u00e9\u{1F600}")
    expect(row["l"]).to eq("\u00e9") # converted by the server to character_set_results
    expect(row.values.all?(&:valid_encoding?)).to be(true)
  end

  it "tags each column with its own charset after SET character_set_results = NULL (latin1 -> ISO-8859-1)" do
    client.query("SET character_set_results = NULL")
    row = client.query("SELECT u, l, b FROM enc").first
    expect(row["l"].encoding).to eq(Encoding::ISO_8859_1)
    expect(row["l"].bytes).to eq([0xE9])
    expect(row["l"].encode(Encoding::UTF_8)).to eq("\u00e9")
    expect(row["u"].encoding).to eq(Encoding::UTF_8)
    expect(row["b"].encoding).to eq(Encoding::BINARY)
  end

  it "gives a UTF-16 column its own wide-character String after SET character_set_results = NULL" do
    client.query("SET character_set_results = NULL")
    wide = client.query("SELECT CONVERT('ab\u00e9' USING utf16) AS w").first["w"]
    expect(wide.encoding).to eq(Encoding::UTF_16) # as mysql2 names MySQL's utf16 (big-endian)
    expect(wide.bytes).to eq([0, 0x61, 0, 0x62, 0, 0xE9])
    expect(wide.dup.force_encoding(Encoding::UTF_16BE).encode(Encoding::UTF_8)).to eq("ab\u00e9")
  end

  it "tags text US-ASCII on an ascii connection" do
    ascii = new_client(encoding: "ascii")
    expect(ascii.query("SELECT 'abc' AS a").first["a"].encoding).to eq(Encoding::US_ASCII)
    expect(ascii.query("SELECT 'abc' AS a").fields.first.encoding).to eq(Encoding::US_ASCII)
  end

  describe "Encoding.default_internal" do
    it "transcodes text cells and field names, but not binary cells" do
      client.query("SET character_set_results = NULL")
      with_default_internal(Encoding::UTF_16LE) do
        result = client.query("SELECT u, l AS `l\u00e9`, b FROM enc")
        row = result.first
        expect(row.values.map(&:encoding)).to eq([Encoding::UTF_16LE, Encoding::UTF_16LE, Encoding::BINARY])
        expect(row.values[1]).to eq("\u00e9".encode(Encoding::UTF_16LE))
        expect(row.values[0]).to eq("\u00e9\u{1F600}".encode(Encoding::UTF_16LE))
        expect(result.fields.map(&:encoding).uniq).to eq([Encoding::UTF_16LE])
        expect(result.fields[1]).to eq("l\u00e9".encode(Encoding::UTF_16LE))
        expect(result.field_types.first.encoding).to eq(Encoding::UTF_16LE)
        expect(result.tables.first).to eq("enc".encode(Encoding::UTF_16LE))
      end
    end

    it "transcodes latin1 text to UTF-8" do
      client.query("SET character_set_results = NULL")
      with_default_internal(Encoding::UTF_8) do
        row = client.query("SELECT l FROM enc").first
        expect(row["l"]).to eq("\u00e9")
        expect(row["l"].encoding).to eq(Encoding::UTF_8)
      end
    end

    it "leaves numbers and dates under cast: false as ASCII-8BIT" do
      with_default_internal(Encoding::UTF_16LE) do
        row = client.query("SELECT n, d FROM enc", cast: false).first
        expect(row.values.map(&:encoding)).to eq([Encoding::BINARY, Encoding::BINARY])
        expect(row.values).to eq(%w[5 2020-01-02])
      end
    end

    it "is read when each starts, not when the query ran" do
      result = client.query("SELECT u FROM enc", cache_rows: false)
      with_default_internal(Encoding::UTF_16LE) do
        expect(result.first.values.first.encoding).to eq(Encoding::UTF_16LE)
      end
      expect(result.first.values.first.encoding).to eq(Encoding::UTF_8)
    end
  end

  describe ":force_encoding" do
    it "retags every String value (text, BLOB, numbers under cast: false) without transcoding" do
      row = client.query("SELECT u, l, b, n FROM enc", force_encoding: "ISO-8859-1", cast: false).first
      expect(row.values.map(&:encoding).uniq).to eq([Encoding::ISO_8859_1])
      expect(row["l"].bytes).to eq("\u00e9".b.bytes) # the UTF-8 bytes, retagged
      expect(row["b"].bytes).to eq([0, 255])
      expect(row["n"]).to eq("5".encode(Encoding::ISO_8859_1))
    end

    it "accepts an Encoding, leaves non-Strings and field names alone, and beats default_internal" do
      with_default_internal(Encoding::UTF_16LE) do
        result = client.query("SELECT u, n, d FROM enc", force_encoding: Encoding::BINARY)
        row = result.first
        expect(row.values.first.encoding).to eq(Encoding::BINARY)
        expect(row.values[0]).to eq("\u00e9\u{1F600}".b)
        expect(row.values[1]).to eq(5)
        expect(row.values[2]).to eq(Date.new(2020, 1, 2))
        expect(result.fields.map(&:encoding).uniq).to eq([Encoding::UTF_16LE])
      end
    end

    it "raises ArgumentError for an unknown name before sending anything" do
      expect { client.query("SET @fe = 1", force_encoding: "no-such-encoding") }
        .to raise_error(ArgumentError, /unknown encoding name/)
      expect(client.query("SELECT @fe AS v").first["v"]).to be_nil
    end

    it "raises TypeError for something that is not an encoding" do
      expect { client.query("SET @fe = 1", force_encoding: 42) }.to raise_error(TypeError)
      expect { client.query("SET @fe = 1", force_encoding: :utf8) }.to raise_error(TypeError)
      expect(client.query("SELECT @fe AS v").first["v"]).to be_nil
    end

    it "cannot be given to Result#each, even as nil" do
      result = client.query("SELECT u FROM enc")
      message = ":force_encoding is a query option and cannot be set on Result#each"
      expect { result.each(force_encoding: "UTF-8") { nil } }.to raise_error(Mysql2::Error, message)
      expect { result.each(force_encoding: nil) { nil } }.to raise_error(Mysql2::Error, message)
    end

    it "keeps the query's force_encoding for rows built by an each with other options" do
      result = client.query("SELECT u FROM enc", force_encoding: "ASCII-8BIT")
      expect(result.each(as: :array).first.first.encoding).to eq(Encoding::BINARY)
    end

    it "can be a client default" do
      client.query_options[:force_encoding] = Encoding::ISO_8859_1
      expect(client.query("SELECT u FROM enc").first["u"].encoding).to eq(Encoding::ISO_8859_1)
    end
  end
end
