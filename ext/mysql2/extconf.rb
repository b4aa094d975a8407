# frozen_string_literal: true

# Build configuration for the mysql2 extension over MariaDB Connector/C (or libmysqlclient).
#
#   --with-mysql-config=PATH   use this mariadb_config / mysql_config
#   --with-mysql-dir=DIR       use DIR/include and DIR/lib
#   --with-sanitize            build with AddressSanitizer and UndefinedBehaviorSanitizer (also MYSQL2_SANITIZE=1)
#   MYSQL2_WERROR=1            turn warnings into errors (CI does)
require "English"
require "mkmf"

# Locates the client library, checks the headers and sets the warning and sanitizer flags.
module Mysql2Build
  INSTALL_HINT = <<~MSG
    Could not find the MariaDB/MySQL client library and headers.
      Debian/Ubuntu:  sudo apt-get install libmariadb-dev pkg-config
      Fedora/RHEL:    sudo dnf install mariadb-connector-c-devel
      macOS:          brew install mariadb-connector-c   (then --with-mysql-config=$(brew --prefix)/bin/mariadb_config)
    Or point the build at it: gem install mysql2 -- --with-mysql-config=/path/to/mariadb_config
                              gem install mysql2 -- --with-mysql-dir=/path/to/prefix
  MSG

  module_function

  def locate
    dir = with_config("mysql-dir")
    return use_dir(dir) if dir

    config = with_config("mysql-config")
    return use_config(config) if config.is_a?(String)
    return true if pkg_config("libmariadb") || pkg_config("mysqlclient")

    %w[mariadb_config mysql_config].each do |tool|
      path = find_executable(tool)
      return use_config(path) if path
    end
    false
  end

  def use_dir(dir)
    $INCFLAGS << " -I#{File.join(dir, "include")} -I#{File.join(dir, "include", "mariadb")} " \
                 "-I#{File.join(dir, "include", "mysql")}"
    $LDFLAGS << " -L#{File.join(dir, "lib")} -Wl,-rpath,#{File.join(dir, "lib")}"
    have_library("mariadb") || have_library("mysqlclient")
  end

  def use_config(path)
    cflags = `#{path} --cflags`.strip
    libs = `#{path} --libs`.strip
    abort "#{path} failed; is it a mariadb_config or mysql_config?" unless $CHILD_STATUS.success?
    $CFLAGS << " #{cflags}"
    $libs = "#{libs} #{$libs}"
    true
  end

  def require_headers
    %w[mysql.h errmsg.h].each { |h| abort("#{h} not found.\n#{INSTALL_HINT}") unless have_header(h) }
    # The non-blocking API (MariaDB Connector/C) is what the whole connection engine stands on.
    return if have_func("mysql_real_connect_start", "mysql.h")

    abort "This gem needs MariaDB Connector/C (libmariadb) for its non-blocking API.\n#{INSTALL_HINT}"
  end

  def warnings
    $CFLAGS << " -std=gnu11 -Wall -Wextra -Wno-unused-parameter -Wshadow " \
               "-Wmissing-prototypes -Wno-missing-field-initializers -fvisibility=hidden"
    $CFLAGS << " -Werror" if ENV["MYSQL2_WERROR"] == "1"
  end

  def sanitizers
    return unless enable_config("sanitize", false) || ENV["MYSQL2_SANITIZE"] == "1"

    # asan-stack=0: Ruby raises with longjmp, which ASan cannot see, leaving our frames' redzones poisoned.
    flags = "-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer -g -O1 " \
            "--param=asan-stack=0"
    $CFLAGS << " #{flags}"
    $LDFLAGS << " -fsanitize=address,undefined"
  end
end

abort Mysql2Build::INSTALL_HINT unless Mysql2Build.locate
Mysql2Build.require_headers
# OpenSSL (a dependency of libmariadb-dev): lets ssl_mode: :verify_ca check the chain without the host name.
have_header("openssl/ssl.h") && have_library("ssl", "SSL_get_verify_result") && have_library("crypto")
have_func("rb_hash_new_capa", "ruby.h") || have_func("rb_hash_new_with_size") # 3.2, or exported before it
have_func("rb_io_descriptor", "ruby/io.h") # Ruby 3.1
have_func("rb_st_foreach_with_replace", "ruby.h") # Hash rows copied from a template (row_hash.c)
have_func("newlocale", "locale.h") && have_func("strtod_l", "stdlib.h") # glibc: Float cells in the "C" locale
Mysql2Build.warnings
Mysql2Build.sanitizers
create_makefile("mysql2/mysql2")
