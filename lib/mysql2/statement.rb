# frozen_string_literal: true

module Mysql2
  # A prepared statement (Client#prepare). Defined in C (ext/mysql2/statement.c).
  class Statement
    # Executes with +binds+ for the ? placeholders. +options+ (query options such as as:, cast:, stream:) are
    # merged over the client's query_options as they are at this call.
    def execute(*binds, **options)
      _execute(binds, options)
    end
  end
end
