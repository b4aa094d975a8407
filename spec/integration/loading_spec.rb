# frozen_string_literal: true

require_relative "integration_helper"
require "open3"
require "rbconfig"

RSpec.describe "Loading this gem under ActiveRecord and Sequel" do
  let(:root) { Mysql2Test::Integration::ROOT }

  it "runs this project's build: Ruby code from lib/ and the extension lib/mysql2/mysql2.so" do
    file, = Mysql2::Client.instance_method(:query).source_location
    expect(file).to eq(File.join(root, "lib", "mysql2", "client.rb"))
    so = $LOADED_FEATURES.grep(%r{/mysql2/mysql2\.so\z})
    expect(so).to eq([File.join(root, "lib", "mysql2", "mysql2.so")])
    expect(Mysql2::VERSION).to eq("0.6.0")
  end

  it "satisfies ActiveRecord's `gem \"mysql2\", \"~> 0.5\"` and Sequel's String comparison" do
    spec = Gem::Specification.load(File.join(root, "mysql2.gemspec"))
    expect(Gem::Requirement.new("~> 0.5")).to be_satisfied_by(spec.version)
    expect(Mysql2::VERSION >= "0.4").to be(true)
    expect(Gem.loaded_specs["mysql2"].full_gem_path).to eq(root)
  end

  it "loads ActiveRecord's mysql2 adapter (which activates the gem with ~> 0.5) in a fresh process" do
    script = <<~RUBY
      require "active_record"
      require "active_record/connection_adapters/mysql2_adapter"
      puts ActiveRecord::ConnectionAdapters::Mysql2Adapter::ADAPTER_NAME
      puts Gem.loaded_specs["mysql2"].version
      puts Mysql2::Client.instance_method(:query).source_location.first
      require "sequel/adapters/mysql2"
      puts Sequel::Mysql2::Database
      puts Sequel::Mysql2::NativePreparedStatements
    RUBY
    # bundle exec put -rbundler/setup in RUBYOPT: the child resolves through the same Gemfile.lock, where mysql2
    # is this directory's gemspec.
    out, err, status = Open3.capture3(RbConfig.ruby, "-rsequel", "-e", script, chdir: root)
    expect(status).to be_success, err
    expect(out.lines.map(&:chomp)).to eq(["Mysql2", "0.6.0", File.join(root, "lib", "mysql2", "client.rb"),
                                          "Sequel::Mysql2::Database", "true"])
  end
end
