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
