# frozen_string_literal: true

require "spec_helper"

# No lost acknowledged write: transactions of 5 rows run through a FaultProxy that drops connections and cuts them
# after a random number of bytes (either direction) at random moments. A transaction whose COMMIT returned is
# acknowledged and must be in the table, whole. One whose COMMIT raised is unknown: all of it or none of it. One
# that failed before COMMIT was sent must be absent.
RSpec.describe "acknowledged writes under faults", :external_server_unsupported do
  let(:cfg) { Mysql2Test::CONFIG }
  let(:proxy) { Mysql2Test::FaultProxy.new(cfg[:host], cfg[:port]) }
  let(:rng) { Random.new(Random.rand(2**31)) } # reproducible with the rspec seed
  let(:table) { "fault_writes" }
  let(:transactions) { 200 }
  let(:time_limit) { 60 } # seconds for the whole loop

  before do
    observer.query("DROP TABLE IF EXISTS #{table}")
    observer.query("CREATE TABLE #{table} (id INT AUTO_INCREMENT PRIMARY KEY, txn INT NOT NULL, k INT NOT NULL) " \
                   "ENGINE=InnoDB")
  end

  after do
    proxy.close
    observer.query("DROP TABLE IF EXISTS #{table}")
  end

  # Injects a drop or a cut (random direction and length) every 2..20 ms until stopped.
  def inject_faults(stop)
    Thread.new do
      faults = 0
      until stop.true?
        sleep rng.rand(0.002..0.02)
        if rng.rand < 0.3
          proxy.drop
        else
          proxy.cut_after(rng.rand(1..400), rng.rand < 0.5 ? :to_client : :to_server)
        end
        faults += 1
      end
      faults
    end
  end

  # Runs transaction +txn+; returns :committed, :unknown (COMMIT raised) or :failed (raised before COMMIT).
  def run_transaction(client, txn)
    stage = :failed
    client.query("BEGIN")
    (1..5).each { |k| client.query("INSERT INTO #{table} (txn, k) VALUES (#{txn}, #{k})") }
    stage = :unknown
    client.query("COMMIT")
    :committed
  rescue Mysql2::Error => e
    raise unless e.is_a?(Mysql2::Error::ConnectionError) || e.is_a?(Mysql2::Error::TimeoutError)

    stage
  end

  it "keeps every transaction whose COMMIT returned, and never half of one" do
    client = new_client(host: "127.0.0.1", port: proxy.port, reconnect: true, read_timeout: 5, connect_timeout: 5)
    stop = Struct.new(:value) { def true? = value }.new(false)
    injector = inject_faults(stop)
    deadline = monotonic + time_limit
    outcome = {}
    (1..transactions).each do |txn|
      break if monotonic > deadline

      outcome[txn] = run_transaction(client, txn)
    end
    stop.value = true
    faults = injector.value

    counts = observer.query("SELECT txn, COUNT(*) AS n FROM #{table} GROUP BY txn").to_h { |r| [r["txn"], r["n"]] }
    by_kind = outcome.keys.group_by { |txn| outcome[txn] }
    committed = by_kind.fetch(:committed, [])
    unknown = by_kind.fetch(:unknown, [])
    failed = by_kind.fetch(:failed, [])

    expect(committed.size).to be >= 20 # the loop did real work
    expect(faults).to be >= 5
    expect(failed.size + unknown.size).to be_positive # and the faults hit it
    expect(committed.reject { |txn| counts[txn] == 5 }).to eq([]) # every acknowledged transaction, whole
    expect(unknown.reject { |txn| [nil, 5].include?(counts[txn]) }).to eq([]) # all or nothing
    expect(failed.select { |txn| counts[txn] }).to eq([]) # never committed
    expect(counts.keys - outcome.keys).to eq([])
    if ENV["DEBUG_FAULTS"]
      puts "committed=#{committed.size} unknown=#{unknown.size} failed=#{failed.size} faults=#{faults}"
    end
  end
end
