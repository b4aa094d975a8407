# frozen_string_literal: true

require "spec_helper"

# Interrupts (contract §5): Thread#kill, Thread#raise and Timeout stop a waiting query at once; the connection is
# then invalidated (or reconnects); with :query_timeout the server stops the query too.
module Mysql2Test
  # Raised into a thread that is waiting for a query.
  class StopQuery < StandardError; end
end

RSpec.describe "interrupting a query" do
  # Bounded, not a benchmark: a 5-second query must be gone long before it would have finished.
  let(:bound) { 1.0 }

  def interrupt_with(kind, client)
    case kind
    when :timeout
      started = monotonic
      expect { Timeout.timeout(0.1) { client.query("SELECT SLEEP(5)") } }.to raise_error(Timeout::Error)
      monotonic - started - 0.1
    else
      worker = Thread.new do
        Thread.current.report_on_exception = false
        client.query("SELECT SLEEP(5)")
      end
      eventually { server_runs_query?(client.thread_id) }
      started = monotonic
      kind == :kill ? worker.kill : worker.raise(Mysql2Test::StopQuery)
      begin
        worker.join(5)
      rescue Mysql2Test::StopQuery
        nil
      end
      expect(worker).not_to be_alive
      monotonic - started
    end
  end

  %i[kill raise timeout].each do |kind|
    context "with #{kind}" do
      it "frees the thread at once and invalidates the connection" do
        client = new_client
        expect(interrupt_with(kind, client)).to be < bound
        expect(client).to be_closed
        expect { client.query("SELECT 1") }.to raise_error(Mysql2::Error, "MySQL client is not connected")
        expect(client.ping).to be(false)
      end

      it "reconnects on the next command with reconnect: true" do
        client = new_client(reconnect: true)
        old_id = client.thread_id
        interrupt_with(kind, client)
        expect(client.query("SELECT 5 AS five").first).to eq("five" => 5)
        expect(client.thread_id).not_to eq(old_id)
      end

      it "reconnects on a new socket even when the old descriptor number was reused" do
        client = new_client(reconnect: true)
        interrupt_with(kind, client)
        pipes = Array.new(4) { IO.pipe } # take the freed descriptor numbers
        expect(client.query("SELECT 6 AS six").first).to eq("six" => 6)
        expect(client.ping).to be(true)
      ensure
        pipes&.flatten&.each(&:close)
      end

      it "kills the orphaned query on the server when :query_timeout is set" do
        client = new_client(query_timeout: 30)
        id = client.thread_id
        interrupt_with(kind, client)
        # The SLEEP(5) has more than 4 s left: gone within 2 s means it was killed, not finished.
        expect(eventually(2) { !server_runs_query?(id) }).to be(true)
      end
    end
  end

  # Without a Fiber scheduler the wait is a poll with the GVL released (client_command.c wait_native): a signal
  # wakes it, its trap runs, and the wait goes on for what is left unless the trap raised.
  describe "signal traps" do
    around do |example|
      old = trap("USR2", "DEFAULT")
      example.run
    ensure
      trap("USR2", old)
    end

    # Sends USR2 to this process `times` times, `every` seconds apart, once the server runs `client`'s query. The
    # thread's value is whether it saw the query (and so signalled).
    def signal_during_query(client, times: 1, every: 0.05)
      Thread.new do
        next false unless eventually { server_runs_query?(client.thread_id) }

        times.times do
          Process.kill("USR2", Process.pid)
          sleep every
        end
        true
      end
    end

    [nil, :sleeping, :querying].each do |other|
      it "runs a raising trap at once#{" while another thread is #{other}" if other}" do
        client = new_client
        bystander = case other
                    when :sleeping then Thread.new { sleep }
                    when :querying then Thread.new { new_client.query("SELECT SLEEP(2)") }
                    end
        trap("USR2") { raise Mysql2Test::StopQuery }
        signaller = signal_during_query(client)
        started = monotonic
        expect { client.query("SELECT SLEEP(5)") }.to raise_error(Mysql2Test::StopQuery)
        expect(monotonic - started).to be < 2
        expect(client).to be_closed
        expect(signaller.value).to be(true)
      ensure
        signaller&.join
        bystander&.kill&.join
      end
    end

    it "finishes the query when the traps raise nothing" do
      client = new_client
      querying = false
      seen = []
      trap("USR2") { seen << querying }
      signaller = signal_during_query(client, times: 5)
      querying = true
      expect(client.query("SELECT SLEEP(1) AS s, 7 AS seven").first).to eq("s" => 0, "seven" => 7)
      querying = false
      expect(signaller.value).to be(true)
      expect(seen).to eq([true] * 5) # every trap ran while the query waited
      expect(client.query("SELECT 1 AS one").first).to eq("one" => 1)
    ensure
      signaller&.join
    end

    it "keeps read_timeout counting across signals" do
      client = new_client(read_timeout: 1)
      trap("USR2") { nil }
      signaller = signal_during_query(client, times: 30, every: 0.1)
      started = monotonic
      expect { client.query("SELECT SLEEP(4)") }
        .to raise_error(Mysql2::Error::TimeoutError, /Timeout waiting for a response/)
      expect(monotonic - started).to be < 3
      expect(signaller.value).to be(true)
    ensure
      signaller&.join
    end
  end

  describe ":query_timeout" do
    it "kills the query on the server and keeps the connection usable" do
      client = new_client(query_timeout: 0.3)
      started = monotonic
      expect { client.query("SELECT SLEEP(5)") }.to raise_error(Mysql2::Error::TimeoutError, /query_timeout/)
      expect(monotonic - started).to be < 3
      expect(server_runs_query?(client.thread_id)).to be(false)
      expect(client.query("SELECT 1 AS one").first).to eq("one" => 1)
    end

    it "can be changed per client and is nil when unset" do
      client = new_client
      expect(client.query_timeout).to be_nil
      client.query_timeout = 0.2
      expect { client.query("SELECT SLEEP(2)") }.to raise_error(Mysql2::Error::TimeoutError)
      expect { client.query_timeout = -1 }.to raise_error(ArgumentError, /query_timeout/)
    end
  end
end
