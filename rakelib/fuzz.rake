# frozen_string_literal: true

# Fuzzing of the pure-C parsers (ext/mysql2/m2_parse.c) and charset tables (m2_charset.c) with libFuzzer:
#
#   rake fuzz           builds tmp/fuzz/parse_fuzzer (clang, ASan + UBSan) and fuzzes for FUZZ_SECONDS (60) from
#                       fuzz/corpus into tmp/fuzz/corpus; a crash or a broken property leaves its input in
#                       tmp/fuzz/ (crash-*): copy it into fuzz/regressions/ once fixed, so that it is kept
#   rake fuzz:regress   runs every input of fuzz/corpus and fuzz/regressions once, then tmp/fuzz/double_check (the
#                       fast double parser against strtod() on generated texts); seconds, CI runs this
require "fileutils"

# Builds the libFuzzer target and lists the kept inputs.
module Mysql2Fuzz
  ROOT = File.expand_path("..", __dir__)
  DIR = File.join(ROOT, "tmp", "fuzz")
  BINARY = File.join(DIR, "parse_fuzzer")
  SOURCES = %w[fuzz/parse_fuzzer.c ext/mysql2/m2_parse.c ext/mysql2/m2_charset.c].map { |f| File.join(ROOT, f) }
  FLAGS = %w[-g -O1 -Wall -Wextra -Werror -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all].freeze
  DOUBLE_CHECK = File.join(DIR, "double_check")
  DOUBLE_SOURCES = %w[fuzz/double_check.c ext/mysql2/m2_parse.c].map { |f| File.join(ROOT, f) }

  module_function

  def build
    compile(BINARY, SOURCES, FLAGS)
    compile(DOUBLE_CHECK, DOUBLE_SOURCES, FLAGS.map { |f| f.sub("fuzzer,", "") })
  end

  def compile(binary, sources, flags)
    FileUtils.mkdir_p(DIR)
    headers = Dir[File.join(ROOT, "ext/mysql2/*.h")]
    return if File.exist?(binary) && (sources + headers).all? { |f| File.mtime(f) <= File.mtime(binary) }

    sh_or_abort("clang", *flags, "-I#{File.join(ROOT, "ext/mysql2")}", *sources, "-lm", "-o", binary)
  end

  def sh_or_abort(*cmd)
    system(*cmd) || abort("fuzz: `#{cmd.first}` failed (script/setup installs clang and libclang-rt-dev)")
  end

  def inputs
    Dir[File.join(ROOT, "fuzz/{corpus,regressions}/*")].select { |f| File.file?(f) }
  end
end

desc "Fuzz the C parsers for FUZZ_SECONDS (default 60)"
task :fuzz do
  Mysql2Fuzz.build
  corpus = File.join(Mysql2Fuzz::DIR, "corpus")
  FileUtils.mkdir_p(corpus)
  seconds = Integer(ENV.fetch("FUZZ_SECONDS", "60"))
  Mysql2Fuzz.sh_or_abort({ "TZ" => "UTC" }, Mysql2Fuzz::BINARY, "-max_total_time=#{seconds}", "-max_len=64",
                         "-artifact_prefix=#{Mysql2Fuzz::DIR}/", corpus, File.join(Mysql2Fuzz::ROOT, "fuzz/corpus"))
end

namespace :fuzz do
  desc "Run the kept fuzz inputs (corpus and regressions) once"
  task :regress do
    Mysql2Fuzz.build
    Mysql2Fuzz.sh_or_abort({ "TZ" => "UTC" }, Mysql2Fuzz::BINARY, *Mysql2Fuzz.inputs)
    Mysql2Fuzz.sh_or_abort(Mysql2Fuzz::DOUBLE_CHECK)
  end
end
