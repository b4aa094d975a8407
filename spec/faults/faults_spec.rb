# frozen_string_literal: true

require "spec_helper"
require "open3"

# Faults the network and the server inflict on a connection, injected through Mysql2Test::FaultProxy (a relay on
# 127.0.0.1) or by the server itself (KILL, a restart). Each must end the command with a clear error within the
# configured timeouts (never a hang, never a crash), and leave the client in a stated state:
# - without reconnect, the next command raises Mysql2::Error::ConnectionError "MySQL client is not connected";
# - with reconnect: true, the next command opens a new session (a new thread id) and succeeds.
RSpec.describe "faults", :external_server_unsupported do
  let(:cfg) { Mysql2Test::CONFIG }
  let(:proxy) { Mysql2Test::FaultProxy.new(cfg[:host], cfg[:port]) }
  # ~2.4 MB of rows: far more than the socket buffers between server, proxy and client hold.
  let(:big_query) { "SELECT seq, REPEAT('x', 100) AS pad FROM seq_1_to_20000" }
  let(:not_connected) { [Mysql2::Error::ConnectionError, "MySQL client is not connected"] }

  after { proxy.close }

  def proxied_client(**opts)
    new_client(host: "127.0.0.1", port: proxy.port, **opts)
  end

  # Runs the block and returns [exception, seconds]; fails the example if nothing was raised.
  def timed_failure
    started = monotonic
    yield
    raise "expected the command to fail"
  rescue Mysql2::Error => e
    [e, monotonic - started]
  end

  # Marks the client's session (a session variable) and returns its thread id.
  def mark_session(client)
    client.query("SET @fault_marker = 42")
    client.thread_id
  end

  # The command after a fault: a new session (the mark is gone) when reconnect is on, "not connected" otherwise.
  def expect_state_after_fault(client, reconnect:, old_id:)
    if reconnect
      expect(client.query("SELECT @fault_marker AS m").first["m"]).to be_nil
      expect(client.closed?).to be(false)
      expect(client.thread_id).not_to eq(old_id) unless old_id.nil?
    else
      expect { client.query("SELECT 1") }.to raise_error(*not_connected)
      expect(client.ping).to be(false)
    end
  end

  [false, true].each do |reconnect|
    context "with reconnect: #{reconnect}" do
      it "raises ConnectionError when another session KILLs the connection mid-query" do
        client = new_client(reconnect: reconnect)
        id = mark_session(client)
        query = Thread.new { timed_failure { client.query("SELECT SLEEP(30)") } }
        eventually { server_runs_query?(id) }
        observer.query("KILL #{id}")
        error, seconds = query.value
        expect(error).to be_a(Mysql2::Error::ConnectionError)
        expect(error.error_number).to eq(2013)
        expect(seconds).to be < 10
        expect_state_after_fault(client, reconnect: reconnect, old_id: id)
      end

      it "raises TimeoutError when the network stalls mid-result (read_timeout: 2), in about 2 s" do
        client = proxied_client(read_timeout: 2, reconnect: reconnect)
        id = mark_session(client)
        proxy.pause_after(64 * 1024)
        error, seconds = timed_failure { client.query(big_query) }
        expect(error).to be_a(Mysql2::Error::TimeoutError)
        expect(error.message).to eq("Timeout waiting for a response from the last query. (waited 2 seconds)")
        expect(seconds).to be_between(1.5, 6)
        proxy.resume
        expect_state_after_fault(client, reconnect: reconnect, old_id: id)
      end

      it "raises ConnectionError when the network drops mid-result" do
        client = proxied_client(reconnect: reconnect)
        id = mark_session(client)
        proxy.throttle(4096, 0.01)
        query = Thread.new { timed_failure { client.query(big_query) } }
        sleep 0.3
        proxy.drop
        error, seconds = query.value
        expect(error).to be_a(Mysql2::Error::ConnectionError)
        expect(error.message).to match(/Lost connection|server has gone away/)
        expect(seconds).to be < 10
        proxy.throttle(nil, nil)
        expect_state_after_fault(client, reconnect: reconnect, old_id: id)
      end

      it "raises ConnectionError when the result is cut after N bytes" do
        client = proxied_client(reconnect: reconnect, read_timeout: 30)
        id = mark_session(client)
        proxy.cut_after(100_003)
        error, seconds = timed_failure { client.query(big_query) }
        expect(error).to be_a(Mysql2::Error::ConnectionError)
        expect(error.error_number).to eq(2013)
        expect(seconds).to be < 10
        expect_state_after_fault(client, reconnect: reconnect, old_id: id)
      end

      it "raises ConnectionError when the query is cut after N bytes on its way to the server" do
        client = proxied_client(reconnect: reconnect, read_timeout: 30)
        id = mark_session(client)
        proxy.cut_after(1000, :to_server)
        error, seconds = timed_failure { client.query("SELECT '#{"y" * 200_000}' AS s") }
        expect(error).to be_a(Mysql2::Error::ConnectionError)
        expect(seconds).to be < 10
        expect_state_after_fault(client, reconnect: reconnect, old_id: id)
      end

      it "raises ConnectionError when a streaming result is dropped between rows" do
        client = proxied_client(reconnect: reconnect)
        id = mark_session(client)
        proxy.throttle(8192, 0.01)
        rows = 0
        error, = timed_failure do
          client.query(big_query, stream: true, cache_rows: false).each do
            rows += 1
            proxy.drop if rows == 10
          end
        end
        expect(error).to be_a(Mysql2::Error::ConnectionError)
        expect(rows).to be_between(10, 19_999)
        proxy.throttle(nil, nil)
        expect_state_after_fault(client, reconnect: reconnect, old_id: id)
      end
    end
  end

  it "raises ConnectionError within connect_timeout through a stalled network" do
    proxy.pause
    error, seconds = timed_failure { proxied_client(connect_timeout: 2) }
    expect(error).to be_a(Mysql2::Error::ConnectionError)
    expect(seconds).to be_between(1.5, 6)
  end

  it "raises TimeoutError within write_timeout when the network stops taking a large query" do
    client = proxied_client(write_timeout: 2)
    proxy.pause
    # 30 MB: more than the kernel buffers along the way hold, so the client's write blocks.
    error, seconds = timed_failure { client.query("SELECT '#{"z" * 30_000_000}' AS s") }
    expect(error).to be_a(Mysql2::Error::TimeoutError)
    expect(seconds).to be_between(1.5, 8)
    proxy.resume
    expect { client.query("SELECT 1") }.to raise_error(*not_connected)
  end

  it "bounds a result that trickles in with :query_timeout (wall clock), not per read" do
    client = proxied_client(read_timeout: 5)
    client.query_timeout = 2
    proxy.throttle(1024, 0.1) # 10 KB/s: each read is quick, the whole result would take minutes
    error, seconds = timed_failure { client.query(big_query) }
    expect(error).to be_a(Mysql2::Error::TimeoutError)
    expect(error.message).to include(":query_timeout of 2 seconds")
    # 2 s, then KILL QUERY from a side connection (at most 5 s), then at most 2 s of grace for the reply.
    expect(seconds).to be_between(1.9, 12)
  end

  context "when the server restarts mid-query" do
    # A second private server in its own directory (kept between runs, so only the first run initialises it),
    # reached over its unix socket, whose path survives the restart (the TCP port does not).
    base = File.expand_path("../../tmp/mariadb-restart", __dir__)
    script = File.expand_path("../../script/private-server", __dir__)
    env = { "MYSQL2_TEST_BASE_DIR" => base, "MYSQL2_TEST_HOST" => nil, "MYSQL2_TEST_SOCKET" => nil }
    define_method(:server) do |command|
      out, status = Open3.capture2e(env, RbConfig.ruby, script, command)
      raise "private-server #{command} failed: #{out}" unless status.success?

      out
    end

    before(:all) { @socket = server("start")[/socket=(\S+)/, 1] }
    after(:all) { server("stop") }

    [false, true].each do |reconnect|
      it "raises ConnectionError, and with reconnect: #{reconnect} the next command " \
         "#{reconnect ? "reconnects" : "raises not connected"}" do
        client = track(Mysql2::Client.new(socket: @socket, username: "root", reconnect: reconnect))
        mark_session(client)
        query = Thread.new { timed_failure { client.query("SELECT SLEEP(60)") } }
        sleep 0.3
        server("stop")
        error, seconds = query.value
        server("start")
        expect(error).to be_a(Mysql2::Error::ConnectionError)
        expect(error.message).to match(/Lost connection|server has gone away|shutdown/i)
        expect(seconds).to be < 40
        expect_state_after_fault(client, reconnect: reconnect, old_id: nil) # thread ids restart at 1
      end
    end
  end
end
