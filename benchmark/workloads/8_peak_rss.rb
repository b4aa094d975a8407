# frozen_string_literal: true

# (8) Peak RSS (VmHWM, MB) of the process after reading 100 results of 50,000 rows as hashes one after the
# other, each dropped before the next (the quick run reads 2). One value per process.
module Bench
  workload "peak_rss", group: "8", title: "peak RSS after 100 × 50,000-row results", metric: :mb,
                       full: 100, quick: 2, floor: ["rss", :big] do |ctx|
    sql, expected = ctx.big
    ctx.params.times do
      rows = ctx.driver.hashes(ctx.client, sql)
      raise "read #{rows} rows, expected #{expected}" unless rows == expected
    end
    peak_kb = File.read("/proc/self/status")[/^VmHWM:\s+(\d+)/, 1].to_i
    [peak_kb / 1024.0, [peak_kb / 1024.0]]
  end
end
