# frozen_string_literal: true

# (1) SELECT * of 100 rows of the 25-column table with every common type, as hashes: with casting (Integer,
# BigDecimal, Float, Date, Time...), and with cast: false (every value a String). One query + iteration per op.
module Bench
  workload "wide_cast", group: "1", title: "100 rows × 25 cols, hashes, cast", metric: :ms,
                        full: [5, 150], quick: [1, 3], floor: ["store", Dataset::TYPES_SQL] do |ctx|
    ctx.per_op(expect: Dataset::TYPES_ROWS) { ctx.driver.hashes(ctx.client, Dataset::TYPES_SQL, cast: true) }
  end

  workload "wide_nocast", group: "1", title: "100 rows × 25 cols, hashes, cast: false", metric: :ms,
                          full: [5, 150], quick: [1, 3], floor: ["store", Dataset::TYPES_SQL] do |ctx|
    ctx.per_op(expect: Dataset::TYPES_ROWS) { ctx.driver.hashes(ctx.client, Dataset::TYPES_SQL, cast: false) }
  end
end
