# frozen_string_literal: true

require "spec_helper"

# Multi-statement queries: next_result, store_result and abandon_results! keep the connection in sync.
RSpec.describe "multi-statement results" do
  let(:client) { new_client(flags: Mysql2::Client::MULTI_STATEMENTS) }

  it "walks every result with next_result and store_result" do
    first = client.query("SELECT 1 AS a; SELECT 2 AS b; SELECT 3 AS c")
    rest = []
    rest << client.store_result.first while client.next_result
    expect([first.first, *rest]).to eq([{ "a" => 1 }, { "b" => 2 }, { "c" => 3 }])
    expect(client.more_results?).to be(false)
  end

  it "abandons the remaining results and stays in sync" do
    client.query("SELECT 1; SELECT 2; SELECT 3")
    expect(client.abandon_results!).to be_nil
    expect(client.query("SELECT 4 AS d").first).to eq("d" => 4)
  end

  it "raises the error of a failing later statement with its number, and stays usable" do
    client.query("SELECT 1; SELECT * FROM no_such_table; SELECT 3")
    expect { client.abandon_results! }.to raise_error(Mysql2::Error) { |e| expect(e.error_number).to eq(1146) }
    expect(client.more_results?).to be(false)
    expect(client.query("SELECT 5 AS e").first).to eq("e" => 5)
  end
end
