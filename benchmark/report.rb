# frozen_string_literal: true

module Bench
  # Turns the runner's results into benchmark/RESULTS.md and the ratio chart benchmark/ratios.svg.
  class Report
    NAMES = { "ours" => "this gem", "mysql2" => "mysql2", "trilogy" => "trilogy", "floor" => "C floor" }.freeze
    PEERS = %w[mysql2 trilogy floor].freeze
    # The targets of issue 8: [workloads, peer, minimum ratio (this gem's advantage), label].
    TARGETS = [
      [%w[wide_cast wide_nocast big_hash big_array big_stream], "mysql2", 1.5, "≥ 1.5× mysql2 on (1) and (2)"],
      [%w[select1 point point_prepared], "mysql2", 1.15, "≥ 1.15× mysql2 on SELECT 1 and point selects"],
      [%w[escape], "mysql2", 1.5, "≥ 1.5× mysql2 on escape"],
      [%w[connect], "mysql2", 1.0, "no slower than mysql2 on connect"],
      [:all, "trilogy", 1.0, "ahead of trilogy wherever it runs"],
      [%w[big_hash], "floor", 1 / 2.5, "(2) hashes within 2.5× of the C floor"]
    ].freeze

    # What a run produced: the workloads and drivers it ran, results[workload name][driver] =
    # { raws: [one value per process], notes: [why a process gave none] }, the machine and versions.
    Run = Struct.new(:workloads, :drivers, :results, :machine, :rounds, :quick, keyword_init: true)

    def initialize(run)
      @workloads = run.workloads
      @drivers = run.drivers
      @results = run.results
      @machine = run.machine
      @rounds = run.rounds
      @quick = run.quick
    end

    def median_raw(workload, driver)
      Bench.median(@results[workload.name][driver][:raws])
    end

    # "5 rounds", or "5 rounds (15 for select1, point)" when some workloads have a round factor.
    def rounds_text
      text = @rounds == 1 ? "1 round" : "#{@rounds} rounds"
      more = extra_rounds.map { |n, workloads| "#{n} for #{workloads.map(&:name).join(", ")}" }
      more.empty? ? text : "#{text} (#{more.join("; ")})"
    end

    # Workloads run for more rounds than the others, grouped by their number of rounds.
    def extra_rounds
      return {} if @quick

      @workloads.reject { |w| w.round_factor == 1 }.group_by { |w| @rounds * w.round_factor }
    end

    def ratio(workload, driver)
      workload.ratio(median_raw(workload, "ours"), median_raw(workload, driver))
    end

    def cell(workload, driver)
      raw = median_raw(workload, driver)
      return format_value(workload.display(raw)) if raw

      notes = @results[workload.name][driver][:notes]
      return "—" unless @drivers.include?(driver)

      notes.any? { |n| n.start_with?("error") } ? "error" : "n/a"
    end

    def format_value(value)
      if value >= 1000 then format("%.0f", value).reverse.scan(/\d{1,3}/).join(",").reverse
      elsif value >= 100 then format("%.0f", value)
      elsif value >= 10 then format("%.1f", value)
      else format("%.3g", value)
      end
    end

    def format_ratio(value)
      value ? format("%.2f×", value) : "—"
    end

    def driver_header(driver)
      version = @machine[:versions][driver]
      version = @machine[:libmariadb] if driver == "floor"
      version ? "#{NAMES[driver]} #{version}" : NAMES[driver]
    end

    def table
      peers = PEERS.select { |d| @drivers.include?(d) }
      header = ["workload", "unit", *@drivers.map { |d| driver_header(d) }, *peers.map { |d| "vs #{NAMES[d]}" }]
      rows = @workloads.map do |w|
        ["(#{w.group}) #{w.title}", w.unit, *@drivers.map { |d| cell(w, d) },
         *peers.map { |d| format_ratio(ratio(w, d)) }]
      end
      markdown_table(header, rows)
    end

    def spread_table
      header = ["workload", *@drivers.map { |d| NAMES[d] }]
      rows = @workloads.map do |w|
        [w.name, *@drivers.map do |d|
          raws = @results[w.name][d][:raws].map { |raw| w.display(raw) }.sort
          raws.empty? ? "—" : "#{format_value(raws.first)} – #{format_value(raws.last)} (#{raws.size})"
        end]
      end
      markdown_table(header, rows)
    end

    def markdown_table(header, rows)
      lines = ["| #{header.join(" | ")} |", "|#{header.map { |_| " --- " }.join("|")}|"]
      lines.concat(rows.map { |row| "| #{row.join(" | ")} |" })
      lines.join("\n")
    end

    def target_rows
      TARGETS.flat_map do |names, peer, minimum, label|
        targeted(names).filter_map do |w|
          value = ratio(w, peer) or next
          measured = peer == "floor" ? format("this gem takes %.2f× the floor's time", 1 / value) : format_ratio(value)
          [label, w.name, measured, value >= minimum ? "met" : "missed"]
        end
      end + allocation_target_rows
    end

    # The workloads a target names (:all: every timed one, not the allocation counts).
    def targeted(names)
      return @workloads.reject { |w| w.group == "6" } if names == :all

      @workloads.select { |w| names.include?(w.name) }
    end

    def allocation_target_rows
      allowed = Dataset.allowed_objects_per_row(@quick ? Dataset::QUICK_BIG_ROWS : Dataset::BIG_ROWS)
      @workloads.select { |w| w.group == "6" }.filter_map do |w|
        raw = median_raw(w, "ours") or next
        ["≤ #{format("%.2f", allowed)} objects per row (1 + non-nil, non-numeric cells)", w.name,
         format("%.2f", raw), raw <= allowed + 1e-9 ? "met" : format("missed by %.2f", raw - allowed)]
      end
    end

    def notes
      @workloads.flat_map do |w|
        @drivers.flat_map { |d| @results[w.name][d][:notes].map { |note| "- #{w.name}, #{NAMES[d]}: #{note}" } }
      end.uniq
    end

    def machine_table
      m = @machine
      rows = [
        ["CPU", "#{m[:cpu]}, #{m[:cores]} cores (shared with other workloads: see the load average)"],
        ["kernel", m[:kernel]], ["Ruby", m[:ruby]], ["MariaDB server", m[:server]],
        ["libmariadb (Connector/C)", m[:libmariadb]],
        ["drivers", @drivers.map { |d| driver_header(d) }.join(", ")],
        ["bigdecimal loaded", m[:bigdecimals].map { |d, v| "#{NAMES[d]} #{v}" }.join(", ")],
        ["async (fibers)", m[:async]], ["this gem's commit", m[:commit]],
        ["run", "#{m[:started_at]&.strftime("%Y-%m-%d %H:%M")} – #{m[:finished_at]&.strftime("%H:%M %Z")}"],
        ["load average (1/5/15 min)", "#{m[:load_before]} before, #{m[:load_after]} after"]
      ]
      markdown_table(%w[what value], rows)
    end

    def markdown
      <<~MD
        # Benchmark results

        Written by `rake #{@quick ? "bench:quick" : "bench"}` (benchmark/runner.rb); benchmark/README.md says what each
        workload measures and how. Do not edit by hand: run `rake bench` again.

        ## Machine

        #{machine_table}

        ## Results

        Medians over #{rounds_text} interleaved: each cell of a round is its own process, and
        within a process the value is the median of its batches. A "vs" column is that driver's median divided by
        this gem's (inverted for the per-second rows), so **above 1× means this gem is better** (faster, fewer
        objects, less memory) and below 1× means it is behind. The C floor builds no Ruby objects: its column is the
        lower bound, and "vs C floor" below 1× is expected.

        #{table}

        ![ratios](ratios.svg)

        ## The targets of issue 8

        #{markdown_table(%w[target workload measured result], target_rows)}

        ## Spread (min – max over the rounds, number of rounds)

        #{spread_table}

        ## Not measured

        #{notes.empty? ? "Nothing." : notes.join("\n")}
      MD
    end

    def write(dir)
      File.write(File.join(dir, "RESULTS.md"), markdown)
      File.write(File.join(dir, "ratios.svg"), Chart.new(self, @workloads, PEERS & @drivers).svg)
    end
  end

  # A horizontal bar chart of the ratios on a log scale, one group per workload, in plain SVG.
  class Chart
    COLORS = { "mysql2" => "#d9822b", "trilogy" => "#3a7bd5", "floor" => "#8a8a8a" }.freeze
    MIN = 0.125
    MAX = 16.0
    LEFT = 330
    WIDTH = 560
    BAR = 9
    GROUP = (BAR * 3) + 10
    TOP = 70

    def initialize(report, workloads, peers)
      @report = report
      @workloads = workloads
      @peers = peers
    end

    def x_of(ratio)
      clamped = ratio.clamp(MIN, MAX)
      LEFT + ((Math.log2(clamped) - Math.log2(MIN)) / (Math.log2(MAX) - Math.log2(MIN)) * WIDTH)
    end

    def svg
      height = TOP + (@workloads.size * GROUP) + 40
      parts = [header(height), grid(height), *bars, legend]
      parts << "</svg>\n"
      parts.join("\n")
    end

    private

    def esc(text)
      text.to_s.gsub("&", "&amp;").gsub("<", "&lt;").gsub(">", "&gt;")
    end

    def header(height)
      total = LEFT + WIDTH + 60
      <<~SVG.chomp
        <svg xmlns="http://www.w3.org/2000/svg" width="#{total}" height="#{height}" viewBox="0 0 #{total} #{height}" font-family="sans-serif" font-size="12">
        <rect width="100%" height="100%" fill="white"/>
        <text x="10" y="22" font-size="16" font-weight="bold">How many times better this gem is (log scale; right of 1× = this gem ahead)</text>
      SVG
    end

    def grid(height)
      ticks = [0.125, 0.25, 0.5, 1, 2, 4, 8, 16]
      ticks.map do |t|
        x = x_of(t).round(1)
        stroke = t == 1 ? %(stroke="#000" stroke-width="1.5") : %(stroke="#ddd")
        label = t < 1 ? "1/#{(1 / t).round}×" : "#{t}×"
        %(<line x1="#{x}" y1="#{TOP - 8}" x2="#{x}" y2="#{height - 30}" #{stroke}/>) +
          %(<text x="#{x}" y="#{height - 14}" text-anchor="middle">#{label}</text>)
      end.join("\n")
    end

    def bars
      @workloads.each_with_index.map do |w, index|
        y = TOP + (index * GROUP)
        title = esc("(#{w.group}) #{w.title}")
        label = %(<text x="#{LEFT - 8}" y="#{y + (GROUP / 2) + 1}" text-anchor="end">#{title}</text>)
        [label, *@peers.each_with_index.map { |peer, i| bar(w, peer, y + 2 + (i * BAR)) }].join("\n")
      end
    end

    def bar(workload, peer, top)
      ratio = @report.ratio(workload, peer)
      return "" unless ratio

      one = x_of(1.0)
      x = x_of(ratio)
      width = [(x - one).abs, 1].max.round(1)
      text_x = (ratio >= 1 ? x + 4 : x - 4).round(1)
      anchor = ratio >= 1 ? "start" : "end"
      %(<rect x="#{[one, x].min.round(1)}" y="#{top}" width="#{width}" height="#{BAR - 1}" fill="#{COLORS[peer]}"/>) +
        %(<text x="#{text_x}" y="#{top + BAR - 1}" font-size="9" text-anchor="#{anchor}">) +
        %(#{format("%.2f", ratio)}</text>)
    end

    def legend
      @peers.each_with_index.map do |peer, i|
        x = 10 + (i * 150)
        %(<rect x="#{x}" y="36" width="12" height="12" fill="#{COLORS[peer]}"/>) +
          %(<text x="#{x + 18}" y="46">vs #{Report::NAMES[peer]}</text>)
      end.join("\n")
    end
  end
end
