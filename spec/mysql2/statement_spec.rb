# frozen_string_literal: true

require "spec_helper"

# Mysql2::Statement (issue 6): binds by class, casting over the binary protocol, cursors, lifecycle.
RSpec.describe Mysql2::Statement do
  let(:client) { new_client }

  def select_one(value)
    client.prepare("SELECT ? AS v").execute(value).first["v"]
  end

  describe "binds" do
    it "round-trips every bindable class through SELECT ?" do
      expect(select_one(42)).to eq(42)
      expect(select_one(-2**63)).to eq(-2**63)
      expect(select_one((2**63) - 1)).to eq((2**63) - 1)
      expect(select_one(1.5)).to eq(1.5)
      expect(select_one(nil)).to be_nil
      expect(select_one(true)).to eq(1)
      expect(select_one(false)).to eq(0)
      expect(select_one("héllo 😀")).to eq("héllo 😀")
      expect(select_one(Date.new(2021, 2, 28))).to eq(Date.new(2021, 2, 28))
      decimal = BigDecimal("-12345678901234567890.123456789")
      expect(select_one(decimal)).to eq(decimal)
    end

    it "binds Integers beyond 64 bits as their exact digits, never truncated" do
      [2**63, 2**64, -2**63 - 1, 10**30].each do |big|
        value = select_one(big)
        expect(value).to eq(big)
        expect(value).to be_a(BigDecimal)
      end
    end

    it "binds a Time by its own wall-clock fields with microseconds, and DateTime exactly" do
      local = Time.new(2020, 1, 2, 3, 4, 5.123456r, "+09:00")
      as_text = client.prepare("SELECT CAST(? AS CHAR) AS v")
      expect(as_text.execute(local).first["v"]).to eq("2020-01-02 03:04:05.123456")
      dt = DateTime.new(2019, 12, 31, 23, 59, 59.999999r)
      expect(as_text.execute(dt).first["v"]).to eq("2019-12-31 23:59:59.999999")
    end

    it "sends Strings in the connection encoding" do
      latin = new_client(encoding: "latin1")
      value = latin.prepare("SELECT HEX(?) AS v").execute("é".encode("UTF-8")).first["v"]
      expect(value).to eq("E9")
    end

    it "refuses other classes with a TypeError naming the parameter, and stays usable" do
      statement = client.prepare("SELECT ? AS a, ? AS b")
      expect { statement.execute(1, :sym) }
        .to raise_error(TypeError, "can't bind parameter 2: no conversion for Symbol (:sym)")
      expect { statement.execute({ k: 1 }, 2) }
        .to raise_error(TypeError, /\Acan't bind parameter 1: no conversion for Hash/)
      expect { statement.execute("x" * 100, ["y" * 100]) }
        .to raise_error(TypeError, "can't bind parameter 2: no conversion for Array ([\"#{"y" * 38}...)")
      expect(statement.execute(1, 2).to_a).to eq([{ "a" => 1, "b" => 2 }])
    end

    it "leaves out the inspect text when inspect raises or holds a NUL byte" do
      raising = Object.new
      def raising.inspect = raise("no")
      nul = Object.new
      def nul.inspect = "a\0b"
      statement = client.prepare("SELECT ? AS a")
      expect do
        statement.execute(raising)
      end.to raise_error(TypeError, "can't bind parameter 1: no conversion for Object")
      expect { statement.execute(nul) }.to raise_error(TypeError, "can't bind parameter 1: no conversion for Object")
    end

    it "takes keywords as options and a trailing positional Hash as a bind, as execute(*binds, **options) does" do
      statement = client.prepare("SELECT ? AS a")
      expect(statement.execute(1, as: :array).to_a).to eq([[1]])
      options = { as: :array }
      expect(statement.execute(1, **options).to_a).to eq([[1]])
      none = {}
      expect(statement.execute(1, **none).to_a).to eq([{ "a" => 1 }])
      expect { statement.execute(1, { as: :array }) }
        .to raise_error(Mysql2::Error, "Bind parameter count (1) doesn't match number of arguments (2)")
      expect { statement.execute({ as: :array }) }
        .to raise_error(TypeError, /\Acan't bind parameter 1: no conversion for Hash/)
      expect { statement.execute(BasicObject.new) }
        .to raise_error(TypeError, /\Acan't bind parameter 1: no conversion for BasicObject/)
      expect(client.prepare("SELECT 1 AS one").execute(symbolize_keys: true).to_a).to eq([{ one: 1 }])
    end

    it "raises the documented error when the number of binds is wrong" do
      statement = client.prepare("SELECT ? AS a, ? AS b")
      expect { statement.execute(1) }
        .to raise_error(Mysql2::Error, "Bind parameter count (2) doesn't match number of arguments (1)")
    end
  end

  describe "results" do
    before do
      client.query("DROP TABLE IF EXISTS stmt_types")
      client.query(<<~SQL)
        CREATE TABLE stmt_types (id INT PRIMARY KEY, ti TINYINT, bool TINYINT(1), si SMALLINT UNSIGNED,
          mi MEDIUMINT, i INT, bi BIGINT, ubi BIGINT UNSIGNED, f FLOAT(10,3), fl FLOAT, d DOUBLE,
          dec0 DECIMAL(30,0), dec2 DECIMAL(10,2), dt DATE, dtm DATETIME(6), ts TIMESTAMP NULL, tm TIME,
          y YEAR, c CHAR(3), vc VARCHAR(20), bin VARBINARY(8), bl BLOB, tx TEXT, e ENUM('a','b'),
          st SET('x','y'), b1 BIT(1), b8 BIT(8), j JSON)
      SQL
      client.query(<<~SQL)
        INSERT INTO stmt_types VALUES (1, -128, 1, 65535, -8388608, 2147483647, -9223372036854775808,
          18446744073709551615, 10.3, 1.1, 2.5e300, 123456789012345678901234567890, -0.05, '2024-02-29',
          '2024-02-29 23:59:59.999999', '2038-01-19 03:14:07', '-838:59:59', 2155, 'abc', 'héllo 😀',
          X'00FF00', X'DEADBEEF', 'text', 'b', 'x,y', b'1', b'10101010', '{"a": 1}'),
          (2, NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, '0000-00-00',
          '0000-00-00 00:00:00', NULL, '00:00:00', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, b'0', NULL, NULL)
      SQL
    end

    it "casts every column as Client#query does, except DECIMAL with scale 0 (BigDecimal)" do
      text = client.query("SELECT * FROM stmt_types ORDER BY id").to_a
      binary = client.prepare("SELECT * FROM stmt_types ORDER BY id").execute.to_a
      expect(binary.map { |row| row.except("dec0") }).to eq(text.map { |row| row.except("dec0") })
      expect(binary[0]["dec0"]).to eq(BigDecimal("123456789012345678901234567890"))
      expect(binary[0]["dec0"]).to be_a(BigDecimal)
      expect(binary[0]["f"]).to eq(10.3)
      expect(binary[0]["ubi"]).to eq(18_446_744_073_709_551_615)
      expect(binary[0]["bin"].encoding).to eq(Encoding::BINARY)
      expect(binary[0]["vc"]).to eq("héllo 😀")
      expect(binary[1]["dt"]).to be_nil
    end

    it "gives byte-identical Strings to the text protocol under cast: false, and :fast like Client#query" do
      text = client.query("SELECT * FROM stmt_types ORDER BY id", cast: false).to_a
      binary = client.prepare("SELECT * FROM stmt_types ORDER BY id").execute(cast: false).to_a
      expect(binary).to eq(text)
      fast_text = client.query("SELECT * FROM stmt_types ORDER BY id", cast: :fast).to_a
      fast_binary = client.prepare("SELECT * FROM stmt_types ORDER BY id").execute(cast: :fast).to_a
      expect(fast_binary).to eq(fast_text)
    end

    it "honours as:, symbolize_keys, cast_booleans and the timezones" do
      statement = client.prepare("SELECT bool, b1, dtm FROM stmt_types WHERE id = ?")
      row = statement.execute(1, as: :array, cast_booleans: true).first
      expect(row[0..1]).to eq([true, true])
      row = statement.execute(1, symbolize_keys: true, database_timezone: :utc, application_timezone: :utc).first
      expect(row.keys).to eq(%i[bool b1 dtm])
      expect(row[:dtm]).to eq(Time.utc(2024, 2, 29, 23, 59, 59, 999_999))
      expect(row[:dtm]).to be_utc
    end

    it "reads the client's query_options as they are at execute time (Sequel changes them just before)" do
      statement = client.prepare("SELECT bool FROM stmt_types WHERE id = 1")
      client.query_options.merge!(cast_booleans: true)
      expect(statement.execute.first).to eq("bool" => true)
      client.query_options.merge!(cast_booleans: false)
      expect(statement.execute.first).to eq("bool" => 1)
    end

    it "returns nil for statements without rows, with affected_rows and last_id" do
      client.query("CREATE TEMPORARY TABLE stmt_ids (id INT AUTO_INCREMENT PRIMARY KEY, v INT)")
      insert = client.prepare("INSERT INTO stmt_ids (v) VALUES (?), (?)")
      expect(insert.last_id).to eq(0)
      expect(insert.execute(1, 2)).to be_nil
      expect(insert.affected_rows).to eq(2)
      expect(insert.last_id).to eq(1)
      expect(client.affected_rows).to eq(2)
    end

    it "fetches values larger than the first buffer whole" do
      big = Random.bytes(300_000)
      client.query("CREATE TEMPORARY TABLE stmt_big (b LONGBLOB)")
      client.prepare("INSERT INTO stmt_big VALUES (?)").execute(big)
      client.prepare("INSERT INTO stmt_big VALUES (?)").execute("small")
      statement = client.prepare("SELECT b FROM stmt_big")
      expect(statement.execute.map { |r| r["b"] }).to eq([big.b, "small".b])
      expect(statement.execute(stream: true, cache_rows: false).map { |r| r["b"] }).to eq([big.b, "small".b])
    end

    it "describes itself: param_count, field_count, fields" do
      statement = client.prepare("SELECT id, c AS renamed FROM stmt_types WHERE id > ? AND id < ?")
      expect(statement.param_count).to eq(2)
      expect(statement.field_count).to eq(2)
      expect(statement.fields).to eq(%w[id renamed])
      expect(client.prepare("DO ?").fields).to be_nil
    end

    it "replays cached rows and warns that cache_rows is forced" do
      result = client.prepare("SELECT id FROM stmt_types ORDER BY id").execute(cache_rows: false)
      expect { expect(result.to_a).to eq([{ "id" => 1 }, { "id" => 2 }]) }
        .to output(/:cache_rows is forced for prepared statements \(if not streaming\)/).to_stderr
      expect(result.count).to eq(2)
    end
  end

  describe "streaming through a server-side cursor" do
    before do
      client.query("CREATE TEMPORARY TABLE stmt_seq (n INT PRIMARY KEY)")
      client.query("INSERT INTO stmt_seq VALUES #{(1..100).map { |n| "(#{n})" }.join(",")}")
    end

    it "streams every row once, and resumes after break" do
      [true, { size: 7 }].each do |stream|
        result = client.prepare("SELECT n FROM stmt_seq ORDER BY n").execute(stream: stream, cache_rows: false)
        seen = []
        result.each do |row|
          seen << row["n"]
          break if seen.size == 10
        end
        result.each { |row| seen << row["n"] } # rubocop:disable Style/CombinableLoops -- resumes the stream
        expect(seen).to eq((1..100).to_a)
        expect(result.count).to eq(100)
        expect { result.each { nil } }.to raise_error(Mysql2::Error, /already fetched all the rows/)
      end
    end

    it "lets other commands run while a cursor is open" do
      result = client.prepare("SELECT n FROM stmt_seq ORDER BY n").execute(stream: true, cache_rows: false)
      expect(result.first).to eq("n" => 1)
      expect(client.query("SELECT 2 AS two").first).to eq("two" => 2)
      expect(result.first).to eq("n" => 2)
    end

    it "validates stream: {size: N}" do
      statement = client.prepare("SELECT n FROM stmt_seq")
      expect { statement.execute(stream: { size: 0 }) }
        .to raise_error(ArgumentError, "stream: {size: } must be positive (got 0)")
      expect do
        statement.execute(stream: { size: "2" })
      end.to raise_error(TypeError, "stream: {size: } must be an Integer")
      expect { statement.execute(stream: { rows: 2 }) }
        .to raise_error(ArgumentError, "stream: hash accepts only {size: Integer}")
    end

    it "raises when the statement was closed or executed again under a stream" do
      statement = client.prepare("SELECT n FROM stmt_seq ORDER BY n")
      first = statement.execute(stream: true, cache_rows: false)
      expect(first.first).to eq("n" => 1)
      second = statement.execute(stream: true, cache_rows: false)
      expect { first.each { nil } }.to raise_error(Mysql2::Error, /already fetched all the rows/)
      statement.close
      expect { second.each { nil } }.to raise_error(Mysql2::Error, "Statement handle already closed")
    end
  end

  describe "lifecycle" do
    it "raises the server's error for a bad prepare, and the client stays usable" do
      expect { client.prepare("SELECT * FROM no_such_table_here") }.to raise_error(Mysql2::Error) { |e|
        expect(e.error_number).to eq(1146)
        expect(e.sql_state).to eq("42S02")
      }
      expect { client.prepare(42) }.to raise_error(TypeError)
      expect(client.query("SELECT 1 AS one").first).to eq("one" => 1)
    end

    it "closes idempotently, and refuses use after close" do
      statement = client.prepare("SELECT ? AS a")
      expect(client.prepared_statements).to include(statement)
      expect(statement.close).to be_nil
      expect(statement.close).to be_nil
      expect(statement).to be_closed
      expect(client.prepared_statements).not_to include(statement)
      expect { statement.execute(1) }.to raise_error(Mysql2::Error, "Invalid statement handle")
      expect { statement.param_count }.to raise_error(Mysql2::Error, "Invalid statement handle")
    end

    it "keeps its registry out of the ivar that Sequel's prepared_statements accessor uses" do
      class << client
        attr_accessor :prepared_statements
      end
      client.prepared_statements = {}
      statement = client.prepare("SELECT ? AS a")
      expect(client.prepared_statements).to eq({})
      expect(statement.execute(1).first).to eq("a" => 1)
    end

    it "leaves every statement closed when the client closes" do
      statements = Array.new(3) { client.prepare("SELECT ? AS a") }
      client.close
      expect(statements).to all(be_closed)
      expect { statements.first.execute(1) }
        .to raise_error(Mysql2::Error::ConnectionError, "MySQL client is not connected")
      expect { statements.last.close }.not_to raise_error
    end

    it "closes a statement from another thread while it executes: deferred, never a crash", :gc_stress do
      iterations(50).times do
        statement = client.prepare("SELECT SLEEP(?) AS s, ? AS v")
        worker = Thread.new do
          statement.execute(rand * 0.005, 7).first
        rescue Mysql2::Error => e
          e.message # closed before the execute began, or before its rows were read
        end
        sleep(rand * 0.005)
        expect(statement.close).to be_nil
        expect(worker.join(10)).not_to be_nil
        expect(worker.value).to eq("s" => 0, "v" => 7).or eq("Invalid statement handle")
          .or eq("Statement handle already closed")
        expect(statement).to be_closed
        expect(client.query("SELECT 1 AS one").first).to eq("one" => 1)
      end
    end

    it "closes statements dropped by GC at the next command, never from the finalizer" do
      count = -> { client.query("SHOW SESSION STATUS LIKE 'Com_stmt_close'").first["Value"].to_i }
      before = count.call
      50.times { client.prepare("SELECT 1") }
      GC.start
      client.query("SELECT 1")
      expect(eventually { count.call >= before + 40 }).to be(true)
    end

    it "re-executes 10,000 times without growing memory", :rss do
      statement = client.prepare("SELECT ? AS a, ? AS b, CONCAT(?, 'x') AS c")
      expect(growth(10_000) { |i| statement.execute(i, i.to_f, "s#{i}").first }).to be < 16
    end

    it "closes and re-prepares 10,000 statements without growing memory", :rss do
      expect(growth(10_000) { client.prepare("SELECT ? AS a").tap { |s| s.execute(1) }.close }).to be < 16
    end
  end
end
