# frozen_string_literal: true

# (3) Round trips on one connection: SELECT 1, a point select by primary key (a different id each time, the same
# walk for every driver), and that point select through a prepared statement (prepared once). Besides the wall
# time, SELECT 1 is also timed in the client's own CPU time (user and system, this process only): the part of a
# round trip that a driver decides, without the server's time and the wait for the reply. Each runs three times
# as many rounds as the others: a process's value moves by 10 - 30% from one process to the next.
module Bench
  workload "select1", group: "3", title: "SELECT 1", metric: :per_sec,
                      full: [7, 1500], quick: [1, 20], rounds: 3, floor: ["store", "SELECT 1"] do |ctx|
    ctx.per_op(expect: 1) { ctx.driver.first_row(ctx.client, "SELECT 1").size }
  end

  workload "select1_cpu", group: "3", title: "SELECT 1, client CPU time per query", metric: :us,
                          full: [7, 1500], quick: [1, 20], rounds: 3, floor: nil do |ctx|
    ctx.per_op(expect: 1, clock: Process::CLOCK_PROCESS_CPUTIME_ID) do
      ctx.driver.first_row(ctx.client, "SELECT 1").size
    end
  end

  workload "point", group: "3", title: "point select by primary key", metric: :per_sec,
                    full: [7, 1000], quick: [1, 20], rounds: 3,
                    floor: ["point", Dataset::POINT_SQL_PREFIX] do |ctx|
    ctx.per_op(expect: 10) { |i| ctx.driver.first_row(ctx.client, "#{Dataset::POINT_SQL_PREFIX}#{Dataset.point_id(i)}").size }
  end

  workload "point_prepared", group: "3", title: "point select, prepared statement", metric: :per_sec,
                             full: [7, 1000], quick: [1, 20], rounds: 3,
                             floor: ["prepared", Dataset::POINT_SQL_PREPARED] do |ctx|
    statement = ctx.driver.prepare(ctx.client, Dataset::POINT_SQL_PREPARED)
    ctx.per_op(expect: 10) { |i| ctx.driver.execute_first(statement, Dataset.point_id(i)).size }
  end
end
