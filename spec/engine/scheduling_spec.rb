# frozen_string_literal: true

require "spec_helper"
require "socket"

# Waiting (contract §6): every network wait goes through Ruby's IO wait, so threads overlap and a Fiber scheduler
# runs other fibers meanwhile.
RSpec.describe "threads and fibers while queries wait" do
  it "overlaps 8 threads on 8 connections" do
    clients = Array.new(8) { new_client }
    started = monotonic
    clients.map { |c| Thread.new { c.query("SELECT SLEEP(0.2)") } }.each(&:join)
    expect(monotonic - started).to be < 0.5
  end

  context "under the async gem's Fiber scheduler" do
    before(:all) { require "async" }

    it "runs 20 connections' SELECT SLEEP(0.2) concurrently on one thread" do
      clients = Array.new(20) { new_client }
      started = monotonic
      Sync { clients.map { |c| Async { c.query("SELECT SLEEP(0.2)") } }.each(&:wait) }
      expect(monotonic - started).to be < 0.6
    end

    it "connects without blocking other fibers" do
      silent = TCPServer.new("127.0.0.1", 0) # accepts, never greets: the handshake waits until connect_timeout
      ticks = 0
      error = nil
      Sync do
        ticker = Async { loop { ticks += 1; sleep 0.01 } } # rubocop:disable Style/Semicolon
        Async do
          Mysql2::Client.new(host: "127.0.0.1", port: silent.addr[1], username: "root", connect_timeout: 1)
        rescue Mysql2::Error => e
          error = e
        end.wait
        ticker.stop
      end
      expect(error).to be_a(Mysql2::Error::ConnectionError)
      expect(ticks).to be > 20
    ensure
      silent&.close
    end

    it "tells a fiber that another fiber is mid-query on the connection" do
      client = new_client
      error = nil
      Sync do
        first = Async { client.query("SELECT SLEEP(0.2)") }
        Async do
          client.query("SELECT 1")
        rescue Mysql2::Error => e
          error = e
        end.wait
        first.wait
      end
      expect(error.message).to match(/This connection is in use by: #<Fiber:/)
      expect(client.query("SELECT 1 AS one").count).to eq(1)
    end

    it "lets another fiber close a connection that a fiber is waiting on, cancelling its query" do
      client = new_client
      error = nil
      started = monotonic
      Sync do
        busy = Async do
          client.query("SELECT SLEEP(5)")
        rescue Mysql2::Error => e
          error = e
        end
        Async do
          sleep 0.1
          client.close
        end
        busy.wait
      end
      expect(error).to be_a(Mysql2::Error::ConnectionError)
      expect(monotonic - started).to be < 2
      expect(client).to be_closed
    end

    it "streams rows while other fibers run" do
      client = new_client
      rows = 0
      Sync do
        Async { client.query("SELECT seq FROM seq_1_to_30000", stream: true, cache_rows: false).each { rows += 1 } }
        Async { client.query("SELECT 1") rescue nil } # rubocop:disable Style/RescueModifier
      end
      expect(rows).to eq(30_000)
    end
  end
end
