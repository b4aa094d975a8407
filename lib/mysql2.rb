# frozen_string_literal: true

require "date"
require "bigdecimal"

require "mysql2/version"
require "mysql2/error"
require "mysql2/mysql2"
require "mysql2/result"
require "mysql2/statement"
require "mysql2/client"

# A drop-in replacement for the mysql2 gem over MariaDB Connector/C's non-blocking API.
module Mysql2
  # Helpers kept for compatibility with code written against mysql2.
  module Util
    def self.key_hash_as_symbols(hash)
      return nil unless hash

      hash.transform_keys(&:to_sym)
    end
  end
end
