# frozen_string_literal: true

require_relative "dataset"

# The benchmark suite of issue 8: benchmark/README.md.
module Bench
  # How a raw measurement (what a worker or the floor prints) is shown, and which way is better.
  #   raw seconds per operation: :ms, :us (lower is better), :per_sec (shown as 1/raw, higher is better)
  #   raw value as it is: :sec (wall time), :mb (peak RSS), :objects (allocations per row), all lower is better
  METRICS = {
    ms: { label: "ms", scale: 1e3, better: :lower },
    us: { label: "µs", scale: 1e6, better: :lower },
    per_sec: { label: "/s", invert: true, better: :higher },
    sec: { label: "s", scale: 1.0, better: :lower },
    mb: { label: "MB", scale: 1.0, better: :lower },
    objects: { label: "objects/row", scale: 1.0, better: :lower }
  }.freeze

  # One workload: what the report shows (group, title, metric) and how a worker measures it. `full` and `quick`
  # are [batches, operations per batch] for the per-operation workloads (the value of a process is the median of
  # its batches), or a count of repetitions for the others. `floor` is the C program's mode and SQL, nil when the
  # floor has no equivalent. `rounds` multiplies the run's rounds for this workload (round trips: short processes
  # whose values move the most from one process to the next).
  Workload = Struct.new(:name, :group, :title, :metric, :full, :quick, :floor, :rounds, :body,
                        keyword_init: true) do
    def display(raw)
      return nil if raw.nil?

      spec = METRICS.fetch(metric)
      spec[:invert] ? 1.0 / raw : raw * spec[:scale]
    end

    def unit
      METRICS.fetch(metric)[:label]
    end

    def better
      METRICS.fetch(metric)[:better]
    end

    # How many times better this gem is than `other` (> 1: this gem is faster / smaller), from raw values.
    def ratio(ours_raw, other_raw)
      return nil if ours_raw.nil? || other_raw.nil? || ours_raw.zero? || other_raw.zero?

      other_raw / ours_raw # every raw value is lower-is-better (per_sec is stored as seconds per operation)
    end

    def params(quick)
      quick ? self.quick : full
    end

    def round_factor
      rounds || 1
    end
  end

  WORKLOADS = [] # rubocop:disable Style/MutableConstant -- filled by Bench.workload as the files load

  def self.workload(name, **attrs, &body)
    WORKLOADS << Workload.new(name: name, body: body, **attrs)
  end

  def self.load_workloads
    Dir[File.join(__dir__, "workloads", "*.rb")].each { |file| require file }
    WORKLOADS
  end

  def self.median(values)
    sorted = values.compact.sort
    return nil if sorted.empty?

    mid = sorted.size / 2
    sorted.size.odd? ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2.0
  end

  # What a workload body gets in the worker process: the driver adapter, one connection, and timing helpers.
  class Context
    attr_reader :driver, :params

    def initialize(driver, db, params, quick)
      @driver = driver
      @db = db
      @params = params
      @quick = quick
    end

    def quick?
      @quick
    end

    # The 50,000-row query and its row count (fewer rows in a quick run).
    def big
      Dataset.big(quick?)
    end

    def client
      @client ||= driver.connect
    end

    def now(clock = Process::CLOCK_MONOTONIC)
      Process.clock_gettime(clock)
    end

    # Runs one warm-up batch (not in a quick run), then `batches` batches of `per_batch` operations; the block
    # gets the operation's index and returns what it read, which must equal `expect` (when given). Returns the
    # median seconds per operation over the batches, and the batches' values. `clock` is what is timed: wall
    # time, or this process's CPU time (user and system) with Process::CLOCK_PROCESS_CPUTIME_ID.
    def per_op(expect: nil, clock: Process::CLOCK_MONOTONIC, &block)
      batches, per_batch = params
      run_batch(0, per_batch, expect, &block) unless quick?
      GC.start
      samples = Array.new(batches) do |batch|
        started = now(clock)
        run_batch((batch + 1) * per_batch, per_batch, expect, &block)
        (now(clock) - started) / per_batch
      end
      [Bench.median(samples), samples]
    end

    private

    def run_batch(first, count, expect)
      count.times do |i|
        got = yield(first + i)
        raise "read #{got.inspect}, expected #{expect.inspect}" if expect && got != expect
      end
    end
  end
end
