# frozen_string_literal: true

module Mysql2
  # Rows of a query. Defined in C (ext/mysql2/result.c), which also includes Enumerable; this file stays so that
  # `require "mysql2/result"` works as it does with mysql2.
  class Result
    include Enumerable
  end
end
