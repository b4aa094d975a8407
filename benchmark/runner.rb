# frozen_string_literal: true

require "English"
require "etc"
require "fileutils"
require "json"
require "open3"
require "rbconfig"
require "shellwords"
require_relative "workload"
require_relative "launcher"
require_relative "report"
require_relative "../spec/support/private_server"

module Bench
  # Runs the suite: sets the data set up, then starts one process per workload and driver in interleaved rounds
  # (round 1: workload 1 for A B C D, workload 2 for A B C D, ...; round 2: the same again), and writes the report.
  # A quick run starts one process per driver that runs every workload once, on fewer rows.
  class Runner
    ROOT = File.expand_path("..", __dir__)
    PEERS_DIR = Launcher::PEERS_DIR
    FLOOR = Launcher::FLOOR
    DRIVERS = %w[ours mysql2 trilogy floor].freeze

    attr_reader :results

    def initialize(quick:, rounds: 5, workloads: nil, drivers: nil, out: $stdout)
      @quick = quick
      @rounds = quick ? 1 : rounds
      @workloads = Bench.load_workloads.select { |w| workloads.nil? || workloads.include?(w.name) }
      @drivers = DRIVERS.select { |d| drivers.nil? || drivers.include?(d) }
      @out = out
      @results = Hash.new { |h, k| h[k] = Hash.new { |hh, kk| hh[kk] = { raws: [], notes: [] } } }
      @versions = {}
      @bigdecimals = {}
    end

    def run
      @server = Mysql2Test::PrivateServer.ensure_running!
      @launcher = Launcher.new(@server, quick: @quick)
      setup_dataset
      @drivers = @drivers.select { |driver| available?(driver) }
      @started_at = Time.now
      @load_before = File.read("/proc/loadavg").split.first(3).join(" ")
      @quick ? run_quick : run_rounds
      @finished_at = Time.now
      @load_after = File.read("/proc/loadavg").split.first(3).join(" ")
      self
    ensure
      stop_server
    end

    # "workload driver: error ..." for every process that failed (n/a is not a failure).
    def errors
      @results.flat_map do |workload, by_driver|
        by_driver.flat_map { |driver, entry| entry[:notes].grep(/\Aerror/).map { |e| "#{workload} #{driver}: #{e}" } }
      end
    end

    def report
      Report.new(Report::Run.new(workloads: @workloads, drivers: @drivers, results: @results, machine: machine_info,
                                 rounds: @rounds, quick: @quick))
    end

    private

    def log(message)
      @out.puts(message)
      @out.flush
    end

    def stop_server
      return unless Mysql2Test::PrivateServer.started_here? && ENV["MYSQL2_KEEP_SERVER"] != "1"

      Mysql2Test::PrivateServer.stop
    end

    def mariadb(sql, database: nil)
      command = ["mariadb", "--no-defaults", "-uroot", "-N", "-B"]
      command << (@server[:socket] ? "--socket=#{@server[:socket]}" : "--host=#{@server[:host]}")
      command << "--port=#{@server[:port]}" unless @server[:socket]
      command << "--password=#{@server[:password]}" unless @server[:password].to_s.empty?
      command << database if database
      output, status = Open3.capture2e(*command, stdin_data: sql)
      raise "mariadb failed: #{output}" unless status.success?

      output
    end

    def setup_dataset
      current = begin
        mariadb(Dataset::CHECK_SQL).split("\t").map(&:strip)
      rescue RuntimeError
        nil
      end
      return if current == Dataset.expected_check

      log "building the data set in #{Dataset::DATABASE} (#{Dataset::BIG_ROWS} + #{Dataset::TYPES_ROWS} rows)"
      mariadb(Dataset.build_script)
    end

    def available?(driver)
      case driver
      when "floor"
        File.executable?(FLOOR) || (log("floor: #{FLOOR} is not built (rake bench:floor): skipped") && false)
      when "mysql2", "trilogy"
        found = Dir[File.join(PEERS_DIR, "specifications", "#{driver}-*.gemspec")].any?
        found || (log("#{driver}: not installed in tmp/peers (rake bench:peers): skipped") && false)
      else true
      end
    end

    # Rounds beyond the run's own count go to the workloads with a round factor above 1, still interleaved.
    def run_rounds
      total = @workloads.sum { |w| @rounds * w.round_factor } * @drivers.size
      done = 0
      (@rounds * @workloads.map(&:round_factor).max).times do |round|
        @workloads.each do |workload|
          next if round >= @rounds * workload.round_factor

          @drivers.each do |driver|
            done += 1
            line = run_one(workload, driver)
            log format("[%<done>3d/%<total>d] round %<round>d %-15<w>s %-8<d>s %<line>s",
                       done: done, total: total, round: round + 1, w: workload.name, d: driver, line: line)
          end
        end
      end
    end

    def run_quick
      @drivers.each do |driver|
        if driver == "floor"
          @workloads.each { |workload| log "#{workload.name} floor #{run_one(workload, driver)}" }
        else
          lines = @launcher.ruby(driver, @workloads.map(&:name))
          lines.each { |data| log "#{data["workload"]} #{driver} #{record(data, driver)}" }
        end
      end
    end

    def run_one(workload, driver)
      if driver == "floor"
        return record({ "workload" => workload.name, "na" => "no C equivalent" }, driver) unless workload.floor

        data = @launcher.floor(workload).first
        record(data.merge("workload" => workload.name, "version" => libmariadb_version), driver)
      else
        record(@launcher.ruby(driver, [workload.name]).first, driver)
      end
    end

    # Keeps one process's line (a value, or why there is none); returns what the progress log shows.
    def record(data, driver)
      entry = @results[data["workload"]][driver]
      check_loaded_from(driver, data["loaded_from"]) if data["loaded_from"]
      @versions[driver] ||= data["version"]
      @bigdecimals[driver] ||= data["bigdecimal"]
      return note(entry, data) unless data["raw"]

      entry[:raws] << data["raw"]
      format("%.6g", data["raw"])
    end

    def note(entry, data)
      text = data["na"] ? "n/a: #{data["na"]}" : "error: #{data["error"]}"
      entry[:notes] << text unless entry[:notes].include?(text)
      text
    end

    # Each driver must come from where it was meant to: a mix-up would make the whole comparison meaningless.
    def check_loaded_from(driver, path)
      expected = driver == "ours" ? File.join(ROOT, "lib", "mysql2", "mysql2.so") : PEERS_DIR
      return if path.start_with?(expected)

      raise "#{driver} loaded its extension from #{path}, expected #{expected}"
    end

    def libmariadb_version
      @libmariadb_version ||= `pkg-config --modversion libmariadb 2>/dev/null`.strip
    end

    def machine_info
      cpu = File.read("/proc/cpuinfo")[/^model name\s*:\s*(.+)$/, 1]
      {
        cpu: cpu, cores: Etc.nprocessors, ruby: RUBY_DESCRIPTION,
        server: mariadb("SELECT VERSION()").strip, libmariadb: libmariadb_version,
        versions: @versions.compact, commit: `git -C #{ROOT.shellescape} rev-parse --short HEAD`.strip,
        started_at: @started_at, finished_at: @finished_at, load_before: @load_before, load_after: @load_after,
        bigdecimals: @bigdecimals.compact, async: Launcher.async_version, kernel: `uname -sr`.strip
      }
    end
  end
end
