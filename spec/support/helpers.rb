# frozen_string_literal: true

module Mysql2Test
  # Connection helpers for the specs.
  module Helpers
    # Options for a client on the test server; TCP unless socket: true.
    def client_options(socket: false, **overrides)
      cfg = Mysql2Test::CONFIG
      base = { username: cfg[:username], password: cfg[:password], database: cfg[:database] }
      base.merge!(socket ? { socket: cfg[:socket] } : { host: cfg[:host], port: cfg[:port] })
      base.merge(overrides)
    end

    def new_client(**opts)
      track(Mysql2::Client.new(client_options(**opts)))
    end

    # Closes +client+ after the example.
    def track(client)
      (@clients_to_close ||= []) << client
      client
    end

    # A second connection for looking at the server from the outside (processlist, KILL).
    def observer
      @observer ||= new_client
    end

    def server_runs_query?(thread_id)
      observer.query("SELECT 1 FROM information_schema.processlist WHERE id = #{Integer(thread_id)} " \
                     "AND command = 'Query'").count.positive?
    end

    # Polls until the block is true or `seconds` pass; returns the last value.
    def eventually(seconds = 5, interval = 0.02)
      deadline = Process.clock_gettime(Process::CLOCK_MONOTONIC) + seconds
      loop do
        value = yield
        return value if value || Process.clock_gettime(Process::CLOCK_MONOTONIC) > deadline

        sleep interval
      end
    end

    def monotonic
      Process.clock_gettime(Process::CLOCK_MONOTONIC)
    end

    def gc_stress?
      ENV["M2_TEST_GC"] == "stress"
    end

    # Iterations for the race loops: fewer under GC.stress, where each one costs far more.
    def iterations(normal)
      gc_stress? ? [normal / 20, 5].max : normal
    end

    # Runs the block with ENV["TZ"] set to +zone+ (nil: unset), restoring the previous value after.
    def with_tz(zone)
      saved = ENV.fetch("TZ", nil)
      ENV["TZ"] = zone
      yield
    ensure
      ENV["TZ"] = saved
    end

    # Runs the block with Encoding.default_internal set to +encoding+, restoring it after (without warnings).
    def with_default_internal(encoding)
      saved = Encoding.default_internal
      silence_warnings { Encoding.default_internal = encoding }
      yield
    ensure
      silence_warnings { Encoding.default_internal = saved }
    end

    # Counts the calls to Kernel.BigDecimal (what a DECIMAL cell with a scale is cast with) made by this thread
    # while the block runs; returns [count, the block's value]. `hook`, if given, is called with the count from
    # inside each of those calls: Ruby code run in the middle of casting a row. The module is prepended once.
    def count_decimal_casts(hook: nil)
      unless Kernel.singleton_class.ancestors.include?(DecimalCastCounter)
        Kernel.singleton_class.prepend(DecimalCastCounter)
      end
      Thread.current[:mysql2_spec_casts] = 0
      Thread.current[:mysql2_spec_cast_hook] = hook
      value = yield
      [Thread.current[:mysql2_spec_casts], value]
    ensure
      Thread.current[:mysql2_spec_casts] = nil
      Thread.current[:mysql2_spec_cast_hook] = nil
    end

    # Kernel.BigDecimal, counted per thread while Thread.current[:mysql2_spec_casts] is set (count_decimal_casts).
    module DecimalCastCounter
      def BigDecimal(*args, **kwargs) # rubocop:disable Naming/MethodName
        if Thread.current[:mysql2_spec_casts]
          Thread.current[:mysql2_spec_casts] += 1
          Thread.current[:mysql2_spec_cast_hook]&.call(Thread.current[:mysql2_spec_casts])
        end
        super
      end
    end

    def silence_warnings
      verbose = $VERBOSE
      $VERBOSE = nil
      yield
    ensure
      $VERBOSE = verbose
    end

    # Class-level helpers.
    module ClassMethods
    end

    def self.included(base)
      base.after do
        (@clients_to_close || []).each(&:close)
        @observer = nil
      end
    end
  end
end
