# frozen_string_literal: true

require "spec_helper"
require "fileutils"
require "open3"
require "tmpdir"

RSpec.describe "the private server", :external_server_unsupported do
  it "starts from nothing in an empty directory, with TLS, and stops" do
    base = Dir.mktmpdir("mysql2-fresh-", File.expand_path("../tmp", __dir__))
    env = { "MYSQL2_TEST_BASE_DIR" => base, "MYSQL2_TEST_HOST" => nil, "MYSQL2_TEST_SOCKET" => nil }
    script = File.expand_path("../script/private-server", __dir__)
    begin
      out, status = Open3.capture2e(env, RbConfig.ruby, script, "env")
      expect(status).to be_success, out
      vars = out.scan(/^export MYSQL2_TEST_(\w+)=(.*)$/).to_h
      client = Mysql2::Client.new(host: "127.0.0.1", port: Integer(vars.fetch("PORT")), username: "root")
      cipher = client.query("SHOW SESSION STATUS LIKE 'Ssl_cipher'").first
      expect(cipher).to include("Variable_name" => "Ssl_cipher")
      expect(client.query("SHOW DATABASES LIKE 'mysql2_test'").count).to eq(1)
      expect(client.query("SELECT @@local_infile AS l, @@performance_schema AS p").first).to eq("l" => 1, "p" => 1)
      client.close
      expect(File).to exist(File.join(base, "certs", "ca.pem"))
    ensure
      system(env, RbConfig.ruby, script, "stop", out: File::NULL, err: File::NULL)
      FileUtils.rm_rf(base)
    end
  end
end
