# frozen_string_literal: true

desc "RuboCop and clang-format (C sources must be formatted)"
task lint: %i[lint:ruby lint:c]

namespace :lint do
  task :ruby do
    sh "bundle exec rubocop"
  end

  task :c do
    sh "clang-format --dry-run --Werror ext/mysql2/*.c ext/mysql2/*.h benchmark/*.c"
  end
end
