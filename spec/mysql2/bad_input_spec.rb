# frozen_string_literal: true

require "spec_helper"
require "bigdecimal"

# Bad input to every public method: a clear ArgumentError, TypeError or Mysql2::Error (or Ruby's own encoding
# errors for strings that cannot be converted), never a crash, and the connection left usable where the server
# allows it (connection contract §7).
RSpec.describe "bad input" do
  let(:client) { new_client }

  def expect_usable(client)
    expect(client.query("SELECT 1 AS one").first).to eq("one" => 1)
  end

  describe "Client#query" do
    it "refuses non-Strings and non-Hash options before sending anything" do
      [nil, 1, :sym, ["SELECT 1"]].each do |sql|
        expect { client.query(sql) }.to raise_error(TypeError)
      end
      expect { client.query("SELECT 1", nil) }.to raise_error(TypeError)
      expect { client.query("SELECT 1", rows_per_gvl_yield: "x") }.to raise_error(TypeError)
      expect_usable(client)
    end

    it "sends NUL bytes as data" do
      expect(client.query("SELECT 'a\0b' AS s").first["s"]).to eq("a\0b")
      expect(client.query("SELECT LENGTH('a\0b') AS n").first["n"]).to eq(3)
    end

    it "sends invalid UTF-8 in a UTF-8 string as it is, and binary strings as they are" do
      expect(client.query("SELECT HEX('\xff\xfe') AS h").first["h"]).to eq("FFFE")
      expect(client.query("SELECT HEX('\xff\x00') AS h".b).first["h"]).to eq("FF00")
      expect_usable(client)
    end

    it "raises Ruby's conversion errors, rather than sending unconverted bytes, for strings the connection " \
       "encoding cannot carry" do
      expect { client.query("SELECT '\x81'".dup.force_encoding(Encoding::Shift_JIS)) }
        .to raise_error(Encoding::InvalidByteSequenceError)
      latin1 = new_client(encoding: "latin1")
      expect { latin1.query("SELECT '\u{1F600}' AS s") }.to raise_error(Encoding::UndefinedConversionError)
      expect { latin1.escape("\u{1F600}") }.to raise_error(Encoding::UndefinedConversionError)
      expect { latin1.prepare("SELECT '\u{1F600}'") }.to raise_error(Encoding::UndefinedConversionError)
      expect(latin1.query("SELECT '\u00e9' AS s").first["s"].encode("UTF-8")).to eq("\u00e9") # converted
      expect(latin1.prepare("SELECT ? AS s").execute("\u00e9").first["s"].encode("UTF-8")).to eq("\u00e9")
      expect { latin1.prepare("SELECT ? AS s").execute("\u{1F600}") }.to raise_error(Encoding::UndefinedConversionError)
      expect_usable(latin1)
      expect_usable(client)
    end

    it "raises ConnectionError for a query larger than max_allowed_packet; the session is over afterwards" do
      limit = client.query("SELECT @@max_allowed_packet AS m").first["m"]
      [limit + 1024, (limit * 4) + 1024].each do |size|
        victim = new_client
        expect { victim.query("SELECT '#{"x" * size}' AS s") }.to raise_error(Mysql2::Error::ConnectionError) do |e|
          # The server's own error when it arrives before the write fails; "gone away" when the server hung up
          # while the client was still sending.
          expect([1153, 2006, 2013]).to include(e.error_number)
        end
        expect(victim.closed?).to be(true)
        expect do
          victim.query("SELECT 1")
        end.to raise_error(Mysql2::Error::ConnectionError, "MySQL client is not connected")
        reconnecting = new_client(reconnect: true)
        expect { reconnecting.query("SELECT '#{"x" * size}' AS s") }.to raise_error(Mysql2::Error::ConnectionError)
        expect_usable(reconnecting)
      end
    end
  end

  describe "other Client methods" do
    it "refuses wrong types" do
      expect { client.escape(nil) }.to raise_error(TypeError)
      expect { client.escape(1) }.to raise_error(TypeError)
      expect { Mysql2::Client.escape(nil) }.to raise_error(TypeError)
      expect { client.select_db(nil) }.to raise_error(TypeError)
      expect { client.select_db("my\0sql") }.to raise_error(ArgumentError, /null byte/)
      expect { client.set_server_option("x") }.to raise_error(TypeError)
      expect { client.session_track(nil) }.to raise_error(TypeError)
      expect { client.prepare(nil) }.to raise_error(TypeError)
      expect { client.query_timeout = "x" }.to raise_error(TypeError)
      expect_usable(client)
    end

    it "refuses a session_track type the library does not know (it would read out of bounds)" do
      [-1, 6, 999, (2**31) - 1].each do |type|
        expect { client.session_track(type) }.to raise_error(ArgumentError, "unknown session track type: #{type}")
      end
      expect(client.session_track(Mysql2::Client::SESSION_TRACK_SCHEMA)).to be_nil.or be_an(Array)
    end

    it "escapes NUL bytes and invalid UTF-8 without losing bytes" do
      expect(client.escape("a\0b'")).to eq("a\\0b\\'")
      expect(client.escape("\xff'")).to eq("\xff\\'")
    end

    it "reports server refusals as Mysql2::Error and stays usable" do
      expect { client.select_db("no_such_database_here") }.to raise_error(Mysql2::Error, /Unknown database/)
      expect(client.set_server_option(999)).to be(false)
      expect { client.prepare("SELEC") }.to raise_error(Mysql2::Error, /syntax/)
      expect(client.next_result).to be(false)
      expect(client.store_result).to be_nil
      expect(client.async_result).to be_nil
      expect_usable(client)
    end

    it "refuses a negative, NaN, infinite or huge query_timeout, and keeps the connection" do
      [-1, Float::NAN, Float::INFINITY, 1e300, 2**80].each do |value|
        expect { client.query_timeout = value }.to raise_error(ArgumentError, /query_timeout/)
      end
      client.query_timeout = 1e9
      expect_usable(client)
      client.query_timeout = nil
      expect(client.query_timeout).to be_nil
    end
  end

  describe "Client.new" do
    it "refuses a non-Hash" do
      [nil, "x", 1].each do |opts|
        expect { Mysql2::Client.new(opts) }.to raise_error(Mysql2::Error, "Options parameter must be a Hash")
      end
    end

    it "refuses negative, huge and non-numeric timeouts with a clear error" do
      expect { new_client(write_timeout: -5) }
        .to raise_error(Mysql2::Error, "write_timeout must be a positive integer, you passed -5")
      expect { new_client(connect_timeout: 2**40) }.to raise_error(ArgumentError, /connect_timeout is too large/)
      expect { new_client(read_timeout: 1e20) }.to raise_error(ArgumentError, /read_timeout is too large/)
      expect { new_client(read_timeout: -(2**70)) }.to raise_error(Mysql2::Error, /read_timeout must be a positive/)
      expect { new_client(read_timeout: "x") }.to raise_error(ArgumentError, /invalid value for Integer/)
      expect { new_client(query_timeout: -1) }.to raise_error(ArgumentError, /query_timeout/)
    end

    it "accepts the largest timeouts and nil" do
      expect_usable(new_client(connect_timeout: 4_294_967_295, read_timeout: 4_294_967_295, write_timeout: nil))
    end

    it "refuses NUL bytes in connection strings" do
      %i[host username password database socket init_command].each do |key|
        expect { Mysql2::Client.new(**client_options, key => "x\0y") }.to raise_error(ArgumentError, /null byte/)
      end
      expect { new_client(connect_attrs: { "a\0" => "b" }) }.to raise_error(ArgumentError, /null byte/)
    end

    it "raises clear errors for wrong values" do
      expect { new_client(encoding: "nope") }.to raise_error(Mysql2::Error, /Unsupported charset/)
      expect { new_client(init_command: 1) }.to raise_error(TypeError)
      expect { new_client(port: 2**40) }.to raise_error(RangeError)
      expect { new_client(database: "\xff") }.to raise_error(Mysql2::Error)
      expect { new_client(flags: "no_such_flag") }.to raise_error(NameError)
    end

    it "warns about an unknown connection flag or ssl_mode (as mysql2 does) and connects without it" do
      expect { expect_usable(new_client(flags: "NO_SUCH_FLAG")) }
        .to output(/Unknown MySQL connection flag: 'NO_SUCH_FLAG'/).to_stderr
      expect { expect_usable(new_client(ssl_mode: :nope)) }.to output(/Unknown MySQL ssl_mode flag: nope/).to_stderr
    end

    it "ignores unknown options (they are kept in query_options, as in mysql2)" do
      client = new_client(no_such_option: 1)
      expect(client.query_options[:no_such_option]).to eq(1)
      expect_usable(client)
    end
  end

  describe "Statement" do
    let(:statement) { client.prepare("SELECT ? AS v") }

    it "refuses a wrong number of parameters and unbindable objects, and stays usable" do
      expect { statement.execute }.to raise_error(Mysql2::Error, /Bind parameter count \(1\)/)
      expect { statement.execute(1, 2) }.to raise_error(Mysql2::Error, /Bind parameter count \(1\)/)
      [Object.new, :sym, { a: 1 }, [1]].each do |value|
        expect { statement.execute(value) }.to raise_error(TypeError, /can't bind parameter 1/)
      end
      expect(statement.execute(5).first).to eq("v" => 5)
      expect_usable(client)
    end

    it "binds extreme numbers, NUL bytes and invalid UTF-8 without losing them" do
      expect(statement.execute(2**64).first["v"]).to eq(2**64)
      expect(statement.execute(-(2**63) - 1).first["v"]).to eq(-(2**63) - 1)
      expect(statement.execute(-(2**63)).first["v"]).to eq(-(2**63))
      expect(statement.execute("a\0b").first["v"]).to eq("a\0b")
      expect(statement.execute("\xff".b).first["v"].b).to eq("\xff".b)
      expect(statement.execute(Float::INFINITY).first["v"]).to eq(Float::INFINITY)
    end

    it "raises Mysql2::Error when used after close, and close is idempotent" do
      statement.close
      expect(statement.close).to be_nil
      %i[execute fields param_count field_count last_id affected_rows].each do |method|
        expect { statement.public_send(method) }.to raise_error(Mysql2::Error, "Invalid statement handle")
      end
      expect_usable(client)
    end
  end

  describe "Result" do
    it "refuses wrong arguments to each, and raises after free" do
      result = client.query("SELECT 1 AS a")
      expect { result.each(1) { nil } }.to raise_error(TypeError)
      result.free
      expect(result.free).to be_nil
      expect { result.to_a }.to raise_error(Mysql2::Error, /already been freed/)
      expect(result.fields).to eq(["a"])
    end
  end

  describe "objects used after Client#close" do
    it "raise 'MySQL client is not connected' (ConnectionError) from commands; ping is false" do
      closed = new_client
      statement = closed.prepare("SELECT 1")
      stream = closed.query("SELECT seq FROM seq_1_to_1000", stream: true, cache_rows: false)
      closed.close
      not_connected = [Mysql2::Error::ConnectionError, "MySQL client is not connected"]
      { query: ["SELECT 1"], select_db: ["x"], escape: ["x"], prepare: ["SELECT 1"], session_track: [0],
        thread_id: [], socket: [], last_id: [], affected_rows: [], warning_count: [], server_info: [],
        query_info_string: [], ssl_cipher: [], next_result: [], store_result: [] }.each do |method, args|
        expect { closed.public_send(method, *args) }.to raise_error(*not_connected)
      end
      expect(closed.ping).to be(false)
      expect(closed.closed?).to be(true)
      expect(closed.close).to be_nil
      expect { statement.execute }.to raise_error(*not_connected)
      expect { stream.to_a }.to raise_error(*not_connected)
    end
  end
end
