# frozen_string_literal: true

# A tour of the gem against the private MariaDB server (or the one MYSQL2_TEST_HOST names). Run: script/demo
require "mysql2"
require "timeout"
require_relative "../spec/support/private_server"

def step(title)
  puts "\n== #{title}"
  yield
end

cfg = Mysql2Test::PrivateServer.ensure_running!
at_exit { Mysql2Test::PrivateServer.stop if Mysql2Test::PrivateServer.started_here? }
tcp = { host: cfg[:host], port: cfg[:port], username: cfg[:username], password: cfg[:password],
        database: cfg[:database] }
client = nil

step "Connect over TCP and over the unix socket" do
  client = Mysql2::Client.new(**tcp)
  puts "TCP:    #{client.server_info[:version]} (connection id #{client.thread_id})"
  via_socket = Mysql2::Client.new(socket: cfg[:socket], username: cfg[:username], database: cfg[:database])
  puts "socket: #{via_socket.query("SELECT CURRENT_USER() AS u").first["u"]}"
  via_socket.close
end

step "Create a table, insert rows, read them back" do
  client.query("DROP TABLE IF EXISTS tour_people")
  client.query("CREATE TABLE tour_people (id INT PRIMARY KEY AUTO_INCREMENT, name VARCHAR(50), city VARCHAR(50))")
  client.query("INSERT INTO tour_people (name, city) VALUES ('Ada', 'London'), ('Grace', 'Arlington'), " \
               "('Linus', 'Helsinki')")
  puts "inserted #{client.affected_rows} rows, last id #{client.last_id}"
  client.query("SELECT * FROM tour_people ORDER BY id").each { |row| puts "  #{row.inspect}" }
  puts "as arrays: #{client.query("SELECT id, name FROM tour_people", as: :array).to_a.inspect}"
end

step "Values come back as Ruby types; prepared statements bind them by class" do
  row = client.query("SELECT 42 AS i, 1.5 AS d, CAST(2.5 AS DOUBLE) AS f, DATE '2024-02-29' AS day, " \
                     "TIMESTAMP '2024-02-29 12:34:56.789' AS at, CAST('-01:30:00' AS TIME) AS t, NULL AS n").first
  row.each { |name, value| puts "  #{name}: #{value.inspect} (#{value.class})" }
  find = client.prepare("SELECT name, city FROM tour_people WHERE id > ? AND name <> ?")
  puts "prepared (#{find.param_count} parameters): #{find.execute(1, "Linus", symbolize_keys: true).to_a.inspect}"
  find.close
end

step "Stream a large result row by row (stream: true), stop early, and keep using the connection" do
  seen = 0
  client.query("SELECT seq FROM seq_1_to_1000000", stream: true).each do |row|
    seen += 1
    break if row["seq"] == 3
  end
  puts "read #{seen} rows of a million, then: #{client.query("SELECT 1 AS still_fine").first.inspect}"
end

step "TLS: :verify_ca checks the CA; :verify_identity also checks the host the certificate names" do
  tls = Mysql2::Client.new(**tcp, ssl_mode: :verify_ca, sslca: cfg[:ssl_ca])
  version = tls.query("SHOW SESSION STATUS LIKE 'Ssl_version'").first["Value"]
  puts "verify_ca: #{version}, cipher #{tls.ssl_cipher}"
  tls.close
  if cfg[:tls_verified_host]
    verified = Mysql2::Client.new(**tcp, host: cfg[:tls_verified_host], ssl_mode: :verify_identity,
                                         sslca: cfg[:ssl_ca])
    puts "verify_identity to #{cfg[:tls_verified_host]} (named in the certificate): cipher #{verified.ssl_cipher}"
    verified.close
  end
  begin
    Mysql2::Client.new(**tcp, ssl_mode: :verify_identity, sslca: cfg[:ssl_ca])
  rescue Mysql2::Error::ConnectionError => e
    puts "verify_identity to 127.0.0.1 with a certificate for #{cfg[:tls_hostname]}: refused (#{e.message})"
  end
end

step "Several statements in one query, each result read in turn" do
  multi = Mysql2::Client.new(**tcp, flags: Mysql2::Client::MULTI_STATEMENTS)
  results = [multi.query("SELECT 'first' AS r; SELECT 'second' AS r; SELECT 'third' AS r").first["r"]]
  results << multi.store_result.first["r"] while multi.next_result
  puts "results: #{results.inspect}"
  multi.close
end

step "close from another thread cancels a running query at once" do
  busy = Mysql2::Client.new(**tcp)
  worker = Thread.new do
    busy.query("SELECT SLEEP(10)")
  rescue Mysql2::Error => e
    e
  end
  sleep 0.2
  started = Process.clock_gettime(Process::CLOCK_MONOTONIC)
  busy.close
  error = worker.value
  took = Process.clock_gettime(Process::CLOCK_MONOTONIC) - started
  puts "the query ended in #{(took * 1000).round(1)} ms with #{error.class}: #{error.message}"
end

step "Timeout.timeout really stops a query; :query_timeout kills it on the server too" do
  slow = Mysql2::Client.new(**tcp, query_timeout: 0.5)
  begin
    slow.query("SELECT SLEEP(10)")
  rescue Mysql2::Error::TimeoutError => e
    puts "query_timeout: #{e.message}; the connection still works: #{slow.query("SELECT 2 AS two").first.inspect}"
  end
  started = Process.clock_gettime(Process::CLOCK_MONOTONIC)
  begin
    Timeout.timeout(0.2) { slow.query("SELECT SLEEP(10)") }
  rescue Timeout::Error
    took = Process.clock_gettime(Process::CLOCK_MONOTONIC) - started
    puts "Timeout.timeout(0.2) returned after #{(took * 1000).round} ms; closed? #{slow.closed?}"
  end
end

step "Threads overlap their waits: 4 threads x SELECT SLEEP(0.5)" do
  started = Process.clock_gettime(Process::CLOCK_MONOTONIC)
  4.times.map { Thread.new { Mysql2::Client.new(**tcp).tap { |c| c.query("SELECT SLEEP(0.5)") }.close } }
   .each(&:join)
  puts "took #{(Process.clock_gettime(Process::CLOCK_MONOTONIC) - started).round(2)} s"
end

step "A wrong password is a ConnectionError with the server's error number" do
  Mysql2::Client.new(**tcp, password: "wrong")
rescue Mysql2::Error::ConnectionError => e
  puts "#{e.class} ##{e.error_number}: #{e.message}"
end

step "ActiveRecord and Sequel on this gem (the Gemfile's :integration group)" do
  require "active_record"
  require "sequel"
  ActiveRecord::Base.establish_connection(adapter: "mysql2", **tcp, prepared_statements: true)
  person = Class.new(ActiveRecord::Base) do
    self.table_name = "tour_people"
    def self.name = "Person"
  end
  ada = person.find_by!(name: "Ada")
  ada.update!(city: "London 🇬🇧")
  puts "ActiveRecord #{ActiveRecord.version}: #{person.order(:name).pluck(:name, :city).inspect}"
  puts "  update_all matched #{person.where(city: "Helsinki").update_all(city: "Helsinki")} row(s)"
  ActiveRecord::Base.connection_handler.clear_all_connections!(:all)

  db = Sequel.connect("mysql2://#{tcp[:username]}:#{tcp[:password]}@#{tcp[:host]}:#{tcp[:port]}/#{tcp[:database]}")
  people = db[:tour_people].where(Sequel.like(:city, "%n%")).order(:id)
  puts "Sequel #{Sequel.version}: #{people.select_map(%i[id name]).inspect}"
  by_name = db[:tour_people].where(name: :$name).prepare(:first, :person_by_name)
  puts "  prepared statement: #{by_name.call(name: "Grace").inspect}"
  db.disconnect
rescue LoadError => e
  puts "skipped (#{e.message}): bundle install the :integration group"
end

client.query("DROP TABLE tour_people")
client.close
puts "\nDone."
