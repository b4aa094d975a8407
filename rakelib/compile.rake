# frozen_string_literal: true

require "rake/extensiontask"

Rake::ExtensionTask.new("mysql2", Gem::Specification.load(File.expand_path("../mysql2.gemspec", __dir__))) do |ext|
  ext.lib_dir = "lib/mysql2"
  ext.config_options << "--with-sanitize" if ENV["MYSQL2_SANITIZE"] == "1"
end
