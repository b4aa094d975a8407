# frozen_string_literal: true

require "fileutils"
require "rbconfig"

# rake gem:check: the gem as a user gets it. Builds mysql2-<version>.gem, installs it into an empty GEM_HOME
# (compiling the extension there), then, in a Ruby that sees only that GEM_HOME (plus Ruby's default gems), asks
# for it the way ActiveRecord does (gem "mysql2", "~> 0.5"), connects to the private server and runs a query.
namespace :gem do
  desc "Build the gem, install it into an empty GEM_HOME and use it from there"
  task check: "db:start" do
    root = File.expand_path("..", __dir__)
    home = File.join(root, "tmp", "gem-check")
    FileUtils.rm_rf(home)
    FileUtils.mkdir_p(home)
    Bundler.with_unbundled_env do
      Dir.chdir(root) { sh "gem", "build", "mysql2.gemspec", "--output", File.join(home, "mysql2.gem") }
      env = { "GEM_HOME" => home, "GEM_PATH" => home }
      sh env, "gem", "install", "--local", "--no-document", "--ignore-dependencies", File.join(home, "mysql2.gem")
      sh env, RbConfig.ruby, File.join(root, "script", "gem_smoke.rb")
    end
  end
end
