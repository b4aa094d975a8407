# frozen_string_literal: true

require "spec_helper"
require "socket"

# The client library's own timeouts, driven through the wait primitive.
RSpec.describe "timeouts" do
  it "raises TimeoutError with mysql2's message when read_timeout passes" do
    client = new_client(read_timeout: 1)
    started = monotonic
    expect { client.query("SELECT SLEEP(3)") }
      .to raise_error(Mysql2::Error::TimeoutError,
                      "Timeout waiting for a response from the last query. (waited 1 seconds)")
    expect(monotonic - started).to be < 2.5
    expect(client.read_timeout).to eq(1)
  end

  it "raises ConnectionError when connect_timeout passes during the handshake" do
    silent = TCPServer.new("127.0.0.1", 0)
    started = monotonic
    expect { Mysql2::Client.new(host: "127.0.0.1", port: silent.addr[1], username: "root", connect_timeout: 1) }
      .to raise_error(Mysql2::Error::ConnectionError)
    expect(monotonic - started).to be < 2.5
  ensure
    silent&.close
  end

  it "refuses a negative timeout with mysql2's message" do
    expect { new_client(connect_timeout: -1) }
      .to raise_error(Mysql2::Error, "connect_timeout must be a positive integer, you passed -1")
    expect { new_client(read_timeout: -2) }
      .to raise_error(Mysql2::Error, "read_timeout must be a positive integer, you passed -2")
  end

  it "validates rows_per_gvl_yield before sending the query" do
    client = new_client
    expect { client.query("SELECT 1", rows_per_gvl_yield: -1) }
      .to raise_error(Mysql2::Error, ":rows_per_gvl_yield must not be negative")
    expect(client.query("SELECT seq FROM seq_1_to_100", rows_per_gvl_yield: 7).count).to eq(100)
    expect(client.query("SELECT seq FROM seq_1_to_10", rows_per_gvl_yield: 0).to_a.size).to eq(10)
  end
end
