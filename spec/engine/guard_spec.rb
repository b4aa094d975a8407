# frozen_string_literal: true

require "spec_helper"

# The guard (contract §1): one command at a time per connection; accessors that only read stored values are
# allowed while another fiber holds it.
RSpec.describe "the connection guard" do
  let(:client) { new_client }

  def while_busy(sql = "SELECT SLEEP(0.6)")
    worker = Thread.new { client.query(sql) }
    eventually { server_runs_query?(client.thread_id) }
    yield
    worker.value
  end

  it "refuses every command from another thread while a query runs, then serves it" do
    while_busy do
      [-> { client.query("SELECT 1") }, -> { client.ping }, -> { client.select_db("mysql2_test") },
       -> { client.next_result }, -> { client.store_result }, -> { client.set_server_option(0) }].each do |cmd|
        expect(&cmd).to raise_error(Mysql2::Error, /This connection is in use by: #<Fiber:/)
      end
    end
    expect(client.query("SELECT 2 AS two").first).to eq("two" => 2)
  end

  it "lets the read-only accessors through while busy (the allow-list)" do
    while_busy do
      expect(client.thread_id).to be_a(Integer)
      expect(client.server_info).to include(:version)
      expect(client.escape("it's")).to eq("it\\'s")
      expect(client.encoding).to eq(Encoding::UTF_8)
      expect(client.closed?).to be(false)
      expect(client.socket).to be_a(Integer)
      expect(client.warning_count).to be_a(Integer)
      expect(client.more_results?).to be(false)
      expect(client.automatic_close?).to be(true)
    end
  end

  it "tells the same fiber that an async query is still waiting for its result" do
    client.query("SELECT 7 AS seven", async: true)
    expect { client.query("SELECT 1") }.to raise_error(Mysql2::Error, /still waiting for a result/)
    expect(client.async_result.first).to eq("seven" => 7)
    expect(client.async_result).to be_nil
    expect(client.query("SELECT 1 AS one").first).to eq("one" => 1)
  end

  it "releases the guard when a command raises a server error" do
    expect { client.query("SELECT * FROM no_such_table") }.to raise_error(Mysql2::Error, /doesn't exist/)
    expect(client.query("SELECT 1 AS one").count).to eq(1)
  end

  it "takes over a guard left by a fiber that died" do
    fiber = Fiber.new { client.query("SELECT 1", async: true) }
    fiber.resume
    expect(fiber).not_to be_alive
    expect(client.query("SELECT 3 AS three").first).to eq("three" => 3)
  end

  it "closes from the fiber that holds an async query; async_result is then nil" do
    client.query("SELECT SLEEP(0.1)", async: true)
    expect(client.close).to be_nil
    expect(client.async_result).to be_nil
    expect(client.ping).to be(false)
  end

  it "raises 'not connected' for every command after close, and ping is false" do
    client.close
    %i[ping].each { |m| expect(client.public_send(m)).to be(false) }
    [-> { client.query("SELECT 1") }, -> { client.select_db("x") }, -> { client.next_result },
     -> { client.thread_id }, -> { client.escape("x") }].each do |cmd|
      expect(&cmd).to raise_error(Mysql2::Error, "MySQL client is not connected")
    end
    expect(client.closed?).to be(true)
  end
end
