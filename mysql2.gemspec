# frozen_string_literal: true

require_relative "lib/mysql2/version"

Gem::Specification.new do |s|
  s.name = "mysql2"
  s.version = Mysql2::VERSION
  s.summary = "A MySQL/MariaDB driver for Ruby: drop-in for mysql2, non-blocking, fork- and interrupt-safe"
  s.description = "A from-scratch replacement for the mysql2 gem over MariaDB Connector/C's non-blocking API: " \
                  "close cancels a busy connection from any thread, fork and Timeout are safe, and queries " \
                  "overlap under a Fiber scheduler."
  s.authors = ["The mysql2 replacement authors"]
  s.license = "MIT"
  s.homepage = "https://example.invalid/mysql2"
  s.required_ruby_version = ">= 3.1"
  s.files = Dir["lib/**/*.rb", "ext/mysql2/*.{c,h,rb}", "sig/*.rbs", "README.md", "LICENSE", "CHANGELOG.md"]
  s.extensions = ["ext/mysql2/extconf.rb"]
  s.require_paths = ["lib"]
  s.add_dependency "bigdecimal"
  s.metadata["rubygems_mfa_required"] = "true"
end
