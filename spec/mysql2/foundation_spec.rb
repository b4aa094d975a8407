# frozen_string_literal: true

require "spec_helper"

RSpec.describe "the foundation" do
  it "loads this project's extension, not another mysql2" do
    expect(Mysql2::VERSION).to start_with("0.6.")
    path = $LOADED_FEATURES.grep(%r{mysql2/mysql2\.so\z}).first
    expect(path).to eq(File.join(File.expand_path(ENV.fetch("MYSQL2_EXT_DIR") {
      File.expand_path("../../lib", __dir__)
    }), "mysql2", "mysql2.so"))
    expect(Mysql2::Client.info).to include(:id, :version, :header_version)
  end

  it "satisfies the version constraints ActiveRecord and Sequel use" do
    expect(Gem::Requirement.new("~> 0.5").satisfied_by?(Gem::Version.new(Mysql2::VERSION))).to be(true)
    expect(Mysql2::VERSION >= "0.4").to be(true)
  end

  it "connects over TCP" do
    client = new_client
    expect(client.query("SELECT @@port AS p").first["p"]).to eq(Mysql2Test::CONFIG[:port])
    host_info = client.query("SELECT SUBSTRING_INDEX(host, ':', 1) AS h FROM information_schema.processlist " \
                             "WHERE id = CONNECTION_ID()").first["h"]
    expect(host_info).to eq("127.0.0.1")
  end

  it "connects over the unix socket" do
    client = new_client(socket: true)
    host = client.query("SELECT host FROM information_schema.processlist WHERE id = CONNECTION_ID()").first["host"]
    expect(host).to eq("localhost")
  end

  it "returns rows as hashes of strings, NULL as nil" do
    rows = new_client.query("SELECT 1 AS a, 'two' AS b, NULL AS c UNION ALL SELECT 3, 'four', NULL").to_a
    expect(rows).to eq([{ "a" => 1, "b" => "two", "c" => nil }, { "a" => 3, "b" => "four", "c" => nil }])
    expect(rows.first["b"].encoding).to eq(Encoding::UTF_8)
  end

  it "returns rows as arrays with as: :array" do
    expect(new_client.query("SELECT 1, 2", as: :array).to_a).to eq([[1, 2]])
  end

  it "builds rows wider than 64 columns, also with a GC at every allocation" do
    width = ENV["MYSQL2_MEMCHECK"] ? 70 : 300 # GC.stress under valgrind costs minutes per hundred columns
    sql = "SELECT #{(1..width).map { |i| "REPEAT('x', #{i}) AS c#{i}" }.join(", ")}"
    client = new_client
    GC.stress = true
    row = client.query(sql).first
    array = client.query(sql, as: :array).first
  ensure
    GC.stress = false
    expect(row.size).to eq(width)
    expect(row["c#{width}"]).to eq("x" * width)
    expect(array.map(&:size)).to eq((1..width).to_a)
  end

  it "round-trips a table: create, insert, read back" do
    client = new_client
    client.query("CREATE TEMPORARY TABLE t (id INT PRIMARY KEY, name VARCHAR(20))")
    client.query("INSERT INTO t VALUES (1, 'ann'), (2, 'bob')")
    expect(client.affected_rows).to eq(2)
    expect(client.query("SELECT name FROM t ORDER BY id").map { |r| r["name"] }).to eq(%w[ann bob])
  end

  it "raises ConnectionError with the server's error number for a wrong password" do
    expect do
      Mysql2::Client.new(client_options(password: "wrong"))
    end.to raise_error(Mysql2::Error::ConnectionError) { |e|
             expect(e.error_number).to eq(1045)
             expect(e.sql_state).to eq("28000")
             expect(e.message).to include("Access denied")
           }
  end

  it "raises Mysql2::Error with number and state for a bad query, and stays usable" do
    client = new_client
    expect { client.query("SELEC 1") }.to raise_error(Mysql2::Error) { |e| expect(e.error_number).to eq(1064) }
    expect(client.query("SELECT 1 AS one").first).to eq("one" => 1)
  end

  it "closes" do
    client = new_client
    client.close
    expect(client).to be_closed
    expect { client.query("SELECT 1") }.to raise_error(Mysql2::Error, "MySQL client is not connected")
  end

  it "logs in as the unprivileged account, which sees only the test database" do
    cfg = Mysql2Test::CONFIG
    client = new_client(username: cfg[:unprivileged_username], password: cfg[:unprivileged_password])
    expect(client.query("SELECT CURRENT_USER() AS u").first["u"]).to start_with(cfg[:unprivileged_username])
    expect { client.select_db("mysql") }.to raise_error(Mysql2::Error) { |e| expect(e.error_number).to eq(1044) }
  end
end
