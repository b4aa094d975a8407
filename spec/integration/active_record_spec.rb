# frozen_string_literal: true

require_relative "integration_helper"
require "English"

ActiveRecord::Migration.verbose = false
ActiveRecord.default_timezone = :utc

# The models of the ActiveRecord examples. Every context connects ActiveRecord::Base afresh, with
# prepared_statements false or true, and runs the same examples.
module ArIntegration
  # Creates every table of the suite; ActiveRecord's own DDL through the adapter.
  class CreateTables < ActiveRecord::Migration[7.2]
    def change
      create_everything
      create_table(:ar_widgets, force: true) do |t|
        t.string :name, null: false, index: { unique: true }
        t.integer :quantity, null: false, default: 0
        t.text :notes
        t.timestamps
      end
      create_table(:ar_fixture_widgets, force: true) { |t| t.string(:name) && t.integer(:quantity) }
      create_table(:ar_fixture_parts, force: true) { |t| t.integer(:widget_id) && t.string(:label, null: false) }
    end

    def create_everything
      create_table(:ar_everythings, force: true) do |t|
        t.string :a_string, limit: 100
        t.text :a_text
        t.text :a_mediumtext, size: :medium
        t.integer :a_tinyint, limit: 1
        t.integer :a_smallint, limit: 2
        t.integer :an_integer
        t.bigint :a_bigint
        t.unsigned_integer :an_unsigned
        t.float :a_float
        t.decimal :a_decimal, precision: 12, scale: 4
        t.boolean :a_boolean
        t.date :a_date
        t.datetime :a_datetime, precision: 6
        t.time :a_time
        t.binary :a_binary
        t.blob :a_blob
        t.json :a_json
        t.column :an_enum, "enum('small','large')"
        t.column :a_year, "year"
        t.timestamps
      end
    end
  end

  class Everything < ActiveRecord::Base
    self.table_name = "ar_everythings"
    # MariaDB's JSON is LONGTEXT with a json_valid check, which ActiveRecord reads back as text.
    attribute :a_json, ActiveRecord::Type::Json.new
  end

  class Widget < ActiveRecord::Base
    self.table_name = "ar_widgets"
  end

  class FixtureWidget < ActiveRecord::Base
    self.table_name = "ar_fixture_widgets"
  end

  class FixturePart < ActiveRecord::Base
    self.table_name = "ar_fixture_parts"
  end
end

RSpec.shared_examples "ActiveRecord on this gem" do |prepared_statements:|
  let(:connection) { ActiveRecord::Base.lease_connection }
  let(:widget) { ArIntegration::Widget }

  # Connects ActiveRecord::Base (a new pool) with this group's prepared_statements and +overrides+.
  def self.connect(prepared_statements, **overrides)
    ActiveRecord::Base.establish_connection(
      Mysql2Test::Integration.ar_config(prepared_statements: prepared_statements, **overrides)
    )
  end

  define_method(:connect) { |**overrides| self.class.connect(prepared_statements, **overrides) }

  before(:context) do
    self.class.connect(prepared_statements)
    ArIntegration::CreateTables.migrate(:up)
  end

  after(:context) { ActiveRecord::Base.connection_handler.clear_all_connections!(:all) }

  before { widget.delete_all }

  after { ActiveRecord::Base.connection_pool.release_connection }

  def server_thread_id(conn = connection)
    conn.select_value("SELECT CONNECTION_ID()")
  end

  # The server runs the SLEEP of connection +id+ (command Query, or Execute for a prepared statement).
  def sleeping?(id)
    observer.query("SELECT 1 FROM information_schema.processlist WHERE id = #{Integer(id)} " \
                   "AND info LIKE 'SELECT SLEEP(%'").count.positive?
  end

  # The SQL that ActiveRecord sent while the block ran, with the statement names.
  def capture_sql(&block)
    events = []
    callback = ->(*, payload) { events << [payload[:name], payload[:sql]] }
    ActiveSupport::Notifications.subscribed(callback, "sql.active_record", &block)
    events
  end

  it "uses prepared statements exactly when configured" do
    expect(connection.prepared_statements?).to be(prepared_statements)
    expect(connection.raw_connection).to be_a(Mysql2::Client)
    expect(connection).to be_mariadb
    statements = connection.instance_variable_get(:@statements)
    statements.send(:cache).clear
    widget.create!(name: "counted")
    widget.find_by(name: "counted")
    expect(statements.send(:cache).values.all?(Mysql2::Statement)).to be(true)
    expect(statements.length.positive?).to be(prepared_statements)
  end

  it "evicts and closes cached statements beyond statement_limit", if: prepared_statements do
    connect(statement_limit: 2)
    widget.create!(name: "cached", quantity: 4)
    cached = ActiveRecord::Base.lease_connection.instance_variable_get(:@statements)
    seen = %i[id name quantity notes created_at].map do |column|
      widget.where(name: "cached").pick(column)
    end
    expect(seen[1..3]).to eq(["cached", 4, nil])
    expect(cached.length).to eq(2)
    expect(ActiveRecord::Base.lease_connection.raw_connection.prepared_statements.size).to eq(2)
  ensure
    connect
  end

  it "migrates a table with every column type and round-trips each value" do
    columns = ArIntegration::Everything.columns_hash.transform_values(&:sql_type)
    expect(columns).to include("a_string" => "varchar(100)", "a_mediumtext" => "mediumtext",
                               "a_tinyint" => "tinyint(4)", "a_bigint" => "bigint(20)",
                               "an_unsigned" => "int(10) unsigned", "a_decimal" => "decimal(12,4)",
                               "a_boolean" => "tinyint(1)", "a_datetime" => "datetime(6)",
                               "a_blob" => "blob", "an_enum" => "enum('small','large')", "a_year" => "year(4)")
    values = {
      a_string: "plain", a_text: "long text " * 50, a_mediumtext: "m" * 70_000, a_tinyint: -128,
      a_smallint: 32_767, an_integer: -2_147_483_648, a_bigint: 9_223_372_036_854_775_807,
      an_unsigned: 4_294_967_295, a_float: 1.5, a_decimal: BigDecimal("12345678.1234"), a_boolean: true,
      a_date: Date.new(2024, 2, 29), a_datetime: Time.utc(2024, 2, 29, 13, 14, 15, 123_456),
      a_binary: "\x00\xFFbinary\x01".b, a_blob: (0..255).map(&:chr).join.b, a_json: { "k" => [1, "two", nil] },
      an_enum: "large", a_year: 2024
    }
    record = ArIntegration::Everything.create!(values.merge(a_time: Time.utc(2000, 1, 1, 23, 59, 58)))
    loaded = ArIntegration::Everything.find(record.id)
    values.each { |name, value| expect(loaded.public_send(name)).to eq(value), "#{name}: #{loaded[name].inspect}" }
    expect(loaded.a_time.strftime("%H:%M:%S")).to eq("23:59:58")
    expect(loaded.a_binary.encoding).to eq(Encoding::BINARY)
    expect(loaded.created_at).to be_within(60).of(Time.now)
    blank = ArIntegration::Everything.find(ArIntegration::Everything.create!.id)
    expect(blank.attributes.except("id", "created_at", "updated_at").values.uniq).to eq([nil])
  end

  it "creates, finds, filters, orders, limits, updates and destroys models" do
    created = %w[delta alpha charlie bravo].each_with_index.map do |name, i|
      widget.create!(name: name, quantity: i * 10)
    end
    expect(created.map(&:id)).to all(be_a(Integer).and(be_positive))
    expect(widget.find(created[1].id).name).to eq("alpha")
    expect(widget.where(quantity: 10..20).order(:name).pluck(:name)).to eq(%w[alpha charlie])
    expect(widget.order(name: :desc).limit(2).offset(1).map(&:name)).to eq(%w[charlie bravo])
    expect(widget.where("quantity > ?", 5).count).to eq(3)
    expect(widget.find_by(name: "missing")).to be_nil
    expect { widget.find(-1) }.to raise_error(ActiveRecord::RecordNotFound)

    record = widget.find_by!(name: "bravo")
    record.update!(quantity: 99, notes: "updated")
    expect(widget.find(record.id).attributes).to include("quantity" => 99, "notes" => "updated")
    expect(widget.where(id: record.id).pick(:updated_at)).to be_a(Time)
    record.destroy!
    expect(widget.exists?(record.id)).to be(false)
    expect(widget.count).to eq(3)
    expect(widget.sum(:quantity)).to eq(30)
    expect(widget.maximum(:name)).to eq("delta")
  end

  it "inserts and upserts in bulk" do
    widget.insert_all([{ name: "bulk 1", quantity: 1 }, { name: "bulk 2", quantity: 2 }])
    widget.upsert_all([{ name: "bulk 2", quantity: 20 }, { name: "bulk 3", quantity: 3 }])
    expect(widget.order(:name).pluck(:name, :quantity)).to eq([["bulk 1", 1], ["bulk 2", 20], ["bulk 3", 3]])
  end

  it "reads DATETIME values in ActiveRecord.default_timezone, :utc or :local" do
    time = Time.utc(2021, 6, 7, 8, 9, 10)
    id = widget.create!(name: "tz", created_at: time, updated_at: time).id
    expect(widget.find(id).created_at).to eq(time)
    expect(connection.select_value("SELECT created_at FROM ar_widgets WHERE id = #{id}").utc_offset).to eq(0)
    ActiveRecord.default_timezone = :local
    expect(connection.select_value("SELECT created_at FROM ar_widgets WHERE id = #{id}"))
      .to eq(Time.local(2021, 6, 7, 8, 9, 10))
    expect(connection.raw_connection.query_options[:database_timezone]).to eq(:local)
  ensure
    ActiveRecord.default_timezone = :utc
  end

  it "turns server warnings into ActiveRecord::SQLWarning when db_warnings_action is :raise" do
    ActiveRecord.db_warnings_action = :raise
    expect { connection.select_value("SELECT 1 + 'x'") }.to raise_error(ActiveRecord::SQLWarning) do |warning|
      expect(warning.code).to eq(1292)
      expect(warning.message).to include("Truncated incorrect DOUBLE value")
    end
    expect(connection.select_value("SELECT 2")).to eq(2)
  ensure
    ActiveRecord.db_warnings_action = :ignore
  end

  it "returns update_all and delete_all row counts (FOUND_ROWS: matched rows)" do
    5.times { |i| widget.create!(name: "w#{i}", quantity: i.even? ? 1 : 2) }
    expect(widget.where(quantity: 1).update_all(notes: "odd")).to eq(3)
    # The same value again: MySQL changes no row, FOUND_ROWS still counts the 3 matched ones.
    expect(widget.where(quantity: 1).update_all(notes: "odd")).to eq(3)
    expect(widget.where(quantity: 3).update_all(notes: "none")).to eq(0)
    expect(widget.where(quantity: 2).delete_all).to eq(2)
    expect(widget.delete_all).to eq(3)
    expect(widget.count).to eq(0)
  end

  it "runs find_by_sql and select_all, with and without binds" do
    %w[one two three].each_with_index { |name, i| widget.create!(name: name, quantity: i + 1) }
    found = widget.find_by_sql(["SELECT * FROM ar_widgets WHERE quantity >= ? ORDER BY quantity", 2])
    expect(found.map(&:name)).to eq(%w[two three])
    expect(found.first).to be_a(ArIntegration::Widget)

    result = connection.select_all("SELECT name, quantity FROM ar_widgets ORDER BY quantity")
    expect(result).to be_a(ActiveRecord::Result)
    expect(result.columns).to eq(%w[name quantity])
    expect(result.rows).to eq([["one", 1], ["two", 2], ["three", 3]])
    expect(result.to_a.first).to eq("name" => "one", "quantity" => 1)

    # An Arel query: bound parameters with prepared statements, literals without.
    bound = connection.select_all(widget.where(quantity: 2).select(:name).arel, "bound")
    expect(bound.rows).to eq([["two"]])
    if prepared_statements
      bind = ActiveRecord::Relation::QueryAttribute.new("quantity", 3, ActiveRecord::Type::Integer.new)
      expect(connection.select_all("SELECT name FROM ar_widgets WHERE quantity = ?", "raw", [bind]).rows)
        .to eq([["three"]])
    end
    expect(connection.select_value("SELECT COUNT(*) FROM ar_widgets")).to eq(3)
    expect(connection.select_rows("SELECT 1, 'x', NULL")).to eq([[1, "x", nil]])
    expect(connection.exec_query("SELECT 1 AS one").to_a).to eq([{ "one" => 1 }])
  end

  it "commits transactions, rolls them back and rolls back only a savepoint (requires_new)" do
    widget.transaction { widget.create!(name: "committed") }
    widget.transaction do
      widget.create!(name: "rolled back")
      raise ActiveRecord::Rollback
    end
    widget.transaction do
      widget.create!(name: "outer")
      widget.transaction(requires_new: true) do
        widget.create!(name: "inner")
        expect(connection.open_transactions).to eq(2)
        raise ActiveRecord::Rollback
      end
      widget.transaction(requires_new: true) { widget.create!(name: "inner kept") }
    end
    expect { widget.transaction { widget.create!(name: "raised") && raise("boom") } }.to raise_error("boom")
    expect(widget.order(:name).pluck(:name)).to eq(["committed", "inner kept", "outer"])
    expect(connection.open_transactions).to eq(0)
  end

  it "loads fixtures in one multi-statement batch and rolls it back when a later statement fails" do
    dir = File.join(__dir__, "fixtures")
    ActiveRecord::FixtureSet.reset_cache
    events = capture_sql do
      ActiveRecord::FixtureSet.create_fixtures(dir, %w[ar_fixture_widgets ar_fixture_parts])
    end
    batches = events.filter_map { |name, sql| sql if name == "Fixtures Load" }
    expect(batches.size).to eq(1)
    expect(batches.first.scan(/^INSERT INTO/).size).to eq(2)
    expect(batches.first.scan(/^DELETE FROM/).size).to eq(2)
    expect(ArIntegration::FixtureWidget.order(:id).pluck(:name)).to eq(["Gear", "Sprocket \u2699", "Rocket 🚀"])
    expect(ArIntegration::FixturePart.where(widget_id: 1).count).to eq(2)
    expect(connection.raw_connection.more_results?).to be(false)

    # DELETE succeeds, then the INSERT (NOT NULL label) fails: abandon_results! raises it, the batch's
    # transaction rolls back, and multi statements are switched off again.
    bad = { "ar_fixture_parts" => [{ "id" => 12, "widget_id" => 1, "label" => nil }] }
    expect { connection.insert_fixtures_set(bad, ["ar_fixture_parts"]) }
      .to raise_error(ActiveRecord::NotNullViolation)
    expect(ArIntegration::FixturePart.count).to eq(2)
    expect { connection.execute("SELECT 1; SELECT 2") }.to raise_error(ActiveRecord::StatementInvalid)
    expect(connection.select_value("SELECT 3")).to eq(3)
  end

  it "stores and finds utf8mb4 text with emoji" do
    text = "emoji 😀🚀 and 𝄞 clef, ünïcödé, 中文"
    record = widget.create!(name: text, notes: "🎉" * 1000)
    loaded = widget.find_by!(name: text)
    expect(loaded.id).to eq(record.id)
    expect(loaded.name).to eq(text)
    expect(loaded.name.encoding).to eq(Encoding::UTF_8)
    expect(loaded.notes.length).to eq(1000)
    expect(connection.select_value("SELECT CHAR_LENGTH(name) FROM ar_widgets WHERE id = #{record.id}"))
      .to eq(text.length)
    expect(widget.where("name LIKE ?", "%🚀%").count).to eq(1)
  end

  it "recovers after the server killed the connection: retries a find, then every query works" do
    record = widget.create!(name: "survivor")
    old_id = server_thread_id
    observer.query("KILL #{old_id}")
    expect(connection).not_to be_active # ping returns false rather than raising
    # Model.find runs with allow_retry: the adapter maps the lost connection to ConnectionFailed, reconnects and
    # runs the query again.
    expect(widget.find(record.id).name).to eq("survivor")
    expect(server_thread_id).not_to eq(old_id)

    killed = server_thread_id
    observer.query("KILL #{killed}")
    # A plain execute may not be retried: it raises ConnectionFailed; the next query reconnects.
    expect { connection.execute("UPDATE ar_widgets SET quantity = 1") }
      .to raise_error(ActiveRecord::ConnectionFailed)
    expect(widget.count).to eq(1)
    expect(server_thread_id).not_to eq(killed)
  end

  it "gives a forked child its own connection and leaves the parent's working" do
    parent_id = server_thread_id
    reader, writer = IO.pipe
    pid = fork do
      reader.close
      writer.puts(ActiveRecord::Base.connection_pool.with_connection { |conn| server_thread_id(conn) })
      writer.puts(widget.count)
      exit!(0)
    rescue StandardError => e
      writer.puts(e.inspect)
      exit!(1)
    end
    writer.close
    child = reader.read.lines.map(&:chomp)
    Process.wait(pid)
    expect($CHILD_STATUS).to be_success, child.join("\n")
    expect(Integer(child.first)).not_to eq(parent_id)
    expect(child.last).to eq("0")
    expect(server_thread_id).to eq(parent_id)
  end

  it "shares a pool of 5 connections among 10 threads" do
    pool = ActiveRecord::Base.connection_pool
    expect(pool.size).to eq(5)
    ids = Queue.new
    threads = Array.new(10) do |i|
      Thread.new do
        pool.with_connection do |conn|
          ids << server_thread_id(conn)
          conn.select_value("SELECT SLEEP(0.1)")
          widget.create!(name: "thread #{i}", quantity: i)
          widget.where(quantity: i).count
        end
      end
    end
    expect(threads.map(&:value)).to all(eq(1))
    expect(widget.count).to eq(10)
    seen = Array.new(ids.size) { ids.pop }
    expect(seen.uniq.size).to be_between(2, 5)
    expect(pool.connections.size).to be <= 5
  end

  it "disconnect! from another thread cancels a running SELECT SLEEP(5) promptly" do
    conn = connection
    id = server_thread_id(conn)
    worker = Thread.new do
      if prepared_statements # a bound parameter: Statement#execute is what gets cancelled
        conn.select_value("SELECT SLEEP(?)", "sleep", [ActiveRecord::Relation::QueryAttribute.new(
          "seconds", 5, ActiveRecord::Type::Integer.new
        )])
      else
        conn.select_value("SELECT SLEEP(5)")
      end
    rescue StandardError => e
      e
    end
    expect(eventually { sleeping?(id) }).to be(true)
    started = Process.clock_gettime(Process::CLOCK_MONOTONIC)
    conn.disconnect!
    error = worker.value
    expect(Process.clock_gettime(Process::CLOCK_MONOTONIC) - started).to be < 1.5
    expect(error).to be_a(ActiveRecord::ConnectionFailed).or be_a(ActiveRecord::ConnectionNotEstablished)
    expect(error.cause).to be_a(Mysql2::Error::ConnectionError)
    expect(error.message).to include(prepared_statements ? "(execute)" : "(query)")
    expect(conn).not_to be_active
    expect(conn.select_value("SELECT 42")).to eq(42)
  ensure
    # The server finds out about the closed socket only when SLEEP ends: do not leave it running.
    begin
      observer.query("KILL #{id}") if id && sleeping?(id)
    rescue Mysql2::Error # it ended meanwhile: "Unknown thread id"
      nil
    end
  end

  describe "errors mapped to ActiveRecord exceptions" do
    it "raises RecordNotUnique for a duplicate key" do
      widget.create!(name: "unique")
      expect { widget.create!(name: "unique") }.to raise_error(ActiveRecord::RecordNotUnique) do |error|
        expect(error.cause.error_number).to eq(1062)
      end
      expect(widget.count).to eq(1)
    end

    it "raises LockWaitTimeout when a row lock is held longer than innodb_lock_wait_timeout" do
      record = widget.create!(name: "locked")
      holder_ready = Queue.new
      release = Queue.new
      holder = Thread.new do
        ActiveRecord::Base.connection_pool.with_connection do
          widget.transaction do
            widget.lock.find(record.id)
            holder_ready << true
            release.pop
          end
        end
      end
      holder_ready.pop
      connection.execute("SET SESSION innodb_lock_wait_timeout = 1")
      expect { widget.where(id: record.id).update_all(quantity: 5) }
        .to raise_error(ActiveRecord::LockWaitTimeout) { |e| expect(e.cause.error_number).to eq(1205) }
      release << true
      holder.join
      expect(widget.where(id: record.id).update_all(quantity: 5)).to eq(1)
    ensure
      release << true
      holder&.join
    end

    it "raises NoDatabaseError, DatabaseConnectionError and AdapterTimeout for connect and read failures" do
      pool_with = ->(**overrides) { connect(pool: 1, **overrides) }
      expect { pool_with.call(database: "no_such_database").with_connection(&:verify!) }
        .to raise_error(ActiveRecord::NoDatabaseError)
      expect { pool_with.call(password: "wrong").with_connection(&:verify!) }
        .to raise_error(ActiveRecord::DatabaseConnectionError)
      # read_timeout expiry: Mysql2::Error::TimeoutError without an error number.
      expect { pool_with.call(read_timeout: 1).with_connection { |c| c.select_value("SELECT SLEEP(3)") } }
        .to raise_error(ActiveRecord::AdapterTimeout) { |e| expect(e.cause).to be_a(Mysql2::Error::TimeoutError) }
    ensure
      connect
    end

    it "raises StatementInvalid for an unknown column and keeps the connection usable" do
      expect { widget.where("no_such_column = ?", 1).to_a }.to raise_error(ActiveRecord::StatementInvalid) do |e|
        expect(e.cause).to be_a(Mysql2::Error)
        expect(e.message).to include("Unknown column 'no_such_column'")
      end
      expect { widget.create!(name: nil) }.to raise_error(ActiveRecord::NotNullViolation)
      expect(widget.count).to eq(0)
    end
  end
end

RSpec.describe "ActiveRecord mysql2 adapter, prepared_statements: false" do
  include_examples "ActiveRecord on this gem", prepared_statements: false
end

RSpec.describe "ActiveRecord mysql2 adapter, prepared_statements: true" do
  include_examples "ActiveRecord on this gem", prepared_statements: true
end
