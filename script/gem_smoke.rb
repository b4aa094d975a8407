# frozen_string_literal: true

# Run by `rake gem:check` with GEM_HOME pointing at a fresh install of the gem: activates it as ActiveRecord's
# adapter does, checks that it was loaded from there (not from this checkout), and runs a query on the private
# server. Exits non-zero on any failure.
gem "mysql2", "~> 0.5"
require "mysql2"

spec = Gem.loaded_specs.fetch("mysql2")
loaded = $LOADED_FEATURES.grep(%r{/mysql2/mysql2\.so\z}).first.to_s
abort "gem-smoke: mysql2 was loaded from #{loaded}, not from #{spec.full_gem_path}" unless
  loaded.start_with?(ENV.fetch("GEM_HOME"))

socket = File.expand_path("../tmp/mariadb/mysqld.sock", __dir__)
client = Mysql2::Client.new(socket: ENV.fetch("MYSQL2_TEST_SOCKET", socket),
                            username: ENV.fetch("MYSQL2_TEST_USER", "root"))
row = client.query("SELECT 41 + 1 AS answer, VERSION() AS version").first
abort "gem-smoke: unexpected row #{row.inspect}" unless row["answer"] == 42
puts "gem-smoke: mysql2 #{spec.version} from #{spec.full_gem_path}, server #{row["version"]}: ok"
