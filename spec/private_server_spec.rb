# frozen_string_literal: true

require "spec_helper"
require "fileutils"
require "open3"
require "openssl"
require "tmpdir"

RSpec.describe "the private server", :external_server_unsupported do
  let(:script) { File.expand_path("../script/private-server", __dir__) }

  # Runs script/private-server +command+ on the private server under +base+; returns its MYSQL2_TEST_* exports.
  def private_server(env, command)
    out, status = Open3.capture2e(env, RbConfig.ruby, script, command)
    expect(status).to be_success, out
    out.scan(/^export MYSQL2_TEST_(\w+)=(.*)$/).to_h
  end

  # A certificate like the ones older versions made: a SAN with the DNS name only.
  def write_stale_server_cert(path)
    key = OpenSSL::PKey::RSA.new(2048)
    cert = OpenSSL::X509::Certificate.new
    cert.version = 2
    cert.serial = 1
    cert.subject = cert.issuer = OpenSSL::X509::Name.parse("/CN=mysql2-test.local")
    cert.public_key = key.public_key
    cert.not_before = Time.now
    cert.not_after = Time.now + 3600
    cert.add_extension(OpenSSL::X509::ExtensionFactory.new.create_extension("subjectAltName", "DNS:mysql2-test.local"))
    cert.sign(key, OpenSSL::Digest.new("SHA256"))
    File.write(path, cert.to_pem)
  end

  def verified_client(vars)
    Mysql2::Client.new(host: vars.fetch("TLS_VERIFIED_HOST"), port: Integer(vars.fetch("PORT")), username: "root",
                       ssl_mode: :verify_identity, sslca: vars.fetch("SSL_CA"))
  end

  # Yields the environment of a private server living in a new directory under tmp/, stopped and removed after.
  def with_server_dir(prefix)
    base = Dir.mktmpdir(prefix, File.expand_path("../tmp", __dir__))
    env = { "MYSQL2_TEST_BASE_DIR" => base, "MYSQL2_TEST_HOST" => nil, "MYSQL2_TEST_SOCKET" => nil }
    yield env, base
  ensure
    system(env, RbConfig.ruby, script, "stop", out: File::NULL, err: File::NULL) if env
    FileUtils.rm_rf(base) if base
  end

  it "starts from nothing in an empty directory, with TLS, and stops" do
    with_server_dir("mysql2-fresh-") do |env, base|
      vars = private_server(env, "env")
      client = Mysql2::Client.new(host: "127.0.0.1", port: Integer(vars.fetch("PORT")), username: "root")
      cipher = client.query("SHOW SESSION STATUS LIKE 'Ssl_cipher'").first
      expect(cipher).to include("Variable_name" => "Ssl_cipher")
      expect(client.query("SHOW DATABASES LIKE 'mysql2_test'").count).to eq(1)
      expect(client.query("SELECT @@local_infile AS l, @@performance_schema AS p").first).to eq("l" => 1, "p" => 1)
      client.close
      expect(File).to exist(File.join(base, "certs", "ca.pem"))
      expect(verified_client(vars).ssl_cipher).to be_a(String)
    end
  end

  it "replaces certificates made by an older version (no IP SAN) and restarts a server that uses them" do
    with_server_dir("mysql2-stale-") do |env, _base|
      first = private_server(env, "env")
      write_stale_server_cert(first.fetch("SSL_CERT"))
      second = private_server(env, "env")
      cert = OpenSSL::X509::Certificate.new(File.read(second.fetch("SSL_CERT")))
      san = cert.extensions.find { |ext| ext.oid == "subjectAltName" }.value
      expect(san).to eq("DNS:mysql2-test.local, IP Address:#{second.fetch("TLS_VERIFIED_HOST")}")
      expect(verified_client(second).ssl_cipher).to be_a(String)
    end
  end
end
