# frozen_string_literal: true

require "digest"
require "fileutils"
require "open3"
require "securerandom"
require "shellwords"
require "io/wait"
require "openssl"
require "socket"
require "tmpdir"

module Mysql2Test
  # A throwaway MariaDB server that lives entirely under <repo>/tmp/mariadb,
  # or, when MYSQL2_TEST_HOST / MYSQL2_TEST_SOCKET is set, the description of
  # an external server that is used as it is.
  class PrivateServer
    ROOT = File.expand_path("../..", __dir__)
    # MYSQL2_TEST_BASE_DIR moves the whole private server elsewhere (the spec that starts one from nothing uses it).
    BASE_DIR = File.expand_path(ENV.fetch("MYSQL2_TEST_BASE_DIR") { File.join(ROOT, "tmp", "mariadb") })
    DATA_DIR = File.join(BASE_DIR, "data")
    CERT_DIR = File.join(BASE_DIR, "certs")
    PID_FILE = File.join(BASE_DIR, "mysqld.pid")
    PORT_FILE = File.join(BASE_DIR, "port")
    ERROR_LOG = File.join(BASE_DIR, "error.log")
    LOCK_FILE = File.join(BASE_DIR, "lock")
    # A Unix socket path must fit in sun_path (108 bytes); fall back to the
    # system tmpdir for very deep checkouts.
    SOCKET = File.join(BASE_DIR, "mysqld.sock").then do |path|
      next path if path.bytesize < 100

      File.join(Dir.tmpdir, "mysql2-test-#{Digest::SHA256.hexdigest(ROOT)[0, 12]}.sock")
    end

    TLS_HOSTNAME = "mysql2-test.local"
    # A second loopback address the server also listens on, named (as an IP SAN) in its certificate: the host that
    # verify_identity accepts. 127.0.0.1 is deliberately not in the certificate, so it fails verify_identity.
    TLS_VERIFIED_HOST = "127.0.0.2"
    BIND_ADDRESSES = ["127.0.0.1", TLS_VERIFIED_HOST].freeze
    START_TIMEOUT = 30
    STOP_TIMEOUT = 30
    START_ATTEMPTS = 3
    EXTERNAL_TRIGGERS = %w[MYSQL2_TEST_HOST MYSQL2_TEST_SOCKET].freeze

    # Config key => suffix of the MYSQL2_TEST_* environment variable.
    ENV_NAMES = {
      host: "HOST", port: "PORT", socket: "SOCKET", username: "USER", password: "PASSWORD",
      database: "DATABASE", unprivileged_username: "UNPRIVILEGED_USER",
      unprivileged_password: "UNPRIVILEGED_PASSWORD", ssl_ca: "SSL_CA", ssl_cert: "SSL_CERT",
      ssl_key: "SSL_KEY", client_cert: "CLIENT_CERT", client_key: "CLIENT_KEY",
      other_ca: "OTHER_CA", tls_hostname: "TLS_HOSTNAME", tls_verified_host: "TLS_VERIFIED_HOST"
    }.freeze

    DEFAULTS = {
      host: "127.0.0.1", port: 3306, username: "root", password: "", database: "mysql2_test",
      unprivileged_username: "mysql2_user", unprivileged_password: "mysql2_pass"
    }.freeze

    OTHER_DATABASE = "mysql2_test_other"

    SMALL_SERVER_OPTIONS = %w[
      --innodb-buffer-pool-size=64M
      --innodb-log-file-size=16M
      --innodb-flush-log-at-trx-commit=2
      --skip-name-resolve
    ].freeze

    SETUP_SQL = <<~SQL.freeze
      DROP USER IF EXISTS ''@'localhost';
      CREATE USER IF NOT EXISTS 'root'@'localhost';
      ALTER USER 'root'@'localhost' IDENTIFIED BY '';
      GRANT ALL PRIVILEGES ON *.* TO 'root'@'localhost' WITH GRANT OPTION;
      CREATE USER IF NOT EXISTS 'root'@'127.0.0.1';
      ALTER USER 'root'@'127.0.0.1' IDENTIFIED BY '';
      GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;
      CREATE DATABASE IF NOT EXISTS `#{DEFAULTS[:database]}`
        CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci;
      CREATE DATABASE IF NOT EXISTS `#{OTHER_DATABASE}`
        CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci;
      CREATE USER IF NOT EXISTS 'mysql2_user'@'%';
      ALTER USER 'mysql2_user'@'%' IDENTIFIED BY '#{DEFAULTS[:unprivileged_password]}';
      GRANT ALL PRIVILEGES ON `#{DEFAULTS[:database]}`.* TO 'mysql2_user'@'%';
      CREATE USER IF NOT EXISTS 'mysql2_user'@'localhost';
      ALTER USER 'mysql2_user'@'localhost' IDENTIFIED BY '#{DEFAULTS[:unprivileged_password]}';
      GRANT ALL PRIVILEGES ON `#{DEFAULTS[:database]}`.* TO 'mysql2_user'@'localhost';
    SQL

    class Error < StandardError; end

    class << self
      # Frozen Hash describing the server the specs should use.
      def config
        external? ? external_config : private_config
      end

      # Starts the private server unless it (or an external one) is available.
      def ensure_running!
        with_lock { start_unless_running } unless external?
        config
      end

      def started_here?
        @started_here == true
      end

      def stop
        with_lock { stop_server } unless external?
        nil
      end

      def external?
        EXTERNAL_TRIGGERS.any? { |name| !ENV.fetch(name, "").empty? }
      end

      def running?
        !external? && !server_pid.nil? && answering?
      end

      def status
        return "external server #{config.values_at(:host, :port, :socket).compact.join(" ")}" if external?
        return "stopped" unless running?

        "running pid=#{server_pid} host=127.0.0.1 port=#{read_port} socket=#{SOCKET}"
      end

      # Shell lines that make later processes use this server as an external one.
      def env_exports(cfg = config)
        ENV_NAMES.filter_map do |key, name|
          "export MYSQL2_TEST_#{name}=#{Shellwords.escape(cfg[key].to_s)}" unless cfg[key].nil?
        end
      end

      private

      def private_config
        values = DEFAULTS.merge(port: read_port, socket: SOCKET, tls_hostname: TLS_HOSTNAME,
                                tls_verified_host: TLS_VERIFIED_HOST, **Certificates.paths(CERT_DIR))
        ENV_NAMES.keys.to_h { |key| [key, values[key]] }.merge(external: false).freeze
      end

      def external_config
        values = ENV_NAMES.to_h { |key, name| [key, env_value(name) || DEFAULTS[key]] }
        values.merge(port: Integer(values[:port]), external: true).freeze
      end

      def env_value(name)
        value = ENV.fetch("MYSQL2_TEST_#{name}", "")
        value.empty? ? nil : value
      end

      def with_lock
        FileUtils.mkdir_p(BASE_DIR)
        File.open(LOCK_FILE, File::RDWR | File::CREAT, 0o644) do |lock|
          lock.flock(File::LOCK_EX)
          yield
        end
      end

      # --- starting ---------------------------------------------------------

      def start_unless_running
        return if server_pid && read_port && answering? && current_layout?

        stop_server
        Certificates.generate(CERT_DIR, TLS_HOSTNAME, TLS_VERIFIED_HOST)
        install_db unless Dir.exist?(DATA_DIR)
        start_server
        run_sql(SETUP_SQL)
        @started_here = true
      end

      # A server started by an older version of this file (certificates without the IP SAN, or not listening on
      # every bind address) is restarted with fresh certificates.
      def current_layout?
        Certificates.current?(CERT_DIR, TLS_HOSTNAME, TLS_VERIFIED_HOST) &&
          BIND_ADDRESSES.all? { |address| tcp_listening?(address, read_port) }
      end

      def tcp_listening?(address, port)
        Socket.tcp(address, port, connect_timeout: 2).close
        true
      rescue SystemCallError, IOError
        false
      end

      def install_db
        staging = "#{DATA_DIR}.new"
        FileUtils.rm_rf(staging)
        run!(executable("mariadb-install-db", "mysql_install_db"), "--no-defaults",
             "--datadir=#{staging}", "--auth-root-authentication-method=normal",
             "--skip-test-db", *user_option, *SMALL_SERVER_OPTIONS)
        File.rename(staging, DATA_DIR)
      end

      def start_server
        attempt = 0
        begin
          attempt += 1
          spawn_server(free_port)
        rescue Error
          raise if attempt >= START_ATTEMPTS

          retry
        end
      end

      def spawn_server(port)
        File.write(PORT_FILE, "#{port}\n")
        pid = Process.spawn(*server_command(port), pgroup: true, in: File::NULL,
                                                   %i[out err] => [ERROR_LOG, "a"])
        wait_until_ready(pid, Process.detach(pid))
      rescue StandardError
        FileUtils.rm_f(PORT_FILE)
        raise
      end

      def server_command(port)
        certs = Certificates.paths(CERT_DIR)
        [executable("mariadbd", "mysqld"), "--no-defaults", "--datadir=#{DATA_DIR}",
         "--socket=#{SOCKET}", "--port=#{port}", "--bind-address=#{BIND_ADDRESSES.join(",")}",
         "--skip-networking=0", "--pid-file=#{PID_FILE}", "--log-error=#{ERROR_LOG}",
         "--local-infile=1", "--performance-schema=ON", "--ssl-ca=#{certs[:ssl_ca]}",
         "--ssl-cert=#{certs[:ssl_cert]}", "--ssl-key=#{certs[:ssl_key]}", *user_option,
         *SMALL_SERVER_OPTIONS, "--max-connections=500", "--character-set-server=utf8mb4",
         "--collation-server=utf8mb4_general_ci"]
      end

      def wait_until_ready(pid, waiter)
        deadline = monotonic + START_TIMEOUT
        until answering?
          raise Error, failure_message("mariadbd exited (#{waiter.value})") unless waiter.alive?

          if monotonic > deadline
            terminate(pid)
            raise Error, failure_message("mariadbd did not answer within #{START_TIMEOUT}s")
          end
          sleep 0.05
        end
      end

      def failure_message(reason)
        tail = File.exist?(ERROR_LOG) ? File.readlines(ERROR_LOG).last(30).join : "(no log)\n"
        "#{reason}; last lines of #{ERROR_LOG}:\n#{tail}"
      end

      def run_sql(sql)
        run!(executable("mariadb", "mysql"), "--no-defaults", "--socket=#{SOCKET}", "-uroot",
             "--batch", "-e", sql)
      end

      def run!(*command)
        output, status = Open3.capture2e(*command)
        return output if status.success?

        raise Error, "#{command.first} failed (#{status}):\n#{output}"
      end

      # A port free on 127.0.0.1. Should it be taken on another bind address, mariadbd exits and start_server
      # retries with a new port.
      def free_port
        server = TCPServer.new("127.0.0.1", 0)
        server.addr[1]
      ensure
        server&.close
      end

      # True once the server sends its handshake over the Unix socket.
      def answering?(timeout = 2)
        UNIXSocket.open(SOCKET) do |socket|
          socket.wait_readable(timeout) && !socket.readpartial(64).empty?
        end
      rescue SystemCallError, IOError
        false
      end

      # --- stopping ---------------------------------------------------------

      def stop_server
        pid = server_pid
        terminate(pid) if pid
        FileUtils.rm_f([PID_FILE, PORT_FILE])
        FileUtils.rm_f(SOCKET) unless answering?(0.2)
      end

      def terminate(pid)
        Process.kill("TERM", pid)
        return if wait_for_exit(pid, STOP_TIMEOUT)

        Process.kill("KILL", pid)
        wait_for_exit(pid, 5)
      rescue Errno::ESRCH
        nil
      end

      def wait_for_exit(pid, timeout)
        deadline = monotonic + timeout
        while alive?(pid)
          return false if monotonic > deadline

          sleep 0.05
        end
        true
      end

      # --- processes ----------------------------------------------------------

      # The pid in the pid file, if that process is alive and is a MariaDB server.
      def server_pid
        return unless File.exist?(PID_FILE)

        pid = Integer(File.read(PID_FILE).strip, exception: false)
        pid if pid&.positive? && alive?(pid) && server_process?(pid)
      rescue SystemCallError
        nil
      end

      def alive?(pid)
        Process.kill(0, pid)
        !zombie?(pid)
      rescue Errno::ESRCH
        false
      rescue Errno::EPERM
        true
      end

      # An exited server whose parent has not reaped it yet counts as gone.
      def zombie?(pid)
        File.read("/proc/#{pid}/stat")[/\) (\S)/, 1] == "Z"
      rescue SystemCallError
        false
      end

      def server_process?(pid)
        comm = File.read("/proc/#{pid}/comm").strip
        %w[mariadbd mysqld].include?(comm)
      rescue SystemCallError
        true # no /proc: trust the pid file
      end

      def read_port
        Integer(File.read(PORT_FILE).strip, exception: false)
      rescue SystemCallError
        nil
      end

      def user_option
        Process.uid.zero? ? ["--user=root"] : []
      end

      def executable(*names)
        dirs = ENV.fetch("PATH", "").split(File::PATH_SEPARATOR) +
               %w[/usr/sbin /usr/local/sbin /usr/local/mysql/bin /usr/libexec]
        names.product(dirs).map { |name, dir| File.join(dir, name) }
             .find { |path| File.file?(path) && File.executable?(path) } || names.first
      end

      def monotonic
        Process.clock_gettime(Process::CLOCK_MONOTONIC)
      end
    end

    # Test certificates made with the openssl command line: a CA, a server
    # certificate for TLS_HOSTNAME and the IP TLS_VERIFIED_HOST, a client
    # certificate and an unrelated CA.
    module Certificates
      FILES = {
        ssl_ca: "ca.pem", ssl_cert: "server-cert.pem", ssl_key: "server-key.pem",
        client_cert: "client-cert.pem", client_key: "client-key.pem", other_ca: "other-ca.pem"
      }.freeze
      DAYS = "3650"

      module_function

      def paths(dir)
        FILES.transform_values { |name| File.join(dir, name) }
      end

      def generate(dir, hostname, ip)
        return if current?(dir, hostname, ip)

        staging = "#{dir}.new"
        FileUtils.rm_rf(staging)
        FileUtils.mkdir_p(staging)
        build_all(staging, hostname, ip)
        FileUtils.rm_rf(dir)
        File.rename(staging, dir)
      end

      # All files exist and the server certificate names exactly what this version asks for (certificates made by
      # an older version lack the IP SAN and are replaced).
      def current?(dir, hostname, ip)
        files = paths(dir)
        return false unless files.values.all? { |path| File.exist?(path) }

        cert = OpenSSL::X509::Certificate.new(File.read(files[:ssl_cert]))
        san = cert.extensions.find { |ext| ext.oid == "subjectAltName" }
        san&.value == "DNS:#{hostname}, IP Address:#{ip}"
      rescue OpenSSL::X509::CertificateError
        false
      end

      def build_all(dir, hostname, ip)
        conf = File.join(dir, "openssl.cnf")
        File.write(conf, openssl_config(hostname, ip))
        make_ca(dir, conf, "ca", "mysql2 test CA")
        make_ca(dir, conf, "other-ca", "mysql2 unrelated CA")
        make_leaf(dir, conf, "server", hostname)
        make_leaf(dir, conf, "client", "mysql2 test client")
        FileUtils.rm_f(Dir.glob(File.join(dir, "*.csr")))
      end

      def make_ca(dir, conf, name, common_name)
        openssl("req", "-x509", "-config", conf, "-extensions", "ca_ext", "-newkey", "rsa:2048",
                "-nodes", "-sha256", "-days", DAYS, "-subj", "/CN=#{common_name}",
                "-keyout", File.join(dir, "#{name}-key.pem"), "-out", File.join(dir, "#{name}.pem"))
      end

      def make_leaf(dir, conf, name, common_name)
        csr = File.join(dir, "#{name}.csr")
        openssl("req", "-new", "-config", conf, "-newkey", "rsa:2048", "-nodes", "-sha256",
                "-subj", "/CN=#{common_name}", "-keyout", File.join(dir, "#{name}-key.pem"),
                "-out", csr)
        openssl("x509", "-req", "-in", csr, "-CA", File.join(dir, "ca.pem"),
                "-CAkey", File.join(dir, "ca-key.pem"), "-set_serial", "0x#{SecureRandom.hex(16)}",
                "-days", DAYS, "-sha256", "-extfile", conf, "-extensions", "#{name}_ext",
                "-out", File.join(dir, "#{name}-cert.pem"))
      end

      def openssl(*args)
        output, status = Open3.capture2e("openssl", *args)
        return if status.success?

        raise PrivateServer::Error, "openssl #{args.first} failed (#{status}):\n#{output}"
      end

      def openssl_config(hostname, ip)
        <<~CNF
          [req]
          distinguished_name = dn
          prompt = no

          [dn]
          CN = mysql2 test

          [ca_ext]
          basicConstraints = critical, CA:TRUE
          keyUsage = critical, keyCertSign, cRLSign
          subjectKeyIdentifier = hash

          [server_ext]
          basicConstraints = CA:FALSE
          keyUsage = critical, digitalSignature, keyEncipherment
          extendedKeyUsage = serverAuth
          subjectAltName = DNS:#{hostname}, IP:#{ip}
          subjectKeyIdentifier = hash
          authorityKeyIdentifier = keyid, issuer

          [client_ext]
          basicConstraints = CA:FALSE
          keyUsage = critical, digitalSignature, keyEncipherment
          extendedKeyUsage = clientAuth
          subjectKeyIdentifier = hash
          authorityKeyIdentifier = keyid, issuer
        CNF
      end
    end
  end
end
