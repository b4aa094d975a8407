# frozen_string_literal: true

module Mysql2
  # Rows of a query. Defined in C (ext/mysql2/result.c); Enumerable over #each.
  class Result
    attr_reader :query_options
  end
end
