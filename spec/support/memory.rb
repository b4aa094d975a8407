# frozen_string_literal: true

module Mysql2Test
  # RSS growth measurement for the examples tagged :rss (the memcheck tasks and the M2_TEST_GC modes leave them
  # out: sanitizers quarantine freed memory, and compaction checks double the heap, so RSS says nothing there).
  module Memory
    def rss_mb
      File.read("/proc/self/status")[/^VmRSS:\s+(\d+)/, 1].to_i / 1024.0
    end

    # Runs the block `warmup` times, then `count` times; returns the RSS growth (MB) over the second part. A full
    # GC every count/20 iterations (in both parts) keeps the garbage between collections the same size whatever
    # Ruby's malloc limit has grown to in earlier specs, so that what remains is memory nothing can free.
    def growth(count, warmup: count / 10, &block)
      run_collecting(warmup, count / 20, &block)
      GC.start
      before = rss_mb
      run_collecting(count, count / 20, &block)
      GC.start
      (rss_mb - before).tap do |mb|
        warn format("rss: %<mb>+.1f MB over %<count>d iterations", mb: mb, count: count) if ENV["MYSQL2_RSS_VERBOSE"]
      end
    end

    def run_collecting(count, every)
      count.times do |i|
        yield i
        GC.start if (i % every) == every - 1
      end
    end
  end
end
