# frozen_string_literal: true

require "spec_helper"
require "fileutils"
require "tempfile"

# Client.new options (API reference §1a): order, coercions, aliases, flags, warnings, the private connect hook.
RSpec.describe Mysql2::Client do
  it "requires a Hash of options and accepts String keys" do
    expect { described_class.new("host=x") }.to raise_error(Mysql2::Error, "Options parameter must be a Hash")
    client = described_class.new(client_options.transform_keys(&:to_s))
    expect(client.query("SELECT 1 AS one").first).to eq("one" => 1)
    client.close
  end

  it "keeps every option in query_options but never the password" do
    client = new_client(password: "", as: :array)
    expect(client.query_options).to include(as: :array, host: Mysql2Test::CONFIG[:host])
    expect(client.query_options).not_to have_key(:password)
    expect(client.inspect).not_to include("password")
    expect(client.query("SELECT 1").first).to eq([1])
  end

  it "coerces timeouts with Integer() and refuses what is not a number" do
    expect(new_client(read_timeout: "7").read_timeout).to eq("7")
    expect { new_client(write_timeout: "x") }.to raise_error(ArgumentError)
  end

  it "warns about deprecated aliases and still honours them" do
    cfg = Mysql2Test::CONFIG
    client = nil
    expect do
      client = described_class.new(hostname: cfg[:host], port: cfg[:port], user: cfg[:username], db: cfg[:database])
    end.to output(/WARNING FROM mysql2.*:user, :hostname, :db/m).to_stderr
    expect(client.query("SELECT DATABASE() AS d").first).to eq("d" => cfg[:database])
    client.close
  end

  describe "flags" do
    # A subclass that records the flags handed to the private connect hook (index 6 of its 9 arguments).
    let(:recorder) do
      Class.new(described_class) do
        attr_reader :connect_args

        def connect(*args)
          @connect_args = args
          super
        end
      end
    end

    def flags_for(flags)
      recorder.new(client_options(flags: flags)).tap { |c| track(c) }.connect_args[6]
    end

    it "passes 9 positional arguments to the private connect hook" do
      args = recorder.new(client_options).tap { |c| track(c) }.connect_args
      expect(args.size).to eq(9)
      expect(args[7]).to include("program_name" => $PROGRAM_NAME)
    end

    it "ORs an Integer into the defaults" do
      expect(flags_for(described_class::FOUND_ROWS))
        .to eq(described_class::DEFAULT_FLAGS | described_class::FOUND_ROWS)
    end

    it "adds and removes names from an Array or a String" do
      expected = (described_class::DEFAULT_FLAGS | described_class::FOUND_ROWS) & ~described_class::CONNECT_ATTRS
      expect(flags_for(%w[FOUND_ROWS -CONNECT_ATTRS])).to eq(expected)
      expect(flags_for("FOUND_ROWS -CONNECT_ATTRS")).to eq(expected)
    end

    it "warns about unknown flag names" do
      expect { flags_for(%w[NO_SUCH_FLAG]) }.to output(/Unknown MySQL connection flag: 'NO_SUCH_FLAG'/).to_stderr
    end

    it "reports FOUND_ROWS semantics from the server when asked" do
      client = new_client(flags: described_class::FOUND_ROWS)
      client.query("CREATE TEMPORARY TABLE f (id INT PRIMARY KEY, v INT)")
      client.query("INSERT INTO f VALUES (1, 1)")
      client.query("UPDATE f SET v = 1 WHERE id = 1")
      expect(client.affected_rows).to eq(1)
    end
  end

  it "sends connect attributes, program_name included" do
    client = new_client(connect_attrs: { app: "tour", shard: 3 })
    attrs = client.query("SELECT ATTR_NAME, ATTR_VALUE FROM performance_schema.session_connect_attrs " \
                         "WHERE PROCESSLIST_ID = CONNECTION_ID()").to_h { |r| [r["ATTR_NAME"], r["ATTR_VALUE"]] }
    expect(attrs).to include("app" => "tour", "shard" => "3", "program_name" => $PROGRAM_NAME)
  end

  it "runs init_command after connecting and after a reconnect" do
    client = new_client(init_command: "SET @greeting = 'hello'", reconnect: true)
    expect(client.query("SELECT @greeting AS g").first).to eq("g" => "hello")
    observer.query("KILL #{client.thread_id}")
    expect { client.query("SELECT 1") }.to raise_error(Mysql2::Error::ConnectionError)
    expect(client.query("SELECT @greeting AS g").first).to eq("g" => "hello")
  end

  it "refuses reconnect= while connected, as mysql2 does, and accepts it once the session was lost" do
    client = new_client
    expect { client.reconnect = true }.to raise_error(Mysql2::Error, "MySQL connection is already open")
    observer.query("KILL #{client.thread_id}")
    expect { client.query("SELECT 1") }.to raise_error(Mysql2::Error::ConnectionError)
    expect { client.query("SELECT 1") }.to raise_error(Mysql2::Error, "MySQL client is not connected")
    client.reconnect = true
    expect(client.query("SELECT 1 AS one").first).to eq("one" => 1)
    expect { client.reconnect = false }.to raise_error(Mysql2::Error, "MySQL connection is already open")
  end

  it "reads options from a default_file and default_group" do
    path = File.expand_path("../../tmp/test-my.cnf", __dir__)
    File.write(path, "[mysql2_spec]\ninit-command=SET @from_file = 'yes'\n")
    client = new_client(default_file: path, default_group: "mysql2_spec")
    expect(client.query("SELECT @from_file AS f").first).to eq("f" => "yes")
  ensure
    File.delete(path) if path && File.exist?(path)
  end

  it "maps encodings to Ruby and refuses unsupported ones with mysql2's message" do
    { "latin1" => Encoding::ISO_8859_1, "utf8" => Encoding::UTF_8, "sjis" => Encoding::Shift_JIS,
      "binary" => Encoding::ASCII_8BIT, "utf8mb4" => Encoding::UTF_8 }.each do |name, encoding|
      client = new_client(encoding: name)
      expect(client.encoding).to eq(encoding)
      expect(client.query("SELECT @@character_set_client AS c").first["c"]).to start_with(name)
    end
    expect { new_client(encoding: "fake") }.to raise_error(Mysql2::Error, "Unsupported charset: '\"fake\"'")
    expect { new_client(encoding: "dec8") }.to raise_error(Mysql2::Error, "Unsupported charset: '\"dec8\"'")
  end

  it "refuses what MariaDB Connector/C cannot do, with mysql2's errors" do
    expect { new_client(get_server_public_key: true) }
      .to raise_error(Mysql2::Error, /get-server-public-key is not available/)
    expect { new_client(tls_sni_name: "x") }.to raise_error(Mysql2::Error, /tls_sni_name is not available/)
  end

  describe "LOAD DATA LOCAL INFILE" do
    def client_with_table(**opts)
      new_client(**opts).tap { |client| client.query("CREATE TEMPORARY TABLE li (n INT, s VARCHAR(10))") }
    end

    def load(client, path)
      client.query("LOAD DATA LOCAL INFILE '#{client.escape(path)}' INTO TABLE li")
    end

    let(:file) do
      Tempfile.create(["infile", ".tsv"]).tap do |f|
        f.write("1\tone\n2\ttwo\n3\tthree\n")
        f.close
      end
    end

    after { FileUtils.rm_f(file.path) }

    it "is off by default: the server refuses the command, and the connection stays usable" do
      [client_with_table, client_with_table(local_infile: false)].each do |client|
        expect { load(client, file.path) }.to raise_error(Mysql2::Error, /command is not allowed/)
        expect(client.query("SELECT COUNT(*) AS n FROM li").first).to eq("n" => 0)
      end
    end

    it "loads the rows of a local file with local_infile: true" do
      client = client_with_table(local_infile: true)
      expect(load(client, file.path)).to be_nil
      expect(client.affected_rows).to eq(3)
      expect(client.query("SELECT n, s FROM li ORDER BY n", as: :array).to_a)
        .to eq([[1, "one"], [2, "two"], [3, "three"]])
    end

    it "names the path when the file cannot be read (mysql2's \"<strerror>: <path>\"), connection kept" do
      client = client_with_table(local_infile: true)
      expect { load(client, "this/file/is/not/here") }.to raise_error(
        Mysql2::Error, "No such file or directory: this/file/is/not/here"
      ) { |e| expect(e.error_number).to eq(2000) }
      dir = File.dirname(file.path)
      expect { load(client, dir) }.to raise_error(Mysql2::Error, "Is a directory: #{dir}")
      expect(load(client, file.path)).to be_nil
      expect(client.query("SELECT COUNT(*) AS n FROM li").first).to eq("n" => 3)
    end
  end
end
