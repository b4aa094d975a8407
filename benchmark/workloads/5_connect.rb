# frozen_string_literal: true

# (5) Connect (TCP, authentication, default database) and close, per second.
module Bench
  workload "connect", group: "5", title: "connect + close", metric: :per_sec,
                      full: [7, 60], quick: [1, 3], floor: ["connect", ""] do |ctx|
    ctx.per_op { ctx.driver.close(ctx.driver.connect) }
  end
end
