# frozen_string_literal: true

require "fileutils"
require_relative "../spec/support/private_server"

namespace :db do
  desc "Start the private MariaDB server for the specs (reuses a running one)"
  task :start do
    config = Mysql2Test::PrivateServer.ensure_running!
    kind = config[:external] ? "external" : "private"
    puts "#{kind} MariaDB: host=#{config[:host]} port=#{config[:port]} socket=#{config[:socket]}"
  end

  desc "Stop the private MariaDB server"
  task :stop do
    Mysql2Test::PrivateServer.stop
  end

  desc "Show whether the private MariaDB server is running"
  task :status do
    puts Mysql2Test::PrivateServer.status
  end

  desc "Stop the private MariaDB server and delete tmp/mariadb"
  task reset: :stop do
    FileUtils.rm_rf(Mysql2Test::PrivateServer::BASE_DIR)
  end
end
