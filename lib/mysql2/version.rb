# frozen_string_literal: true

module Mysql2
  # 0.6.x: satisfies `gem "mysql2", "~> 0.5"` (ActiveRecord) and compares >= "0.4" (Sequel), and marks the
  # deliberate difference from upstream 0.5: `close` on a busy connection cancels instead of raising.
  VERSION = "0.6.0"
end
