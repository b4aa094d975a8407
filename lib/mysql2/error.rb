# frozen_string_literal: true

module Mysql2
  # Base class of every error this gem raises. error_number / sql_state are nil for errors raised by the gem itself.
  class Error < StandardError
    ENCODE_OPTS = { undef: :replace, invalid: :replace, replace: "?" }.freeze

    ConnectionError = Class.new(self)
    TimeoutError = Class.new(self)

    # Client and server error numbers that mean the connection is not (or no longer) usable.
    CONNECTION_ERRORS = [
      1044, 1045, 1152, 1153, 1154, 1155, 1156, 1157, 1158, 1159, 1160, 1161, 1927,
      2001, 2002, 2003, 2004, 2005, 2006, 2007, 2009, 2012, 2013, 2020, 2026, 2027, 2047, 2048, 2049
    ].freeze
    CODES = CONNECTION_ERRORS.to_h { |code| [code, ConnectionError] }.merge(1205 => TimeoutError).freeze

    attr_reader :error_number, :sql_state

    alias errno error_number
    alias error message

    # The positional signature is mysql2's public API.
    def initialize(msg = nil, server_version = nil, error_number = nil, sql_state = nil) # rubocop:disable Metrics/ParameterLists
      @server_version = server_version
      @error_number = error_number
      @sql_state = sql_state&.encode(**ENCODE_OPTS)
      super(clean_message(msg))
    end

    def self.new_with_args(msg, server_version, error_number, sql_state)
      CODES.fetch(error_number, self).new(msg, server_version, error_number, sql_state)
    end

    private

    def clean_message(message)
      return message unless message.is_a?(String)

      if @server_version && @server_version.to_i > 50_500
        message.encode(**ENCODE_OPTS)
      else
        message.encode(Encoding::UTF_8, **ENCODE_OPTS)
      end
    end
  end
end
