# frozen_string_literal: true

module Mysql2
  class Client
    # The :flags and :connect_attrs options of Client.new.
    module Flags
      # Flag names ("FOUND_ROWS", "-PROTOCOL_41") added to or removed from +initial+.
      def parse_flags_array(flags, initial = 0)
        flags.reduce(initial) do |acc, flag|
          name = flag.to_s
          remove = name.start_with?("-")
          name = name.delete_prefix("-")
          value = Client.const_defined?(name, false) ? Client.const_get(name, false) : nil
          unless value.is_a?(Integer)
            warn "Unknown MySQL connection flag: '#{name}'"
            next acc
          end
          remove ? acc & ~value : acc | value
        end
      end

      # Connect attributes with String keys and values, program_name filled in (into the caller's Hash).
      def parse_connect_attrs(conn_attrs)
        return {} if Client::CONNECT_ATTRS.zero?

        conn_attrs ||= {}
        conn_attrs[:program_name] ||= $PROGRAM_NAME
        conn_attrs.to_h { |key, value| [key.to_s, value.to_s] }
      end

      private

      # An Integer is ORed into the defaults; an Array or a String of names adds and removes; else the defaults.
      def compute_flags(flags, sslverify)
        flags = case flags
                when Integer then DEFAULT_FLAGS | flags
                when Array then parse_flags_array(flags, DEFAULT_FLAGS)
                when String then parse_flags_array(flags.split, DEFAULT_FLAGS)
                else DEFAULT_FLAGS
                end
        sslverify ? flags | SSL_VERIFY_SERVER_CERT : flags
      end
    end
  end
end
