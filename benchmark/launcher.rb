# frozen_string_literal: true

require "json"
require "open3"
require "rbconfig"
require_relative "dataset"

module Bench
  # Starts the benchmark's processes: a Ruby worker (benchmark/worker.rb) with one driver's load path, or the C
  # floor; returns the JSON lines they print.
  class Launcher
    ROOT = File.expand_path("..", __dir__)
    PEERS_DIR = File.join(ROOT, "tmp", "peers")
    FLOOR = File.join(ROOT, "tmp", "bench", "floor")
    WORKER = File.join(__dir__, "worker.rb")
    PROCESS_TIMEOUT = 300

    def self.async_version
      Gem::Dependency.new("async").matching_specs.max_by(&:version)&.version.to_s
    end

    def initialize(server, quick:)
      @server = server
      @quick = quick
    end

    # Runs the named workloads in one worker process of `driver`; one Hash per workload.
    def ruby(driver, names)
      run_process(env(driver), ruby_command(driver, names))
    end

    # Runs one workload in the C floor; a one-element Array.
    def floor(workload)
      run_process(server_env, floor_command(workload))
    end

    # The server for a worker or the floor: BENCH_HOST, BENCH_PORT...
    def server_env
      {
        "BENCH_HOST" => @server[:host].to_s, "BENCH_PORT" => @server[:port].to_s,
        "BENCH_USER" => @server[:username].to_s, "BENCH_PASSWORD" => @server[:password].to_s,
        "BENCH_DATABASE" => Dataset::DATABASE
      }
    end

    private

    # The environment of a worker: nothing of Bundler's, nothing of the caller's gem paths; the peers get
    # tmp/peers as their only gem directory, this gem gets only its own lib/ on the load path (plus, for both,
    # the async gem's directories for the fiber workload).
    def env(driver)
      env = ENV.keys.grep(/\A(BUNDLE_|BUNDLER_|RUBYOPT\z|RUBYLIB\z|GEM_HOME\z|GEM_PATH\z)/).to_h { |k| [k, nil] }
      env.merge!(server_env)
      env.merge!("GEM_HOME" => PEERS_DIR, "GEM_PATH" => PEERS_DIR) if %w[mysql2 trilogy].include?(driver)
      env
    end

    def ruby_command(driver, names)
      includes = async_load_path.flat_map { |dir| ["-I", dir] }
      includes = ["-I", File.join(ROOT, "lib"), *includes] if driver == "ours"
      [RbConfig.ruby, *includes, WORKER, driver, names.join(","), *(@quick ? ["--quick"] : [])]
    end

    # The require paths of the async gem and its runtime dependencies, from the bundle (rake runs under it).
    def async_load_path
      @async_load_path ||= begin
        seen = {}
        queue = [Gem::Dependency.new("async")]
        until queue.empty?
          dep = queue.shift
          next if seen[dep.name]

          spec = dep.matching_specs.max_by(&:version) or next
          seen[dep.name] = spec.full_require_paths
          queue.concat(spec.runtime_dependencies)
        end
        seen.values.flatten.uniq
      end
    end

    def floor_command(workload)
      mode, arg = workload.floor
      arg = Dataset.big(@quick).first if arg == :big
      params = workload.params(@quick)
      batches, per_batch = case mode
                           when "threads" then [params, 1]
                           when "rss" then [1, params]
                           else params
                           end
      [FLOOR, mode, batches.to_s, per_batch.to_s, arg]
    end

    def run_process(env, command)
      output, errors, status = Open3.capture3(env, "timeout", PROCESS_TIMEOUT.to_s, *command, chdir: ROOT)
      lines = output.lines.filter_map do |line|
        JSON.parse(line)
      rescue JSON::ParserError
        nil
      end
      return lines if status.success? && !lines.empty?

      message = "exit #{status.exitstatus}: #{errors.lines.last(3).join.strip}"
      lines.empty? ? [{ "error" => message }] : lines
    end
  end
end
