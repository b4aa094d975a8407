# frozen_string_literal: true

require "rbconfig"

desc "RuboCop, clang-format and cppcheck on the C sources, rbs validate on sig/"
task lint: %i[lint:ruby lint:c lint:rbs]

namespace :lint do
  task :ruby do
    sh "bundle exec rubocop"
  end

  task :c do
    sources = "ext/mysql2/*.c ext/mysql2/*.h fuzz/*.c benchmark/*.c"
    sh "clang-format --dry-run --Werror #{sources}"
    sh "cppcheck --quiet --enable=warning,performance,portability --inline-suppr --error-exitcode=1 " \
       "--suppress=missingIncludeSystem -I ext/mysql2 ext/mysql2/*.c fuzz/*.c benchmark/*.c"
  end

  # rbs ships with Ruby (a bundled gem); it is run outside the bundle, which does not list it.
  task :rbs do
    Bundler.with_unbundled_env do
      sh RbConfig.ruby, "-e", 'load Gem.bin_path("rbs", "rbs")', "--", "-I", "sig", "validate", out: File::NULL
    end
  end
end
