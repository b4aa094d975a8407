# frozen_string_literal: true

# Loads this project's own build (lib/mysql2/mysql2.so) and makes sure a MariaDB server is there: the private one
# in tmp/mariadb (started here and stopped at the end unless `rake db:start` started it), or the external one
# that MYSQL2_TEST_HOST / MYSQL2_TEST_SOCKET name.
#
# M2_TEST_GC=verify   run GC.verify_compaction_references once after loading, and compact between examples
# M2_TEST_GC=stress   run the examples tagged :gc_stress under GC.stress (with fewer iterations)
$LOAD_PATH.unshift(File.expand_path("../lib", __dir__))
$LOAD_PATH.unshift(ENV["MYSQL2_EXT_DIR"]) if ENV["MYSQL2_EXT_DIR"]
require "mysql2"
require "timeout"
require_relative "support/private_server"
require_relative "support/helpers"
require_relative "support/casting"
require_relative "support/fault_proxy"
require_relative "support/downgrade_proxy"
require_relative "support/memory"

Mysql2Test::CONFIG = Mysql2Test::PrivateServer.ensure_running!

RSpec.configure do |config|
  config.include Mysql2Test::Helpers
  config.extend Mysql2Test::Helpers::ClassMethods
  config.disable_monkey_patching!
  config.order = :random
  Kernel.srand config.seed
  config.filter_run_excluding :external_server_unsupported if Mysql2Test::CONFIG[:external]
  config.include Mysql2Test::Memory, :rss
  config.filter_run_excluding :rss if ENV["M2_TEST_GC"] # see Mysql2Test::Memory

  config.after(:suite) do
    Mysql2Test::PrivateServer.stop if Mysql2Test::PrivateServer.started_here? && ENV["MYSQL2_KEEP_SERVER"] != "1"
  end

  case ENV.fetch("M2_TEST_GC", nil)
  when "verify"
    config.before(:suite) { GC.verify_compaction_references(double_heap: true, toward: :empty) }
    config.after { GC.compact }
  when "stress"
    config.around(:each, :gc_stress) do |example|
      GC.stress = true
      example.run
    ensure
      GC.stress = false
    end
  end
end
