# frozen_string_literal: true

module Mysql2
  # A connection to a MySQL or MariaDB server. Commands are defined in C (ext/mysql2/client*.c); this file holds
  # the option policy: defaults, aliases and coercions, then the private C setters and `connect`.
  class Client
    attr_reader :query_options, :read_timeout

    # Client flags (values from the client library's headers).
    REMEMBER_OPTIONS = 0x80000000
    LONG_PASSWORD = 1
    FOUND_ROWS = 2
    LONG_FLAG = 4
    CONNECT_WITH_DB = 8
    COMPRESS = 32
    LOCAL_FILES = 128
    PROTOCOL_41 = 512
    INTERACTIVE = 1024
    SSL = 2048
    TRANSACTIONS = 8192
    SECURE_CONNECTION = 32_768
    MULTI_STATEMENTS = 65_536
    MULTI_RESULTS = 131_072
    PS_MULTI_RESULTS = 262_144
    CONNECT_ATTRS = 1_048_576
    OPTION_MULTI_STATEMENTS_ON = 0
    OPTION_MULTI_STATEMENTS_OFF = 1

    DEFAULT_FLAGS = REMEMBER_OPTIONS | LONG_PASSWORD | LONG_FLAG | TRANSACTIONS | PROTOCOL_41 |
                    SECURE_CONNECTION | CONNECT_ATTRS

    BOOLEAN_OPTIONS = %i[reconnect local_infile automatic_close].freeze
    TIMEOUT_OPTIONS = %i[connect_timeout read_timeout write_timeout].freeze
    PASSTHROUGH_OPTIONS = %i[init_command query_timeout].freeze

    def self.default_query_options
      @default_query_options ||= {
        as: :hash, async: false, cast_booleans: false, symbolize_keys: false, database_timezone: :local,
        application_timezone: nil, cache_rows: true, rows_per_gvl_yield: 8192, connect_flags: DEFAULT_FLAGS,
        cast: true, default_file: nil, default_group: nil
      }
    end

    def initialize(opts = {})
      raise Mysql2::Error, "Options parameter must be a Hash" unless opts.is_a?(Hash)

      opts = Mysql2::Util.key_hash_as_symbols(opts)
      @read_timeout = nil
      @query_options = self.class.default_query_options.dup
      @query_options.merge!(opts)
      initialize_ext
      apply_options(opts)
      @query_options.delete(:password)
      @query_options.delete(:pass)
      connect(*connect_arguments(opts))
    end

    # Runs +sql+ and returns a Mysql2::Result (nil for statements without rows, and with async: true).
    # +options+ are merged over #query_options for this query only.
    def query(sql, options = {})
      raise TypeError, "no implicit conversion of #{options.inspect} into Hash" unless options.is_a?(Hash)

      @current_query_options = @query_options.merge(options)
      _query(sql, @current_query_options)
    end

    # The ID of the connection the server assigned, for KILL.
    alias id thread_id

    # Reads and drops every remaining result of a multi-statement query; raises the error of a failed statement.
    def abandon_results!
      while more_results?
        next_result
        store_result&.free
      end
      nil
    end

    private

    def apply_options(opts)
      opts = { connect_timeout: 120, local_infile: false }.merge(opts)
      BOOLEAN_OPTIONS.each { |key| send(:"#{key}=", opts[key] ? true : false) if opts.key?(key) }
      apply_valued_options(opts)
      @read_timeout = opts[:read_timeout]
      self.charset_name = opts[:encoding] || "utf8mb4"
    end

    # Timeouts are coerced with Integer() ("5" is fine, "x" raises ArgumentError); nil means "not given".
    def apply_valued_options(opts)
      TIMEOUT_OPTIONS.each { |key| send(:"#{key}=", Integer(opts[key])) unless opts[key].nil? }
      PASSTHROUGH_OPTIONS.each { |key| send(:"#{key}=", opts[key]) unless opts[key].nil? }
    end

    # The first non-nil value among an option and its deprecated aliases, as a String.
    def string_option(opts, *keys)
      value = keys.map { |key| opts[key] }.compact.first
      value&.to_s
    end

    def connect_arguments(opts)
      flags = DEFAULT_FLAGS | (opts[:flags].is_a?(Integer) ? opts[:flags] : 0)
      @query_options[:connect_flags] = flags
      [string_option(opts, :username, :user), string_option(opts, :password, :pass),
       string_option(opts, :host, :hostname), opts[:port].to_i, string_option(opts, :database, :dbname, :db),
       string_option(opts, :socket, :sock), flags, nil, nil]
    end
  end
end
