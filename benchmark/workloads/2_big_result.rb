# frozen_string_literal: true

# (2) 50,000 rows of 10 columns (INT, BIGINT, VARCHAR, DATETIME, DECIMAL, DOUBLE, TINYINT(1), DATE), cast: as
# hashes, as arrays, and streamed (stream: true, cache_rows: false; the floor uses mysql_use_result).
module Bench
  workload "big_hash", group: "2", title: "50,000 rows × 10 cols, hashes", metric: :ms,
                       full: [5, 1], quick: [1, 1], floor: ["store", :big] do |ctx|
    sql, rows = ctx.big
    ctx.per_op(expect: rows) { ctx.driver.hashes(ctx.client, sql) }
  end

  workload "big_array", group: "2", title: "50,000 rows × 10 cols, arrays", metric: :ms,
                        full: [5, 1], quick: [1, 1], floor: ["store", :big] do |ctx|
    sql, rows = ctx.big
    ctx.per_op(expect: rows) { ctx.driver.arrays(ctx.client, sql) }
  end

  workload "big_stream", group: "2", title: "50,000 rows × 10 cols, streamed hashes", metric: :ms,
                         full: [5, 1], quick: [1, 1], floor: ["use", :big] do |ctx|
    sql, rows = ctx.big
    ctx.per_op(expect: rows) { ctx.driver.stream(ctx.client, sql) }
  end
end
