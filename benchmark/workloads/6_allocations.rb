# frozen_string_literal: true

# (6) Ruby objects allocated per row (GC.stat(:total_allocated_objects) delta over one query and iteration of
# the 50,000 rows, divided by 50,000), after one warm-up query. Deterministic: the minimum of the repetitions.
module Bench
  {
    "alloc_hash" => ["hashes", :hashes], "alloc_array" => ["arrays", :arrays], "alloc_stream" => ["streamed", :stream]
  }.each do |name, (label, method)|
    workload name, group: "6", title: "objects allocated per row, 50,000 rows, #{label}", metric: :objects,
                   full: 2, quick: 1, floor: nil do |ctx|
      sql, expected = ctx.big
      ctx.driver.public_send(method, ctx.client, sql)
      samples = Array.new(ctx.params) do
        before = GC.stat(:total_allocated_objects)
        rows = ctx.driver.public_send(method, ctx.client, sql)
        raise "read #{rows} rows, expected #{expected}" unless rows == expected

        (GC.stat(:total_allocated_objects) - before).fdiv(rows)
      end
      [samples.min, samples]
    end
  end
end
