# frozen_string_literal: true

require "spec_helper"

RSpec.describe Mysql2::Client do
  let(:client) { new_client }

  it "escapes with the connection's rules, returning the same object when nothing changes" do
    plain = +"plain"
    expect(client.escape(plain)).to equal(plain)
    expect(client.escape("it's \"q\" \\ \n\0")).to eq("it\\'s \\\"q\\\" \\\\ \\n\\0")
    binary = "a'\xFF".b
    expect(client.escape(binary).encoding).to eq(Encoding::BINARY)
  end

  it "escapes without a connection with Client.escape" do
    plain = +"abc"
    expect(described_class.escape(plain)).to equal(plain)
    expect(described_class.escape("'\"\\\n\r\0\x1A")).to eq("\\'\\\"\\\\\\n\\r\\0\\Z")
    expect { described_class.escape(1) }.to raise_error(TypeError)
  end

  it "parses query_info" do
    client.query("CREATE TEMPORARY TABLE qi (n INT)")
    client.query("INSERT INTO qi VALUES (1), (2)")
    expect(client.query_info).to eq(records: 2, duplicates: 0, warnings: 0)
    client.query("SELECT 1")
    expect(client.query_info).to eq({})
  end

  it "tracks the current database through connect, select_db and USE (with session tracking)" do
    expect(client.database).to eq("mysql2_test")
    client.select_db("mysql2_test_other")
    expect(client.database).to eq("mysql2_test_other")
    client.query("USE mysql2_test")
    expect(client.database).to eq("mysql2_test")
  end

  it "reports session state changes with session_track" do
    client.query("SET SESSION session_track_system_variables = 'time_zone'")
    client.query("SET time_zone = '+01:00'")
    expect(client.session_track(described_class::SESSION_TRACK_SYSTEM_VARIABLES)).to eq(%w[time_zone +01:00])
    client.query("DO 1") # an OK packet without changes
    expect(client.session_track(described_class::SESSION_TRACK_SYSTEM_VARIABLES)).to be_nil
  end

  it "reports last_id, affected_rows (also after a SELECT), warning_count and thread_id" do
    client.query("CREATE TEMPORARY TABLE ids (id BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY)")
    client.query("INSERT INTO ids VALUES (18446744073709551614)")
    expect(client.last_id).to eq(18_446_744_073_709_551_614)
    client.query("SELECT SLEEP(0.01)")
    expect(client.affected_rows).to eq(1)
    client.query("SELECT CAST('x' AS INT)")
    expect(client.warning_count).to eq(1)
    expect(client.thread_id).to eq(client.query("SELECT CONNECTION_ID() AS id").first["id"].to_i)
  end

  it "describes the client library and the server" do
    expect(described_class.info).to include(version: a_string_matching(/\A3\.\d+\.\d+/))
    expect(client.info).to eq(described_class.info)
    expect(client.server_info).to include(id: be > 100_000, version: a_string_including("MariaDB"))
  end

  it "switches multi-statements on and off with set_server_option" do
    expect { client.query("SELECT 1; SELECT 2") }.to raise_error(Mysql2::Error)
    expect(client.set_server_option(described_class::OPTION_MULTI_STATEMENTS_ON)).to be(true)
    client.query("SELECT 1; SELECT 2")
    client.abandon_results!
    expect(client.set_server_option(described_class::OPTION_MULTI_STATEMENTS_OFF)).to be(true)
  end

  it "defines the documented constants" do
    %w[FOUND_ROWS LONG_FLAG CONNECT_WITH_DB COMPRESS LOCAL_FILES PROTOCOL_41 MULTI_STATEMENTS PS_MULTI_RESULTS
       SSL_VERIFY_SERVER_CERT REMEMBER_OPTIONS CONNECT_ATTRS SSL_MODE_DISABLED SSL_MODE_VERIFY_IDENTITY
       SESSION_TRACK_SCHEMA].each { |name| expect(described_class.const_get(name)).to be_an(Integer) }
    expect(described_class::SESSION_TRACK).to be(true)
  end
end
