# frozen_string_literal: true

# The integration suite (rake spec:integration): ActiveRecord's mysql2 adapter and Sequel's mysql2:// adapter on top
# of this project's build and the private MariaDB. spec_helper puts lib/ first on the load path and requires
# "mysql2" from there, before ActiveRecord or Sequel can reach for another copy; loading_spec.rb checks that.
require_relative "../spec_helper"
require "logger"
require "active_record"
require "sequel"

module Mysql2Test
  # Connection settings for ActiveRecord and Sequel on the test server.
  module Integration
    ROOT = File.expand_path("../..", __dir__)

    module_function

    # An ActiveRecord database configuration (TCP) with +overrides+.
    def ar_config(**overrides)
      cfg = Mysql2Test::CONFIG
      { adapter: "mysql2", host: cfg[:host], port: cfg[:port], username: cfg[:username],
        password: cfg[:password], database: cfg[:database], encoding: "utf8mb4", pool: 5,
        checkout_timeout: 10 }.merge(overrides)
    end

    # mysql2://user:pass@host:port/db for the unprivileged account.
    def sequel_url
      cfg = Mysql2Test::CONFIG
      "mysql2://#{cfg[:unprivileged_username]}:#{cfg[:unprivileged_password]}@#{cfg[:host]}:#{cfg[:port]}/" \
        "#{cfg[:database]}"
    end
  end
end
