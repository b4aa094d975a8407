# frozen_string_literal: true

require "spec_helper"
require "io/wait"
require "weakref"

# fork (contract §4): the child never speaks on an inherited connection; the parent's connection keeps working.
RSpec.describe "fork" do
  # Runs the block in a child process; returns what it wrote to the pipe, or raises if it crashed.
  def in_child
    reader, writer = IO.pipe
    pid = fork do
      reader.close
      writer.write(Marshal.dump(yield))
    rescue Exception => e # rubocop:disable Lint/RescueException
      writer.write(Marshal.dump([:raised, e.class.name, e.message]))
    ensure
      writer.close
      exit!(0)
    end
    writer.close
    # bounded: a child that hangs (once seen under ASan, stuck on its allocator's lock) fails the spec, not the run
    data = reader.wait_readable(60) && reader.read
    unless data
      Process.kill(:KILL, pid)
      Process.wait(pid)
      raise "the forked child did not finish within 60 s"
    end
    _, status = Process.wait2(pid)
    expect(status.exitstatus).to eq(0)
    Marshal.load(data) # rubocop:disable Security/MarshalLoad
  ensure
    reader&.close
  end

  let!(:parent) { new_client }

  def parent_still_works
    expect(parent.query("SELECT 41 + 1 AS answer").first).to eq("answer" => 42)
    expect(parent.ping).to be(true)
  end

  it "lets a child close an inherited connection without disturbing the parent, 20 times" do
    20.times do
      outcome = in_child do
        first = begin
          parent.query("SELECT 1")
          :no_error
        rescue Mysql2::Error::ConnectionError => e
          [:raised, e.message]
        end
        parent.close
        [first, parent.closed?]
      end
      expect(outcome.first).to match([:raised,
                                      /inherited across fork\(\).*connected in pid #{Process.pid}, now pid \d+/])
      expect(outcome.last).to be(true)
      parent_still_works
    end
  end

  # Clients made in a separate frame and not registered for cleanup, so nothing but the pool references them.
  def pool_of_clients(size)
    Array.new(size) { Mysql2::Client.new(client_options(socket: true)) }
  end

  it "lets a child garbage-collect inherited connections without disturbing the parent, 20 times" do
    collected = 0
    20.times do
      pool = pool_of_clients(5)
      refs = pool.map { |c| WeakRef.new(c) }
      collected += in_child do
        pool.clear
        4.times { GC.start(full_mark: true, immediate_sweep: true) }
        refs.count { |r| !r.weakref_alive? }
      end
      expect(refs.map { |r| r.query("SELECT 2 AS two").first }).to all(eq("two" => 2))
      pool.each(&:close)
      parent_still_works
    end
    expect(collected).to be > 50
  end

  it "lets a child discard! an inherited connection, 20 times" do
    20.times do
      outcome = in_child do
        parent.discard!
        error = begin
          parent.query("SELECT 1")
        rescue Mysql2::Error => e
          e.message
        end
        [parent.closed?, error]
      end
      expect(outcome).to eq([true, "MySQL client is not connected"])
      parent_still_works
    end
  end

  it "reconnects in the child when reconnect: true" do
    client = new_client(reconnect: true)
    parent_id = client.thread_id
    child_id = in_child { client.query("SELECT CONNECTION_ID() AS id").first["id"].to_i }
    expect(child_id).to be_an(Integer).and(be_positive)
    expect(child_id).not_to eq(parent_id)
    expect(client.thread_id).to eq(parent_id)
    expect(client.query("SELECT CONNECTION_ID() AS id").first["id"].to_i).to eq(parent_id)
  end
end
