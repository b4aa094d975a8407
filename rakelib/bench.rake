# frozen_string_literal: true

# The benchmark suite of issue 8 (benchmark/README.md):
#   rake bench         every workload, BENCH_ROUNDS interleaved rounds (default 5), writes benchmark/RESULTS.md and
#                      benchmark/ratios.svg
#   rake bench:quick   every workload once on fewer rows, in a few processes: a smoke test, no timing assertion;
#                      runs the peers only when tmp/peers has them (rake bench:peers)
#   rake bench:peers   installs the released mysql2 and trilogy into tmp/peers (never on this gem's load path)
#   rake bench:floor   builds the C floor (benchmark/floor.c) into tmp/bench/floor
# BENCH_WORKLOADS=big_hash,select1 and BENCH_DRIVERS=ours,mysql2 narrow a run (a narrowed full run writes its
# report to tmp/bench/ instead of benchmark/).
require "fileutils"

# Helpers of the bench tasks.
module BenchTasks
  ROOT = File.expand_path("..", __dir__)
  PEERS_DIR = File.join(ROOT, "tmp", "peers")
  PEERS = { "mysql2" => "0.5.7", "trilogy" => "~> 2.0" }.freeze
  FLOOR_SOURCE = File.join(ROOT, "benchmark", "floor.c")
  FLOOR = File.join(ROOT, "tmp", "bench", "floor")

  module_function

  def list(name)
    ENV.fetch(name, "").split(",").map(&:strip).reject(&:empty?).then { |l| l.empty? ? nil : l }
  end

  def run(quick:)
    require_relative "../benchmark/runner"
    rounds = Integer(ENV.fetch("BENCH_ROUNDS", "5"))
    workloads = list("BENCH_WORKLOADS")
    drivers = list("BENCH_DRIVERS")
    runner = Bench::Runner.new(quick: quick, rounds: rounds, workloads: workloads, drivers: drivers).run
    narrowed = quick || workloads || drivers || rounds < 5
    dir = narrowed ? File.join(ROOT, "tmp", "bench") : File.join(ROOT, "benchmark")
    FileUtils.mkdir_p(dir)
    report = runner.report
    report.write(dir)
    puts "", report.table, "", "wrote #{File.join(dir, "RESULTS.md")} and ratios.svg"
    abort "bench: failed:\n#{runner.errors.join("\n")}" unless runner.errors.empty?
  end
end

desc "Run the benchmark suite (benchmark/README.md) and write benchmark/RESULTS.md and benchmark/ratios.svg"
task bench: %w[compile bench:peers bench:floor] do
  BenchTasks.run(quick: false)
end

namespace :bench do
  desc "Run every benchmark workload once on fewer rows (smoke test, no timing assertion)"
  task quick: %w[compile bench:floor] do
    BenchTasks.run(quick: true)
  end

  desc "Install the released mysql2 and trilogy gems into tmp/peers for the benchmark"
  task :peers do
    BenchTasks::PEERS.each do |name, requirement|
      installed = Dir[File.join(BenchTasks::PEERS_DIR, "specifications", "#{name}-*.gemspec")].any? do |path|
        Gem::Requirement.new(requirement).satisfied_by?(Gem::Version.new(File.basename(path, ".gemspec")[/[\d.]+\z/]))
      end
      next if installed

      # --ignore-dependencies: their only dependency, bigdecimal, is Ruby's default gem, the one this gem uses.
      sh "gem", "install", "--install-dir", BenchTasks::PEERS_DIR, "--no-document", "--ignore-dependencies",
         "#{name}:#{requirement}"
    end
  end

  desc "Build the C floor of the benchmark (tmp/bench/floor)"
  task floor: BenchTasks::FLOOR

  file BenchTasks::FLOOR => BenchTasks::FLOOR_SOURCE do
    FileUtils.mkdir_p(File.dirname(BenchTasks::FLOOR))
    flags = `pkg-config --cflags --libs libmariadb`.split
    abort "pkg-config libmariadb failed: install libmariadb-dev and pkg-config" if flags.empty?
    sh "cc", "-O2", "-Wall", "-Wextra", "-Werror", "-o", BenchTasks::FLOOR, BenchTasks::FLOOR_SOURCE, *flags,
       "-lpthread"
  end
end
