# frozen_string_literal: true

desc "Soak: 1,000,000 queries and 10,000 prepared statements, RSS before/after (SOAK_QUERIES, SOAK_STATEMENTS)"
task soak: %i[compile db:start] do
  ruby File.expand_path("../script/soak", __dir__)
end
