# frozen_string_literal: true

# One benchmark process: `ruby benchmark/worker.rb DRIVER WORKLOAD[,WORKLOAD...] [--quick]`, with the server in
# BENCH_HOST, BENCH_PORT, BENCH_USER, BENCH_PASSWORD, BENCH_DATABASE. The runner (benchmark/runner.rb) starts it
# with the driver's own load path: this checkout's lib/ for "ours", GEM_PATH=tmp/peers for the others. Prints
# one JSON line per workload: {"workload", "driver", "raw", "samples"} or "na" / "error" instead of "raw".
require "json"
require_relative "workload"
require_relative "drivers"

module Bench
  # Runs the named workloads in this process and prints their JSON lines.
  module Worker
    module_function

    def db_config
      {
        host: ENV.fetch("BENCH_HOST", "127.0.0.1"), port: Integer(ENV.fetch("BENCH_PORT", "3306")),
        username: ENV.fetch("BENCH_USER", "root"), password: ENV.fetch("BENCH_PASSWORD", ""),
        database: ENV.fetch("BENCH_DATABASE", Dataset::DATABASE)
      }
    end

    def run(argv)
      quick = !argv.delete("--quick").nil?
      driver_name, names = argv
      db = db_config
      driver = Drivers.load(driver_name, db)
      workloads = Bench.load_workloads
      names.split(",").each do |name|
        workload = workloads.find { |w| w.name == name } or abort "unknown workload #{name}"
        $stdout.puts JSON.generate(measure(workload, driver, db, quick))
        $stdout.flush
      end
    end

    def measure(workload, driver, db, quick)
      line = { workload: workload.name, driver: driver.name, version: driver.version, loaded_from: driver.loaded_from,
               bigdecimal: defined?(BigDecimal::VERSION) ? BigDecimal::VERSION : nil }
      context = Context.new(driver, db, workload.params(quick), quick)
      raw, samples = workload.body.call(context)
      line.merge(raw: raw, samples: samples)
    rescue NotSupported => e
      line.merge(na: e.message)
    rescue StandardError => e
      line.merge(error: "#{e.class}: #{e.message}")
    ensure
      begin
        driver.close(context.instance_variable_get(:@client)) if context&.instance_variable_get(:@client)
      rescue StandardError
        nil
      end
    end
  end
end

Bench::Worker.run(ARGV.dup) if $PROGRAM_NAME == __FILE__
