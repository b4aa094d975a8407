# frozen_string_literal: true

require "spec_helper"
require "openssl"

# TLS against the private server, whose certificate (signed by tmp/mariadb/certs/ca.pem) names mysql2-test.local
# and the IP 127.0.0.2 (the server listens there too), but not 127.0.0.1: so the host name check passes when
# connecting to 127.0.0.2 and fails when connecting to 127.0.0.1.
RSpec.describe "TLS", :external_server_unsupported do
  let(:cfg) { Mysql2Test::CONFIG }

  def tls_version(client)
    client.query("SHOW SESSION STATUS LIKE 'Ssl_version'").first["Value"]
  end

  it "connects encrypted with ssl_mode: :required and no certificates, over TCP and the socket" do
    [new_client(ssl_mode: :required), new_client(socket: true, tls_mode: "REQUIRED")].each do |client|
      expect(client.ssl_cipher).to be_a(String)
      expect(tls_version(client)).to start_with("TLSv1.")
    end
  end

  it "connects encrypted with ssl_mode: :preferred when the server offers TLS, without a warning" do
    client = nil
    expect { client = new_client(ssl_mode: :preferred) }.not_to output.to_stderr
    expect(client.ssl_cipher).to be_a(String)
    expect(tls_version(client)).to start_with("TLSv1.")
  end

  context "when a relay in front of the server hides its TLS support (downgrade)" do
    let(:proxy) { Mysql2Test::DowngradeProxy.new(cfg[:host], cfg[:port]) }

    after { proxy.close }

    def through_proxy(**opts)
      new_client(port: proxy.port, **opts)
    end

    it "falls back to plaintext with ssl_mode: :preferred" do
      client = through_proxy(ssl_mode: :preferred)
      expect(client.ssl_cipher).to be_nil
      expect(client.query("SHOW SESSION STATUS LIKE 'Ssl_version'").first["Value"]).to eq("")
    end

    it "refuses to connect with :required and :verify_ca" do
      [{ ssl_mode: :required }, { ssl_mode: :verify_ca, sslca: cfg[:ssl_ca] }].each do |opts|
        expect { through_proxy(**opts) }.to raise_error(
          Mysql2::Error::ConnectionError, "SSL connection error: SSL is required, but the server does not support it"
        ) { |e| expect(e.error_number).to eq(2026) }
      end
    end
  end

  it "connects in plaintext by default and with ssl_mode: :disabled, even with a CA given" do
    expect(new_client.ssl_cipher).to be_nil
    expect(new_client(ssl_mode: :disabled, sslca: cfg[:ssl_ca]).ssl_cipher).to be_nil
  end

  it "accepts the right CA with verify_ca on 127.0.0.1 (the host name is not checked), also after a reconnect" do
    client = new_client(ssl_mode: :verify_ca, sslca: cfg[:ssl_ca], reconnect: true)
    expect(client.ssl_cipher).to be_a(String)
    observer.query("KILL #{client.thread_id}")
    expect { client.query("SELECT 1") }.to raise_error(Mysql2::Error::ConnectionError)
    expect(client.query("SELECT 1 AS one").first).to eq("one" => 1)
    expect(client.ssl_cipher).to be_a(String)
  end

  it "refuses verify_ca when no CA vouches for the server" do
    expect { new_client(ssl_mode: :verify_ca) }
      .to raise_error(Mysql2::Error::ConnectionError, /\ASSL connection error: verify_ca: /) { |e|
        expect(e.error_number).to eq(2026)
      }
  end

  it "refuses a server whose certificate another CA signed (verify_ca)" do
    expect { new_client(ssl_mode: :verify_ca, sslca: cfg[:other_ca]) }
      .to raise_error(Mysql2::Error::ConnectionError) { |e| expect(e.error_number).to eq(2026) }
  end

  it "verifies the server's identity against an IP SAN (verify_identity and sslverify on 127.0.0.2)" do
    [new_client(host: cfg[:tls_verified_host], ssl_mode: :verify_identity, sslca: cfg[:ssl_ca]),
     new_client(host: cfg[:tls_verified_host], sslverify: true, tls_ca: cfg[:ssl_ca])].each do |client|
      expect(client.ssl_cipher).to be_a(String)
      expect(tls_version(client)).to start_with("TLSv1.")
    end
  end

  it "refuses verify_identity on the right host when another CA is given" do
    expect { new_client(host: cfg[:tls_verified_host], ssl_mode: :verify_identity, sslca: cfg[:other_ca]) }
      .to raise_error(Mysql2::Error::ConnectionError) { |e| expect(e.error_number).to eq(2026) }
  end

  it "refuses a certificate issued for another host name (verify_identity on 127.0.0.1)" do
    expect { new_client(ssl_mode: :verify_identity, sslca: cfg[:ssl_ca]) }
      .to raise_error(Mysql2::Error::ConnectionError, /certificate/) { |e| expect(e.error_number).to eq(2026) }
    expect { new_client(sslverify: true, sslca: cfg[:ssl_ca]) }.to raise_error(Mysql2::Error::ConnectionError)
  end

  it "sends a client certificate, and tls_* aliases win over ssl* ones (with a warning)" do
    client = nil
    expect do
      client = new_client(ssl_mode: :required, tls_cert: cfg[:client_cert], sslcert: "/nonexistent",
                          tls_key: cfg[:client_key])
    end.to output(/:sslcert and :tls_cert were both given with different values; :tls_cert wins/).to_stderr
    expect(client.ssl_cipher).to be_a(String)
  end

  it "honours tls_version" do
    expect(tls_version(new_client(ssl_mode: :required, tls_version: "TLSv1.2"))).to eq("TLSv1.2")
  end

  it "refuses sslverify: false with a verify mode, and warns about what it cannot do" do
    expect { new_client(sslverify: false, ssl_mode: :verify_ca) }
      .to raise_error(Mysql2::Error::ConnectionError, "sslverify: false conflicts with ssl_mode: verify_ca")
    expect { new_client(ssl_mode: :bogus) }.to output(/Unknown MySQL ssl_mode flag: bogus/).to_stderr
    expect { new_client(sslkey: cfg[:client_key], ssl_mode: :disabled) }
      .to output(/:sslkey and :sslcert only take effect together/).to_stderr
  end

  describe "#tls_info" do
    let(:server_cert) { OpenSSL::X509::Certificate.new(File.read(cfg[:ssl_cert])) }

    it "is nil on a plaintext connection and raises once the client is closed" do
      client = new_client
      expect(client.tls_info).to be_nil
      client.close
      expect { client.tls_info }.to raise_error(Mysql2::Error, "MySQL client is not connected")
    end

    it "describes the session and the server's certificate (verify_identity on 127.0.0.2)" do
      client = new_client(host: cfg[:tls_verified_host], ssl_mode: :verify_identity, sslca: cfg[:ssl_ca])
      info = client.tls_info
      expect(info).to include(tls_version: tls_version(client), cipher: client.ssl_cipher,
                              verify_status: OpenSSL::X509::V_OK, identity_verified: true)
      expect(info[:peer_cert]).to eq(
        version: server_cert.version + 1, subject: server_cert.subject.to_s, issuer: server_cert.issuer.to_s,
        fingerprint: OpenSSL::Digest::SHA256.hexdigest(server_cert.to_der),
        not_before: server_cert.not_before, not_after: server_cert.not_after
      )
      expect(info[:peer_cert][:issuer]).to eq(OpenSSL::X509::Certificate.new(File.read(cfg[:ssl_ca])).subject.to_s)
      expect(info[:peer_cert][:not_after]).to be_utc
    end

    it "reports an unverified chain under :required and a chain without the name check under :verify_ca" do
      required = new_client(ssl_mode: :required).tls_info
      expect(required[:verify_status]).to be_a(Integer).and(be_nonzero)
      expect(required[:identity_verified]).to be(false)
      expect(required[:peer_cert][:fingerprint]).to eq(OpenSSL::Digest::SHA256.hexdigest(server_cert.to_der))
      verify_ca = new_client(ssl_mode: :verify_ca, sslca: cfg[:ssl_ca]).tls_info
      expect(verify_ca).to include(verify_status: OpenSSL::X509::V_OK, identity_verified: false)
    end
  end
end
