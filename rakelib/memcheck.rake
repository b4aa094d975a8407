# frozen_string_literal: true

# Memory checking of the C extension with the spec suite:
#
#   rake compile:asan    builds ext/mysql2 with AddressSanitizer + UndefinedBehaviorSanitizer into tmp/asan
#                        (tmp/asan/lib/mysql2/mysql2.so); never touches lib/ or rake-compiler's tmp/<platform>
#   rake spec:asan       runs the specs against that build
#   rake spec:valgrind   runs the specs under valgrind memcheck against the normal build in lib/ (builds nothing:
#                        `rake compile` first)
#
# Both spec tasks take
#   SPEC="spec/engine spec/mysql2"   files, directories, file:line or globs, separated by spaces (this is the default)
#   SPEC_OPTS="--seed 1234"          extra rspec options
# and spec:valgrind also MYSQL2_EXT_DIR=dir (test dir/mysql2/mysql2.so instead of lib/'s) and VALGRIND_OPTS (read
# by valgrind itself: --track-origins=yes, --gen-suppressions=all...). They fail when a spec fails or the sanitizer
# / valgrind reports an error, and print the reports (all of them are kept in tmp/asan/reports and tmp/valgrind).
# They start the private MariaDB first (rake db:start), outside the sanitizer / valgrind, and leave it running
# (MYSQL2_KEEP_SERVER=1); `rake db:stop` stops it. script/memcheck wraps them (and installs valgrind).
require "English"
require "etc"
require "fileutils"
require "rbconfig"
require "shellwords"

# What both memory-checking tasks share: the spec selection, the rspec command and the private server.
module Mysql2Memcheck
  ROOT = File.expand_path("..", __dir__)
  DEFAULT_SPEC = %w[spec/engine spec/mysql2].freeze

  module_function

  # The SPEC paths: globs expanded, missing default directories skipped.
  def spec_paths
    given = ENV.fetch("SPEC", "").split
    return DEFAULT_SPEC.select { |dir| File.directory?(File.join(ROOT, dir)) } if given.empty?

    given.flat_map do |item|
      next [item] unless item.match?(/[*?\[{]/)

      matches = Dir.glob(item, base: ROOT).sort
      abort "SPEC=#{item} matches no file" if matches.empty?
      matches
    end
  end

  # rspec in a fresh Ruby with the bundle loaded: the process that the sanitizer or valgrind watches. Examples
  # tagged :rss (memory growth measured as RSS) are left out: both tools keep freed memory in quarantine, so RSS
  # grows by design there; they check leaks directly instead.
  def rspec_command
    [RbConfig.ruby, "-rbundler/setup", Gem.bin_path("rspec-core", "rspec"), "--tag", "~rss",
     *Shellwords.split(ENV.fetch("SPEC_OPTS", "")), *spec_paths]
  end

  # The environment of the spec run: keep the private server between runs (db:start started it), and tell the
  # specs which tool watches them (MYSQL2_MEMCHECK=asan|valgrind), so that costly loops can be made shorter.
  def base_env(tool)
    { "MYSQL2_KEEP_SERVER" => "1", "MYSQL2_MEMCHECK" => tool }
  end

  # Runs `command` in the repository and returns its Process::Status (never raises on failure).
  def run(env, command)
    puts "==> #{env.map { |k, v| "#{k}=#{Shellwords.escape(v)}" }.join(" ")} #{Shellwords.join(command)}"
    system(env, *command, chdir: ROOT)
    $CHILD_STATUS
  end

  def fresh_dir(dir)
    FileUtils.rm_rf(dir)
    FileUtils.mkdir_p(dir)
    dir
  end

  def finish(title, failures)
    abort "#{title}: FAILED\n#{failures.map { |f| "  - #{f}" }.join("\n")}" unless failures.empty?
    puts "#{title}: no error"
  end

  # The AddressSanitizer + UndefinedBehaviorSanitizer variant of the extension and the run against it.
  module Asan
    DIR = File.join(Mysql2Memcheck::ROOT, "tmp", "asan")
    BUILD_DIR = File.join(DIR, "build")
    LIB_DIR = File.join(DIR, "lib")
    SO = File.join(LIB_DIR, "mysql2", "mysql2.so")
    REPORT_DIR = File.join(DIR, "reports")
    # Ruby is not built with ASan and unwinds exceptions with __builtin_longjmp, which ASan cannot intercept: the
    # redzones that instrumented frames poison on the machine stack stay poisoned after rb_raise jumps over them, and
    # a later libc call from Ruby on that stack (clock_gettime, memcpy...) is then reported as a stack overflow that
    # is not one. So the stack is not instrumented (asan-stack=0); heap and global accesses of the extension are.
    EXTRA_CFLAGS = "--param=asan-stack=0"
    # Sanitizer reports go to files (one per process, forked children included) and are checked after the run.
    # detect_leaks=0: Ruby does not free its heap at exit, so LeakSanitizer would report all of Ruby (leaks are
    #   the valgrind task's job).
    # use_sigaltstack=0: Ruby installs its own alternate signal stack per thread; ASan's would be unmapped twice
    #   when a thread exits ("failed to deallocate").
    # detect_stack_use_after_return=0: Ruby switches machine stacks (fibers) behind ASan's back.
    ASAN_OPTIONS = %w[detect_leaks=0 abort_on_error=1 halt_on_error=1 use_sigaltstack=0
                      detect_stack_use_after_return=0 verify_asan_link_order=0 print_summary=1].freeze
    UBSAN_OPTIONS = %w[halt_on_error=1 abort_on_error=1 print_stacktrace=1 print_summary=1].freeze
    # UBSan prints its report on stderr and only the SUMMARY line to its log file.
    ERROR = Regexp.union(/ERROR: \w+Sanitizer/, /SUMMARY: \w+Sanitizer/, "runtime error:", "CHECK failed")

    extend Rake::FileUtilsExt

    module_function

    def build
      FileUtils.mkdir_p(BUILD_DIR)
      configure unless configured?
      sh "make", "-j#{Etc.nprocessors}", "cppflags=#{EXTRA_CFLAGS}", chdir: BUILD_DIR
      FileUtils.mkdir_p(File.dirname(SO))
      # Copy, then rename: a process that has the old .so mapped keeps its inode (rewriting it in place would
      # crash that process with SIGBUS on its next instruction fetch from the library).
      FileUtils.cp(File.join(BUILD_DIR, "mysql2.so"), "#{SO}.tmp", preserve: true)
      File.rename("#{SO}.tmp", SO)
      puts "sanitizer build: #{SO}"
    end

    # The Makefile is regenerated (and the objects rebuilt) when extconf.rb, the set of source files (mkmf lists
    # them in the Makefile) or the extra flags change.
    def configured?
      makefile = File.join(BUILD_DIR, "Makefile")
      File.exist?(makefile) && File.mtime(makefile) >= File.mtime(File.join(Mysql2Memcheck::ROOT, extconf)) &&
        File.read(stamp, encoding: "UTF-8") == fingerprint
    rescue SystemCallError
      false
    end

    def fingerprint
      sources = Dir[File.join(Mysql2Memcheck::ROOT, "ext/mysql2/*.{c,h}")].map { |f| File.basename(f) }.sort
      [EXTRA_CFLAGS, *sources].join("\n")
    end

    def configure
      sh({ "MYSQL2_SANITIZE" => "1" }, RbConfig.ruby, File.join(Mysql2Memcheck::ROOT, extconf), "--with-sanitize",
         chdir: BUILD_DIR)
      sh "make", "clean", chdir: BUILD_DIR
      File.write(stamp, fingerprint)
    end

    def extconf = "ext/mysql2/extconf.rb"
    def stamp = File.join(BUILD_DIR, "memcheck.stamp")

    def runtime
      path = `gcc -print-file-name=libasan.so`.strip
      return path if File.exist?(path)

      abort "libasan.so not found (gcc -print-file-name=libasan.so said #{path.inspect}); install gcc"
    end

    def env
      Mysql2Memcheck.base_env("asan").merge(
        "MYSQL2_EXT_DIR" => LIB_DIR,
        # Ruby is not linked against ASan, so its runtime has to come first in the process.
        "LD_PRELOAD" => [runtime, ENV.fetch("LD_PRELOAD", nil)].compact.join(":"),
        "ASAN_OPTIONS" => options(ASAN_OPTIONS, "asan", ENV.fetch("ASAN_OPTIONS", nil)),
        "UBSAN_OPTIONS" => options(UBSAN_OPTIONS, "ubsan", ENV.fetch("UBSAN_OPTIONS", nil))
      )
    end

    # Options given in the environment come last and win.
    def options(defaults, prefix, given)
      [*defaults, "log_path=#{File.join(REPORT_DIR, prefix)}", given].compact.join(":")
    end

    def spec
      Mysql2Memcheck.fresh_dir(REPORT_DIR)
      status = Mysql2Memcheck.run(env, Mysql2Memcheck.rspec_command)
      failures = []
      failures << "rspec exited with #{status.exitstatus || status}" unless status.success?
      failures.concat(reports)
      Mysql2Memcheck.finish("spec:asan", failures)
    end

    # Prints every report file; returns one failure line for each that holds an error.
    def reports
      Dir[File.join(REPORT_DIR, "*")].filter_map do |file|
        text = File.read(file, encoding: "UTF-8", invalid: :replace)
        warn "---- #{file}\n#{text}"
        "sanitizer error in #{file}" if text.match?(ERROR)
      end
    end
  end

  # The run under valgrind memcheck and the reading of its logs.
  module Valgrind
    LOG_DIR = File.join(Mysql2Memcheck::ROOT, "tmp", "valgrind")
    SUPPRESSIONS = File.join(Mysql2Memcheck::ROOT, "spec", "support", "valgrind.supp")
    # Stacks. Valgrind takes a jump of the stack pointer by more than --max-stackframe for a switch to another stack
    # and a smaller one for a frame being pushed or popped: it then marks the memory between as undefined or
    # unaddressable. Ruby without valgrind support does not tell it about its stacks, so every stack switch must be
    # a big jump and every frame a small one, or live stack becomes "invalid" (thousands of false errors):
    # - the non-blocking API runs libmariadb on a 256 KB coroutine stack from malloc, which can lie right next to a
    #   thread's stack: switches can be as short as ~400 KB, hence --max-stackframe=320 KB (default 2 MB);
    # - Ruby puts a thread's VM stack (1 MB) on its machine stack with alloca, one frame: 256 KB keeps it under that;
    # - Ruby pools fiber stacks 640 KB apart: 8 MB fiber stacks put every fiber switch far beyond it.
    # Also: valgrind 3.19 does not know epoll_pwait2 (ENOSYS), and the async gem's default selector (io-event's
    # EPoll) then spins instead of waiting; its pure-Ruby Select selector waits with ppoll, which valgrind knows.
    RUN_ENV = { "RUBY_THREAD_VM_STACK_SIZE" => (256 * 1024).to_s,
                "RUBY_FIBER_MACHINE_STACK_SIZE" => (8 * 1024 * 1024).to_s,
                "IO_EVENT_SELECTOR" => "Select" }.freeze
    MAX_STACKFRAME = (320 * 1024).to_s
    # Leaks: Ruby does not free its heap at exit, and at a normal exit it even frees its heap pages without freeing
    # what the objects in them point to, so every live string's buffer would be a "definite leak" allocated wherever
    # the string was made (thousands of records, the extension's rb_str_new calls included). So rspec is ended with
    # exit! (see rspec_command), leaks do not count for the exit code (--errors-for-leak-kinds=none), and the logs
    # are read afterwards: a definite leak fails the task only when the extension allocated the block, i.e. between
    # the allocator and the first ext/mysql2 frame there is no named Ruby frame other than Ruby's malloc wrappers
    # (ruby_xmalloc..., often tail-called away: ALLOC_N shows as libruby "???"). That keeps malloc/calloc/strdup and
    # ALLOC/xmalloc in the extension and libmariadb's allocations under it, and drops blocks that a Ruby API
    # (rb_sprintf, rb_define_method...) allocated for a Ruby object.
    OPTIONS = %W[--tool=memcheck --error-exitcode=99 --num-callers=30 --suppressions=#{SUPPRESSIONS}
                 --trace-children=no --error-limit=no --fair-sched=yes --fullpath-after=
                 --leak-check=full --show-leak-kinds=definite --errors-for-leak-kinds=none
                 --max-stackframe=#{MAX_STACKFRAME} --log-file=#{File.join(LOG_DIR, "valgrind.%p.log")}].freeze
    PROJECT_FRAME = %r{\((?:[^()]*/)?ext/mysql2/[^/():]+:\d+\)|\(in [^()]*/mysql2/mysql2\.so\)}
    RUBY_FRAME = %r{\(in [^()]*/(?:libruby[^()/]*|bin/ruby[^()/]*)\)}
    RUBY_XMALLOC = /: ruby_x\w+ \(/
    ERROR_SUMMARY = /^==\d+== ERROR SUMMARY: (\d+) errors/

    module_function

    # The build under test: lib/'s, or the one in MYSQL2_EXT_DIR (as for the specs).
    def ext_dir
      File.expand_path(ENV.fetch("MYSQL2_EXT_DIR", "lib"), Mysql2Memcheck::ROOT)
    end

    def check_prerequisites
      system("valgrind", "--version", out: File::NULL, err: File::NULL) or
        abort "valgrind not found: apt-get install valgrind"
      so = File.join(ext_dir, "mysql2", "mysql2.so")
      abort "#{so} is missing: run `rake compile` first" unless File.exist?(so)
      stale = Dir[File.join(Mysql2Memcheck::ROOT, "ext/mysql2/*.{c,h,rb}")].select { |f| File.mtime(f) > File.mtime(so) }
      warn "warning: #{so} is older than #{stale.map { |s| File.basename(s) }.join(", ")}" unless stale.empty?
    end

    def env
      Mysql2Memcheck.base_env("valgrind").merge(RUN_ENV, "MYSQL2_EXT_DIR" => ext_dir)
    end

    # rspec, left with exit! once it has run (after(:suite) included), so that Ruby's heap stays whole (see Leaks).
    def rspec_command
      ruby, bundler, _rspec, *args = Mysql2Memcheck.rspec_command
      [ruby, bundler, "-e", <<~RUBY.tr("\n", ";"), "--", *args]
        require "rspec/core"
        status = RSpec::Core::Runner.run(ARGV)
        $stdout.flush
        $stderr.flush
        exit!(status)
      RUBY
    end

    def spec
      check_prerequisites
      Mysql2Memcheck.fresh_dir(LOG_DIR)
      status = Mysql2Memcheck.run(env, ["valgrind", *OPTIONS, *rspec_command])
      failures = []
      failures << "valgrind reported errors (exit 99)" if status.exitstatus == 99
      failures << "rspec exited with #{status.exitstatus || status}" unless status.success? || status.exitstatus == 99
      Dir[File.join(LOG_DIR, "*.log")].each { |log| failures.concat(check_log(log)) }
      Mysql2Memcheck.finish("spec:valgrind", failures)
    end

    # Prints the errors and the project's definite leaks of one process's log; returns the failure lines.
    def check_log(log)
      text = File.read(log, encoding: "UTF-8", invalid: :replace)
      blocks = blocks(text)
      errors = blocks.select { |b| error?(b) || crash?(b) }
      leaks = blocks.select { |b| b.first.include?("are definitely lost") && project_allocation?(b) }
      report(log, errors, leaks)
      failures(log, error_count(text, errors), errors.any? { |b| crash?(b) }, leaks.size)
    end

    def failures(log, errors, crashed, leaks)
      failures = []
      failures << "#{errors} error(s) in #{log}" if errors.positive?
      failures << "the process crashed: #{log}" if crashed
      failures << "#{leaks} definite leak(s) from ext/mysql2 in #{log}" if leaks.positive?
      failures
    end

    # See the note on leaks above.
    def project_allocation?(block)
      frames = block.grep(/^\s+(at|by) 0x/)
      first = frames.index { |f| f.match?(PROJECT_FRAME) } or return false
      ruby = frames[0...first].grep(RUBY_FRAME)
      ruby.all? { |f| f.match?(RUBY_XMALLOC) || f.include?(": ??? (") }
    end

    # The log's ERROR SUMMARY (a forked child's includes the parent's errors from before the fork); a process killed
    # before it could write one counts its error records.
    def error_count(text, errors)
      text[ERROR_SUMMARY, 1]&.to_i || errors.size
    end

    # The log's records (errors, leaks, notes) as arrays of lines without the ==pid== prefix: a record starts at an
    # unindented line (warnings are not followed by a blank line).
    def blocks(text)
      text.each_line.grep(/^==\d+==/).map { |l| l.sub(/^==\d+== ?/, "").chomp }.reject(&:empty?)
          .slice_before { |line| !line.start_with?(" ") }
    end

    # A record with a stack that is not a leak, a warning or the note about a signal that ended the process.
    def error?(block)
      block.any?(/^\s+at 0x/) && !block.first.match?(/lost in loss record|^Warning|^Process terminating/)
    end

    # The process died of a crash (Ruby turns SIGSEGV into SIGABRT) rather than of a signal a spec sent.
    def crash?(block)
      block.first.match?(/^Process terminating with default action of signal (4|6|7|8|11) /)
    end

    def report(log, errors, leaks)
      return if errors.empty? && leaks.empty?

      warn "---- #{log}: #{errors.size} error record(s), #{leaks.size} project leak record(s)"
      (errors + leaks).first(50).each { |b| warn b.join("\n"), "" }
    end
  end
end

namespace :compile do
  desc "Build the extension with AddressSanitizer + UBSan into tmp/asan (not lib/)"
  task :asan do
    Mysql2Memcheck::Asan.build
  end
end

namespace :spec do
  desc "Run the specs (SPEC=..., default spec/engine spec/mysql2) against the ASan + UBSan build"
  task asan: ["compile:asan", "db:start"] do
    Mysql2Memcheck::Asan.spec
  end

  desc "Run the specs (SPEC=..., default spec/engine spec/mysql2) under valgrind memcheck (uses lib/'s build)"
  task valgrind: "db:start" do
    Mysql2Memcheck::Valgrind.spec
  end
end
