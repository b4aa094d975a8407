# frozen_string_literal: true

# (7) Wall time of 8 threads, then of 20 fibers (async gem, one connection each, connected beforehand), each
# running SELECT SLEEP(0.1) once. Overlapping perfectly gives 0.1 s; a driver that holds the GVL, or that
# blocks the thread under a Fiber scheduler, shows up to 0.8 s / 2 s. Median of the repetitions.
module Bench
  workload "threads", group: "7", title: "8 threads × SELECT SLEEP(0.1), wall", metric: :sec,
                      full: 3, quick: 1, floor: ["threads", "SELECT SLEEP(0.1)"] do |ctx|
    clients = Array.new(8) { ctx.driver.connect }
    samples = Array.new(ctx.params) do
      started = ctx.now
      clients.map { |client| Thread.new { ctx.driver.first_row(client, "SELECT SLEEP(0.1)") } }.each(&:join)
      ctx.now - started
    end
    clients.each { |client| ctx.driver.close(client) }
    [Bench.median(samples), samples]
  end

  workload "fibers", group: "7", title: "20 fibers (async) × SELECT SLEEP(0.1), wall", metric: :sec,
                     full: 3, quick: 1, floor: nil do |ctx|
    begin
      require "async"
    rescue LoadError => e
      raise NotSupported, "the async gem is not available (#{e.message})"
    end
    clients = Array.new(20) { ctx.driver.connect }
    samples = Array.new(ctx.params) do
      started = ctx.now
      Async do |task|
        clients.map { |client| task.async { ctx.driver.first_row(client, "SELECT SLEEP(0.1)") } }.each(&:wait)
      end
      ctx.now - started
    end
    clients.each { |client| ctx.driver.close(client) }
    [Bench.median(samples), samples]
  end
end
