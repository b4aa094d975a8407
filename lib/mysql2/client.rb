# frozen_string_literal: true

require "mysql2/client/flags"
require "mysql2/client/tls"

module Mysql2
  # A connection to a MySQL or MariaDB server. Commands are defined in C (ext/mysql2/client*.c); this file holds
  # the option policy (defaults, aliases, coercions, warnings) applied in mysql2's documented order, through the
  # private C setters and the private `connect` (9 positional arguments; subclasses may override it).
  class Client
    include Flags
    include TLS

    attr_reader :query_options, :read_timeout

    DEFAULT_FLAGS = REMEMBER_OPTIONS | LONG_PASSWORD | LONG_FLAG | TRANSACTIONS | PROTOCOL_41 |
                    SECURE_CONNECTION | CONNECT_ATTRS

    # Options handed to a private setter, in this order, when present.
    SETTER_OPTIONS = %i[reconnect connect_timeout local_infile read_timeout write_timeout default_file default_group
                        secure_auth init_command automatic_close enable_cleartext_plugin default_auth
                        get_server_public_key tls_version query_timeout].freeze
    BOOLEAN_OPTIONS = %i[reconnect local_infile secure_auth automatic_close enable_cleartext_plugin
                         get_server_public_key].freeze
    TIMEOUT_OPTIONS = %i[connect_timeout read_timeout write_timeout].freeze
    DEPRECATED_ALIASES = { user: :username, pass: :password, hostname: :host, dbname: :database, db: :database,
                           sock: :socket }.freeze
    EMPTY_QUERY_OPTIONS = {}.freeze
    private_constant :EMPTY_QUERY_OPTIONS

    def self.default_query_options
      @default_query_options ||= {
        as: :hash, async: false, cast_booleans: false, symbolize_keys: false, database_timezone: :local,
        application_timezone: nil, cache_rows: true, rows_per_gvl_yield: 8192, connect_flags: DEFAULT_FLAGS,
        cast: true, default_file: nil, default_group: nil
      }
    end

    # The local UTC offset as a fraction of a day: the offset of DateTime values built for :local.
    def self.local_offset
      ::Time.now.utc_offset.to_r / 86_400
    end
    private_class_method :local_offset

    def initialize(opts = {})
      raise Mysql2::Error, "Options parameter must be a Hash" unless opts.is_a?(Hash)

      opts = Mysql2::Util.key_hash_as_symbols(opts)
      @read_timeout = nil
      @query_options = self.class.default_query_options.dup
      @query_options.merge!(opts)
      apply_tls_option_aliases(opts)
      initialize_ext
      opts[:connect_timeout] = 120 unless opts.key?(:connect_timeout)
      opts[:local_infile] = false unless opts.key?(:local_infile)
      apply_setter_options(opts)
      self.charset_name = opts[:encoding] || "utf8mb4"
      configure_tls(opts)
      flags = @query_options[:connect_flags] = compute_flags(opts[:flags], opts[:sslverify])
      check_and_clean_query_options(opts)
      connect(*connect_arguments(opts, flags))
    end

    # The default of query's options: one frozen Hash rather than a new one per call.
    NO_OPTIONS = {}.freeze
    private_constant :NO_OPTIONS

    # Runs +sql+ and returns a Mysql2::Result (nil for statements without rows, and with async: true).
    # +options+ are merged over #query_options for this query only.
    def query(sql, options = NO_OPTIONS)
      raise TypeError, "no implicit conversion of #{options.inspect} into Hash" unless options.is_a?(Hash)

      _query_merging(sql, @query_options, options) # _query(sql, @query_options.merge(options)), merging later
    end

    # Prepares +sql+ (with ? placeholders) on the server and returns a Mysql2::Statement.
    # The registry lives in @_mysql2_statements, not @prepared_statements: Sequel defines
    # `attr_accessor :prepared_statements` on the client's singleton class and keeps its own Hash in that ivar.
    def prepare(sql)
      statement = _prepare(sql)
      (@_mysql2_statements ||= ObjectSpace::WeakMap.new)[statement] = true
      statement
    end

    # The statements prepared on this client that are still open (closed and collected ones are left out).
    def prepared_statements
      return [] unless @_mysql2_statements

      @_mysql2_statements.keys.reject(&:closed?)
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

    # mysql_info() parsed into a Hash: "Records: 2  Duplicates: 0  Warnings: 0" => {records: 2, ...}.
    def query_info
      info = query_info_string
      return {} unless info

      info.split.each_slice(2).to_h { |key, value| [key.chomp(":").downcase.to_sym, value.to_i] }
    end

    def info
      self.class.info
    end

    private

    def apply_setter_options(opts)
      SETTER_OPTIONS.each do |key|
        next unless opts.key?(key)

        value = opts[key]
        if BOOLEAN_OPTIONS.include?(key)
          value = value ? true : false
        elsif TIMEOUT_OPTIONS.include?(key)
          next if value.nil?

          value = Integer(value)
        end
        send(:"#{key}=", value)
      end
      @read_timeout = opts[:read_timeout]
    end

    def check_and_clean_query_options(opts)
      warn_incoherent_options(opts)
      used = DEPRECATED_ALIASES.keys.select { |key| @query_options.key?(key) }
      unless used.empty?
        warn "============= WARNING FROM mysql2 =============\n" \
             "The options :#{used.join(", :")} are deprecated and will be removed at some point in the future.\n" \
             "Instead, please use :#{used.map { |key| DEPRECATED_ALIASES[key] }.uniq.join(", :")}.\n" \
             "============= END WARNING FROM mysql2 ========="
      end
      @query_options.delete(:password)
      @query_options.delete(:pass)
    end

    def warn_incoherent_options(opts)
      if opts[:sslkey].nil? ^ opts[:sslcert].nil?
        warn ":sslkey and :sslcert only take effect together; alone, libmysqlclient sends no client certificate " \
             "and MariaDB Connector/C fails to connect"
      end
      return unless opts[:stream] && opts[:cache_rows]

      warn ":cache_rows is ignored on a client with :stream enabled; pass cache_rows: false to acknowledge " \
           "streaming semantics"
    end

    # The first non-nil value among an option and its deprecated aliases.
    def first_option(opts, *keys)
      keys.map { |key| opts[key] }.compact.first
    end

    def connect_arguments(opts, flags)
      user = first_option(opts, :username, :user)
      pass = first_option(opts, :password, :pass)
      host = first_option(opts, :host, :hostname)
      database = first_option(opts, :database, :dbname, :db)
      socket = first_option(opts, :socket, :sock)
      conn_attrs = parse_connect_attrs(opts[:connect_attrs])
      [user&.to_s, pass&.to_s, host&.to_s, opts[:port].to_i, database&.to_s, socket&.to_s, flags, conn_attrs,
       opts[:tls_sni_name]]
    end
  end
end
