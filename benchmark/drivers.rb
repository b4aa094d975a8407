# frozen_string_literal: true

module Bench
  # Raised by an adapter for what its driver cannot do; the report shows n/a.
  class NotSupported < StandardError; end

  # One adapter per driver, all with the same methods, so that a workload is written once. Each method does what
  # an application would do with that driver to get the same rows; the methods that iterate return the row count
  # (checked by the workloads, so that a driver that silently returns nothing cannot look fast).
  module Drivers
    def self.load(name, db)
      case name
      when "ours", "mysql2" then Mysql2Like.new(name, db)
      when "trilogy" then TrilogyDriver.new(db)
      else raise ArgumentError, "unknown driver #{name}"
      end
    end

    # This gem and the released mysql2 0.5.7: the same API, loaded from different places by the runner.
    class Mysql2Like
      attr_reader :name

      def initialize(name, db)
        @name = name
        @db = db
        gem "mysql2", ENV.fetch("BENCH_MYSQL2_VERSION", "0.5.7") if name == "mysql2"
        require "mysql2"
      end

      def version
        Mysql2::VERSION
      end

      def loaded_from
        $LOADED_FEATURES.grep(%r{/mysql2/mysql2\.so\z}).first
      end

      def connect
        Mysql2::Client.new(host: @db[:host], port: @db[:port], username: @db[:username], password: @db[:password],
                           database: @db[:database])
      end

      def close(client)
        client.close
      end

      def hashes(client, sql, cast: true)
        count = 0
        client.query(sql, cast: cast).each { |_row| count += 1 }
        count
      end

      def arrays(client, sql)
        count = 0
        client.query(sql, as: :array).each { |_row| count += 1 }
        count
      end

      def stream(client, sql)
        count = 0
        client.query(sql, stream: true, cache_rows: false).each { |_row| count += 1 }
        count
      end

      def first_row(client, sql)
        client.query(sql).first
      end

      def prepare(client, sql)
        client.prepare(sql)
      end

      def execute_first(statement, arg)
        statement.execute(arg).first
      end

      def escape(client, string)
        client.escape(string)
      end
    end

    # trilogy 2.x: rows are Arrays (cast by default); hashes come from Result#each_hash, its own way to get them.
    # No prepared statements and no row-by-row streaming: those raise NotSupported.
    class TrilogyDriver
      def initialize(db)
        @db = db
        gem "trilogy", ENV.fetch("BENCH_TRILOGY_VERSION", "~> 2.0")
        require "trilogy"
      end

      def name
        "trilogy"
      end

      def version
        Trilogy::VERSION
      end

      def loaded_from
        $LOADED_FEATURES.grep(%r{/trilogy/cext\.so\z}).first
      end

      def connect
        Trilogy.new(host: @db[:host], port: @db[:port], username: @db[:username], password: @db[:password],
                    database: @db[:database])
      end

      def close(client)
        client.close
      end

      def hashes(client, sql, cast: true)
        client.query_flags = cast ? Trilogy::QUERY_FLAGS_DEFAULT : Trilogy::QUERY_FLAGS_NONE
        count = 0
        client.query(sql).each_hash { |_row| count += 1 }
        count
      end

      def arrays(client, sql)
        count = 0
        client.query(sql).each { |_row| count += 1 }
        count
      end

      def stream(_client, _sql)
        raise NotSupported, "trilogy reads a whole result before returning it"
      end

      def first_row(client, sql)
        client.query(sql).each_hash.first
      end

      def prepare(_client, _sql)
        raise NotSupported, "trilogy has no prepared statements"
      end

      def execute_first(_statement, _arg)
        raise NotSupported, "trilogy has no prepared statements"
      end

      def escape(client, string)
        client.escape(string)
      end
    end
  end
end
