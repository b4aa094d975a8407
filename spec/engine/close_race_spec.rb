# frozen_string_literal: true

require "spec_helper"

# close from another thread racing every kind of command (contract §2). Each race: start the command in a thread,
# close after a random delay, and require that close returns, the thread ends in bounded time, and the command
# either completed or raised Mysql2::Error::ConnectionError.
RSpec.describe "close racing a command from another thread", :gc_stress do
  def race(name, iterations: iterations(200), max_delay: 0.004, **opts)
    outcomes = Hash.new(0)
    iterations.times do
      client = new_client(**opts)
      worker = Thread.new do
        Thread.current.report_on_exception = false
        yield client
        :completed
      rescue Mysql2::Error::ConnectionError
        :cancelled
      end
      sleep(rand * max_delay)
      expect(client.close).to be_nil
      expect(client).to be_closed
      expect(worker.join(10)).not_to be_nil, "#{name}: the racing thread hung"
      outcomes[worker.value] += 1
      expect(client.close).to be_nil
    end
    outcomes
  end

  it "never breaks ping (which only ever answers true or false)" do
    answers = []
    race("ping") { |c| answers << c.ping }
    expect(answers).to all(be(true).or(be(false)))
  end

  it "never breaks a query with a large result" do
    outcomes = race("large result", max_delay: 0.02) do |c|
      expect(c.query("SELECT seq, REPEAT('x', 100) AS pad FROM seq_1_to_20000").count).to eq(20_000)
    end
    expect(outcomes.keys - %i[completed cancelled]).to be_empty
  end

  it "never breaks SELECT SLEEP(0.01)" do
    outcomes = race("sleep", max_delay: 0.02) { |c| c.query("SELECT SLEEP(0.01)") }
    expect(outcomes[:cancelled]).to be_positive
  end

  it "never breaks a streaming each" do
    race("stream", max_delay: 0.02) do |c|
      c.query("SELECT seq FROM seq_1_to_50000", stream: true, cache_rows: false).each { |row| row }
    end
  end

  it "never breaks select_db" do
    race("select_db") { |c| 5.times { |i| c.select_db(i.even? ? "mysql2_test_other" : "mysql2_test") } }
  end

  it "never breaks next_result / store_result of a multi-statement query" do
    race("next_result", max_delay: 0.03, flags: Mysql2::Client::MULTI_STATEMENTS) do |c|
      c.query("SELECT 1; SELECT SLEEP(0.01); SELECT 3")
      c.store_result while c.next_result
    end
  end

  it "never breaks an async query and its async_result" do
    race("async", max_delay: 0.02) do |c|
      c.query("SELECT SLEEP(0.01) AS s", async: true)
      c.async_result
    end
  end

  it "never breaks prepare + execute" do
    race("prepare") { |c| c.prepare("SELECT ?").execute(1) }
  end

  it "survives the reproducer from the report that started this project, 1000 times" do
    iterations(1000).times do
      c = new_client
      t = Thread.new { c.ping }
      c.close
      expect(t.join(10)).not_to be_nil
      expect(t.value).to be(true).or be(false)
    end
  end

  it "cancels a long query at once instead of waiting for it" do
    client = new_client
    worker = Thread.new { client.query("SELECT SLEEP(30)") }
    worker.report_on_exception = false
    eventually { server_runs_query?(client.thread_id) }
    client.close
    expect { worker.join(5) }.to raise_error(Mysql2::Error::ConnectionError, /closed while the command \(query\)/)
  end
end
