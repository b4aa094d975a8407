# frozen_string_literal: true

require "spec_helper"

# Secrets stay secret. LOCAL INFILE being off unless asked for is specced in client_options_spec.rb ("LOAD DATA
# LOCAL INFILE"); TLS refusing a wrong CA or host name in client_tls_spec.rb.
RSpec.describe "security" do
  let(:secret) { "s3cr3t-#{rand(1 << 30)}-pw" }
  let(:cfg) { Mysql2Test::CONFIG }

  # Every String reachable from the client's instance variables (query_options and friends), one level of Hash /
  # Array deep.
  def strings_held_by(object)
    object.instance_variables.flat_map do |name|
      value = object.instance_variable_get(name)
      values = value.is_a?(Hash) ? value.keys + value.values : Array(value)
      values.grep(String)
    end
  end

  def expect_no_secret(text)
    expect(text).not_to include(secret)
  end

  it "does not ask the server for LOCAL INFILE (CLIENT_LOCAL_FILES) unless local_infile: true" do
    expect(new_client.query_options[:connect_flags] & Mysql2::Client::LOCAL_FILES).to eq(0)
    expect(new_client.query("SELECT 1 AS one").first).to eq("one" => 1)
  end

  it "keeps the password out of inspect, query_options and the client's state" do
    observer.query("CREATE USER IF NOT EXISTS 'm2_secret'@'%' IDENTIFIED BY '#{secret}'")
    observer.query("ALTER USER 'm2_secret'@'%' IDENTIFIED BY '#{secret}'")
    client = new_client(username: "m2_secret", password: secret, database: nil)
    expect(client.query("SELECT CURRENT_USER() AS u").first["u"]).to eq("m2_secret@%")
    expect_no_secret(client.inspect)
    expect(client.query_options).not_to include(:password, :pass)
    expect_no_secret(client.query_options.inspect)
    expect(strings_held_by(client)).not_to include(secret)
    client.close
    expect_no_secret(client.inspect)
  ensure
    observer.query("DROP USER IF EXISTS 'm2_secret'@'%'")
  end

  it "keeps the password out of the error for a wrong password" do
    error = nil
    expect { Mysql2::Client.new(**client_options(password: secret)) }
      .to raise_error(Mysql2::Error::ConnectionError, /Access denied/) { |e| error = e }
    expect_no_secret(error.message)
    expect_no_secret(error.full_message)
    expect_no_secret(error.inspect)
  end

  it "keeps the password out of the error for a host that does not answer or does not exist" do
    closed_port = TCPServer.new("127.0.0.1", 0).then { |s| s.addr[1].tap { s.close } }
    [{ host: "127.0.0.1", port: closed_port }, { host: "no-such-host.invalid", port: 3306 }].each do |where|
      error = nil
      expect { Mysql2::Client.new(username: "root", password: secret, connect_timeout: 5, **where) }
        .to raise_error(Mysql2::Error::ConnectionError) { |e| error = e }
      expect_no_secret(error.full_message)
      expect(error.message).to match(/Can't connect|Unknown server host/)
    end
  end

  it "keeps the password out of the error when the option is of the wrong kind" do
    expect { Mysql2::Client.new(**client_options(password: "#{secret}\0")) }
      .to raise_error(ArgumentError) { |e| expect_no_secret(e.full_message) }
  end
end
