# frozen_string_literal: true

module Mysql2
  class Client
    # The TLS policy of Client.new: aliases, ssl_mode parsing, sslverify, and what MariaDB Connector/C cannot do.
    module TLS
      TLS_OPTION_ALIASES = { tls_key: :sslkey, tls_cert: :sslcert, tls_ca: :sslca, tls_capath: :sslcapath,
                             tls_cipher: :sslcipher, tls_mode: :ssl_mode }.freeze
      SSL_FILE_OPTIONS = %i[sslkey sslcert sslca sslcapath sslcipher].freeze
      SSL_MODE_NAMES = %w[DISABLED PREFERRED REQUIRED VERIFY_CA VERIFY_IDENTITY].freeze

      # :ssl_mode / :tls_mode as a Symbol or String (case-insensitive, "SSL_MODE_" prefix allowed) -> the
      # constant; unknown values warn and give nil.
      def parse_ssl_mode(mode)
        name = mode.to_s.upcase.delete_prefix("SSL_MODE_")
        return Client.const_get(:"SSL_MODE_#{name}") if SSL_MODE_NAMES.include?(name)

        warn "Unknown MySQL ssl_mode flag: #{mode}"
        nil
      end

      # sslverify: true means verify_identity unless a mode was given; false conflicts with a verify mode.
      def configure_tls_verification(opts, mode)
        return mode unless opts.key?(:sslverify)

        if !opts[:sslverify] && [SSL_MODE_VERIFY_CA, SSL_MODE_VERIFY_IDENTITY].include?(mode)
          name = opts[:ssl_mode].to_s.downcase.delete_prefix("ssl_mode_")
          raise Mysql2::Error::ConnectionError, "sslverify: false conflicts with ssl_mode: #{name}"
        end
        opts[:sslverify] && mode.nil? ? SSL_MODE_VERIFY_IDENTITY : mode
      end

      private

      # Each :tls_* key overwrites its legacy :ssl* key (warning when both differ).
      def apply_tls_option_aliases(opts)
        TLS_OPTION_ALIASES.each do |tls_key, legacy|
          next unless opts.key?(tls_key)

          if opts.key?(legacy) && opts[legacy] != opts[tls_key]
            warn ":#{legacy} and :#{tls_key} were both given with different values; :#{tls_key} wins"
          end
          opts[legacy] = opts[tls_key]
        end
      end

      # Hands the TLS options to the C setters. :disabled passes none at all.
      def configure_tls(opts)
        mode = configure_tls_verification(opts, opts.key?(:ssl_mode) ? parse_ssl_mode(opts[:ssl_mode]) : nil)
        ssl_set(*opts.values_at(*SSL_FILE_OPTIONS)) if mode != SSL_MODE_DISABLED && ssl_files_given?(opts)
        self.tls_passphrase = opts[:tls_passphrase] if opts[:tls_passphrase]
        raise_unsupported_tls(opts)
        self.ssl_mode = mode if mode
      end

      def ssl_files_given?(opts)
        SSL_FILE_OPTIONS.any? { |key| opts[key] } || opts.key?(:sslverify)
      end

      def raise_unsupported_tls(opts)
        return unless opts[:tls_peer_fingerprint] || opts[:tls_peer_fingerprint_list]

        raise Mysql2::Error::ConnectionError, ":tls_peer_fingerprint needs MariaDB Connector/C 3.4 or newer; " \
                                              "this build has #{Client.info[:version]}"
      end
    end
  end
end
