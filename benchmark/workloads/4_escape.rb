# frozen_string_literal: true

# (4) escape of a 1 KB string full of quotes, backslashes and newlines (about one byte in four needs escaping).
module Bench
  ESCAPE_INPUT = ("it's a \"quoted\" \\ line\n" * 50).byteslice(0, 1024).freeze

  workload "escape", group: "4", title: "escape a 1 KB string full of quotes", metric: :us,
                     full: [7, 20_000], quick: [1, 100], floor: ["escape", ESCAPE_INPUT] do |ctx|
    expected = ctx.driver.escape(ctx.client, ESCAPE_INPUT).bytesize
    ctx.per_op(expect: expected) { ctx.driver.escape(ctx.client, ESCAPE_INPUT).bytesize }
  end
end
