# frozen_string_literal: true

require "socket"

module Mysql2Test
  # A TCP relay in front of the real server that clears CLIENT_SSL in the server's greeting: what an attacker on
  # the path (or a server without TLS) looks like to the client. Everything else passes through unchanged.
  class DowngradeProxy
    CLIENT_SSL = 0x800

    attr_reader :port

    def initialize(host, port)
      @target = [host, port]
      @listener = TCPServer.new("127.0.0.1", 0)
      @port = @listener.addr[1]
      @threads = []
      @sockets = []
      @acceptor = Thread.new { accept_loop }
    end

    # Stops accepting and cuts the relayed connections (shutdown wakes the relay threads' reads).
    def close
      @listener.close
      @acceptor.join
      @sockets.each { |socket| cut(socket) }
      @threads.each(&:join)
    end

    private

    def cut(socket)
      socket.shutdown(Socket::SHUT_RDWR) unless socket.closed?
    rescue IOError, SystemCallError
      nil # already closed or disconnected
    end

    def accept_loop
      loop do
        client = @listener.accept
        server = TCPSocket.new(*@target)
        @sockets.push(client, server)
        @threads << Thread.new { relay(client, server) }
      end
    rescue IOError, SystemCallError
      nil # the listener was closed
    end

    def relay(client, server)
      client.write(strip_ssl(read_packet(server)))
      upstream = Thread.new { pump(client, server) }
      pump(server, client)
      upstream.join
    ensure
      [client, server].each(&:close)
    end

    # Copies until either side ends, then shuts both down so the other direction's copy ends too (closing a
    # socket under another thread's IO.copy_stream would not wake it).
    def pump(from, to)
      IO.copy_stream(from, to)
    rescue IOError, SystemCallError
      nil
    ensure
      cut(from)
      cut(to)
    end

    def read_packet(io)
      header = io.read(4)
      length = header.unpack1("V") & 0xffffff
      header + io.read(length)
    end

    # Greeting: header(4) protocol(1) version(NUL-terminated) thread id(4) scramble(8) filler(1) capabilities(2).
    def strip_ssl(packet)
      offset = packet.index("\0", 5) + 1 + 4 + 8 + 1
      flags = packet.byteslice(offset, 2).unpack1("v") & ~CLIENT_SSL
      packet.byteslice(0, offset) + [flags].pack("v") + packet.byteslice((offset + 2)..)
    end
  end
end
