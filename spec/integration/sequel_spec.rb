# frozen_string_literal: true

require_relative "integration_helper"

RSpec.describe "Sequel mysql2:// adapter on this gem" do
  # One Database for the group, at most 2 connections; examples that need "the same connection" use
  # DB.synchronize.
  before(:context) do
    @db = Sequel.connect(Mysql2Test::Integration.sequel_url, max_connections: 2, test: true)
    @db.create_table!(:sq_items) do
      primary_key :id
      String :name, size: 100, null: false, unique: true
      Integer :qty, null: false, default: 0
      TrueClass :active
      BigDecimal :price, size: [10, 2]
      Date :day
      DateTime :at
      File :data
    end
    @db.create_table!(:sq_big) do
      Integer :n, primary_key: true
      String :label, size: 20
    end
    @db.run("INSERT INTO sq_big SELECT seq, CONCAT('row ', seq) FROM seq_1_to_5000")
  end

  after(:context) { @db&.disconnect }

  let(:db) { @db }
  let(:items) { db[:sq_items] }

  before { items.delete }

  after do
    Sequel.database_timezone = nil
    Sequel.application_timezone = nil
    db.convert_tinyint_to_bool = true
  end

  it "connects with mysql2://user:pass@127.0.0.1:PORT/db and runs on this gem" do
    expect(db.adapter_scheme).to eq(:mysql2)
    expect(db.database_type).to eq(:mysql)
    expect(db).to be_mariadb
    expect(db.server_version).to be >= 101_100
    db.synchronize { |conn| expect(conn).to be_a(Mysql2::Client) }
    expect(db.get(Sequel.function(:current_user))).to start_with("#{Mysql2Test::CONFIG[:unprivileged_username]}@")
    expect(db["SELECT host FROM information_schema.processlist WHERE id = CONNECTION_ID()"].get)
      .to start_with("127.0.0.1:")
  end

  it "connects through the unix socket given in the URL" do
    cfg = Mysql2Test::CONFIG
    url = "mysql2://#{cfg[:unprivileged_username]}:#{cfg[:unprivileged_password]}@localhost/#{cfg[:database]}" \
          "?socket=#{cfg[:socket]}"
    socket_db = Sequel.connect(url, test: true)
    expect(socket_db["SELECT host FROM information_schema.processlist WHERE id = CONNECTION_ID()"].get)
      .to eq("localhost")
    expect(socket_db[:sq_big].count).to eq(5000)
  ensure
    socket_db&.disconnect
  end

  it "inserts, updates and deletes through datasets, with ids and row counts" do
    id = items.insert(name: "first", qty: 1)
    expect(id).to be_a(Integer)
    items.multi_insert([{ name: "second", qty: 2 }, { name: "third", qty: 3 }])
    expect(items.insert(name: "fourth", qty: 4)).to eq(id + 3)
    expect(items.where(qty: 2..3).order(:name).select_map(:name)).to eq(%w[second third])
    expect(items.order(Sequel.desc(:qty)).limit(2).all.map { |r| r[:name] }).to eq(%w[fourth third])
    expect(items.where(id: id).first).to include(name: "first", qty: 1)
    expect(items.where { qty > 1 }.update(qty: Sequel[:qty] + 10)).to eq(3)
    # FOUND_ROWS: rows matched, not rows changed.
    expect(items.where(name: "first").update(qty: 1)).to eq(1)
    expect(items.where(name: "nobody").update(qty: 1)).to eq(0)
    expect(items.where { qty > 12 }.delete).to eq(2)
    expect(items.count).to eq(2)
    expect(items.sum(:qty)).to eq(13)
    expect(db.run("UPDATE sq_items SET qty = 0")).to be_nil
    expect(db.execute_dui("SELECT 1")).to eq(1)
  end

  it "returns typed values in Hashes with Symbol keys in column order" do
    time = Time.local(2024, 5, 6, 7, 8, 9)
    items.insert(name: "typed", qty: 5, active: true, price: BigDecimal("12.34"), day: Date.new(2024, 2, 29),
                 at: time, data: Sequel.blob("\x00\xFF".b))
    row = items.first
    expect(row.keys).to eq(%i[id name qty active price day at data])
    expect(row).to include(name: "typed", qty: 5, active: true, price: BigDecimal("12.34"),
                           day: Date.new(2024, 2, 29), at: time, data: "\x00\xFF".b)
    expect(row[:name].encoding).to eq(Encoding::UTF_8)
    expect(row[:data].encoding).to eq(Encoding::BINARY)
    expect(items.columns).to eq(%i[id name qty active price day at data])
  end

  it "mangles identifiers: Sequel's output method rewrites the row keys in place" do
    expect(db["SELECT 1 AS MixedCase"].first).to eq(MixedCase: 1)
    mangled = Sequel.connect(Mysql2Test::Integration.sequel_url, identifier_mangling: true)
    mangled.extension(:identifier_mangling)
    mangled.identifier_output_method = :downcase
    expect(mangled["SELECT 1 AS MixedCase, 2 AS `UPPER`"].first).to eq(mixedcase: 1, upper: 2)
    expect(mangled[:sq_big].where(n: 1).select(:label).first).to eq(label: "row 1")
    mangled.synchronize do |conn|
      expect(mangled.fetch("SELECT 3 AS Three").all).to eq([{ three: 3 }])
      expect(conn.query("SELECT 4 AS Four").first).to eq(Four: 4)
    end
  ensure
    mangled&.disconnect
  end

  it "streams a 5000-row table, breaks early, and runs a new query on the same connection" do
    db.synchronize do |conn|
      allow(conn).to receive(:query).and_call_original
      seen = []
      db[:sq_big].order(:n).stream.each do |row|
        seen << row[:n]
        break if seen.size == 10
      end
      expect(seen).to eq((1..10).to_a)
      expect(conn).to have_received(:query).with(/FROM `sq_big`/, hash_including(stream: true))
      expect(db[:sq_big].where(n: 4321).get(:label)).to eq("row 4321")
      count = 0
      db[:sq_big].stream.each { count += 1 }
      expect(count).to eq(5000)
      expect(db.get(Sequel.as(1, :one))).to eq(1)
    end
  end

  it "pages through a large table with paged_each (streamed and with limit/offset pages)" do
    streamed = []
    db[:sq_big].order(:n).paged_each { |row| streamed << row[:n] }
    expect(streamed).to eq((1..5000).to_a)
    paged = []
    db[:sq_big].order(:n).paged_each(stream: false, rows_per_fetch: 700) { |row| paged << row[:n] }
    expect(paged).to eq((1..5000).to_a)
  end

  it "prepares native statements and calls them with bound arguments" do
    db.synchronize do |conn|
      allow(conn).to receive(:prepare).and_call_original
      insert = items.prepare(:insert, :sq_insert, name: :$name, qty: :$qty, active: :$active, day: :$day,
                                                  at: :$at, price: :$price)
      id = insert.call(name: "prepared", qty: 7, active: false, day: Date.new(2020, 1, 2),
                       at: Time.local(2020, 1, 2, 3, 4, 5), price: BigDecimal("9.99"))
      expect(db.call(:sq_insert, name: "again", qty: 8, active: true, day: nil, at: nil, price: nil)).to eq(id + 1)
      select = items.where(name: :$name).prepare(:first, :sq_by_name)
      expect(select.call(name: "prepared")).to include(id: id, qty: 7, active: false, day: Date.new(2020, 1, 2),
                                                       at: Time.local(2020, 1, 2, 3, 4, 5),
                                                       price: BigDecimal("9.99"))
      expect(db.call(:sq_by_name, name: "nobody")).to be_nil
      update = items.where(qty: :$qty).prepare(:update, :sq_update, name: Sequel.function(:concat, :name, "!"))
      expect(update.call(qty: 8)).to eq(1)
      delete = items.where(name: :$name).prepare(:delete, :sq_delete)
      expect(delete.call(name: "again!")).to eq(1)
      expect(items.where(name: :$n).call(:select, n: "prepared").map { |r| r[:id] }).to eq([id])
      expect(conn).to have_received(:prepare).at_least(5).times
      # Sequel's own cache (a singleton attr_accessor on the client): name => [statement, sql], nothing else.
      expect(conn.prepared_statements.keys).to contain_exactly(nil, :sq_insert, :sq_by_name, :sq_update, :sq_delete)
      expect(conn.prepared_statements.values.map(&:first)).to all(be_a(Mysql2::Statement))
    end
  end

  it "commits, rolls back, and rolls back only the savepoint" do
    db.transaction { items.insert(name: "committed") }
    db.transaction do
      items.insert(name: "rolled back")
      raise Sequel::Rollback
    end
    db.transaction do
      items.insert(name: "outer")
      db.transaction(savepoint: true) do
        items.insert(name: "inner")
        raise Sequel::Rollback
      end
      db.transaction(savepoint: true) { items.insert(name: "inner kept") }
      expect(db).to be_in_transaction
    end
    expect { db.transaction { items.insert(name: "raised") && raise("boom") } }.to raise_error("boom")
    expect(items.order(:name).select_map(:name)).to eq(["committed", "inner kept", "outer"])
  end

  it "applies Sequel.database_timezone and application_timezone" do
    utc = Time.utc(2024, 1, 15, 12, 30, 45)
    Sequel.database_timezone = :utc
    Sequel.application_timezone = :utc
    items.insert(name: "tz", at: Time.new(2024, 1, 15, 14, 30, 45, "+02:00"))
    expect(items.get(Sequel.cast(:at, String))).to eq("2024-01-15 12:30:45")
    read = items.get(:at)
    expect(read).to eq(utc)
    expect(read.utc_offset).to eq(0)
    Sequel.application_timezone = :local
    local = items.get(:at)
    expect(local).to eq(utc)
    expect(local.utc_offset).to eq(utc.getlocal.utc_offset)
    Sequel.database_timezone = :local
    Sequel.application_timezone = :utc
    expect(items.get(:at)).to eq(Time.local(2024, 1, 15, 12, 30, 45))
    expect(items.where(name: :$n).call(:first, n: "tz")[:at]).to eq(Time.local(2024, 1, 15, 12, 30, 45))
  end

  it "converts TINYINT(1) to booleans unless convert_tinyint_to_bool is off" do
    items.insert(name: "yes", active: true)
    items.insert(name: "no", active: false)
    expect(items.order(:name).select_map(:active)).to eq([false, true])
    expect(items.where(name: :$n).call(:first, n: "yes")[:active]).to be(true)
    db.convert_tinyint_to_bool = false
    expect(items.order(:name).select_map(:active)).to eq([0, 1])
    expect(items.where(name: :$n).call(:first, n: "yes")[:active]).to eq(1)
  end

  it "drops a connection the server killed: DatabaseDisconnectError once, then a new connection" do
    single = Sequel.connect(Mysql2Test::Integration.sequel_url, max_connections: 1)
    killed = single.synchronize(&:thread_id)
    observer.query("KILL #{killed}")
    expect { single.get(Sequel.as(3, :three)) }.to raise_error(Sequel::DatabaseDisconnectError)
    expect(single.get(Sequel.as(4, :four))).to eq(4)
    expect(single.synchronize(&:thread_id)).not_to eq(killed)
  ensure
    single&.disconnect
  end

  it "tells a live connection from a killed one with valid_connection? (and the connection_validator uses it)" do
    validated = Sequel.connect(Mysql2Test::Integration.sequel_url, max_connections: 1)
    validated.extension(:connection_validator)
    killed = validated.synchronize do |conn|
      expect(validated.valid_connection?(conn)).to be(true)
      observer.query("KILL #{conn.thread_id}")
      expect(validated.valid_connection?(conn)).to be(false)
      conn.object_id
    end
    # Now the pool checks every connection with valid_connection? before handing it out, and replaces this one.
    validated.pool.connection_validation_timeout = -1
    expect(validated.get(Sequel.as(5, :five))).to eq(5)
    expect(validated.synchronize(&:object_id)).not_to eq(killed)
  ensure
    validated&.disconnect
  end

  it "maps server errors to Sequel's exception classes" do
    items.insert(name: "dup")
    expect { items.insert(name: "dup") }.to raise_error(Sequel::UniqueConstraintViolation)
    expect { items.insert(name: nil) }.to raise_error(Sequel::NotNullConstraintViolation)
    expect { db[:sq_items].where(Sequel.lit("nope = 1")).all }.to raise_error(Sequel::DatabaseError, /Unknown column/)
    expect(items.count).to eq(1)
  end

  it "raises DatabaseConnectionError for a wrong password and DatabaseLockTimeout for a lock wait" do
    release = Queue.new
    bad_url = Mysql2Test::Integration.sequel_url.sub(":#{Mysql2Test::CONFIG[:unprivileged_password]}@", ":wrong@")
    expect { Sequel.connect(bad_url) }.to raise_error(Sequel::DatabaseConnectionError, /Access denied/)
    id = items.insert(name: "locked")
    locked = Queue.new
    holder = Thread.new do
      db.transaction do
        items.where(id: id).for_update.first
        locked << true
        release.pop
      end
    end
    locked.pop
    db.synchronize do |conn|
      db.run("SET SESSION innodb_lock_wait_timeout = 1")
      expect { items.where(id: id).update(qty: 1) }.to raise_error(Sequel::DatabaseLockTimeout)
      expect(conn.ping).to be(true)
    end
  ensure
    release << true
    holder&.join
  end

  it "shares 5 connections among 10 threads" do
    pooled = Sequel.connect(Mysql2Test::Integration.sequel_url, max_connections: 5, pool_timeout: 10)
    threads = Array.new(10) do |i|
      Thread.new do
        pooled.synchronize do |conn|
          pooled.get(Sequel.function(:sleep, 0.1))
          pooled[:sq_items].insert(name: "thread #{i}", qty: i)
          [conn.thread_id, pooled[:sq_items].where(qty: i).count]
        end
      end
    end
    results = threads.map(&:value)
    expect(results.map(&:last)).to all(eq(1))
    expect(results.map(&:first).uniq.size).to be_between(2, 5)
    expect(items.count).to eq(10)
  ensure
    pooled&.disconnect
  end

  it "runs Sequel::Model, whose saves rely on matched-row counts" do
    model = Class.new(Sequel::Model(db[:sq_items]))
    record = model.create(name: "model", qty: 1)
    expect(model.require_modification).to be(true)
    # save sends every column: the row does not change, but one row matched, or save would raise.
    expect(record.save).to eq(record)
    record.this.update(qty: 2)
    expect(record.refresh.qty).to eq(2)
    record.destroy
    expect(model.count).to eq(0)
  end
end
