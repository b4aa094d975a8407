# frozen_string_literal: true

require "monitor"
require "socket"

module Mysql2Test
  # A TCP relay on 127.0.0.1 between a client and the real server, for fault injection. Every accepted connection
  # is relayed to the target by two pump threads (one per direction). Controls, from any thread:
  #
  #   pause / resume        stop / restart forwarding in both directions; the sockets stay open (a stall)
  #   drop                  close every relayed connection now, both sides (the listener keeps accepting)
  #   cut_after(n, dir)     forward n more bytes in direction dir (:to_client or :to_server), then drop that
  #                         connection
  #   pause_after(n, dir)   forward n more bytes in direction dir, then pause (a stall in the middle of a result)
  #   throttle(bytes, secs) forward at most `bytes` every `secs` towards the client (a result that trickles in)
  #
  # A subclass may rewrite the server's first packet (the greeting) with #filter_greeting (see DowngradeProxy).
  class FaultProxy
    CHUNK = 16 * 1024
    DIRECTIONS = %i[to_client to_server].freeze

    # One relayed connection.
    Link = Struct.new(:client, :server, :dropped)

    attr_reader :port, :accepted

    def initialize(host, port)
      @target = [host, port]
      @listener = TCPServer.new("127.0.0.1", 0)
      @port = @listener.addr[1]
      @lock = Monitor.new
      @resumed = @lock.new_cond
      @paused = false
      @cut = {}
      @throttle = nil
      @links = []
      @threads = []
      @accepted = 0
      @acceptor = Thread.new { accept_loop }
    end

    def pause
      @lock.synchronize { @paused = true }
      self
    end

    def resume
      @lock.synchronize do
        @paused = false
        @resumed.broadcast
      end
      self
    end

    def cut_after(bytes, direction = :to_client)
      raise ArgumentError, "direction: #{direction.inspect}" unless DIRECTIONS.include?(direction)

      @lock.synchronize { @cut[direction] = [bytes, :drop] }
      self
    end

    def pause_after(bytes, direction = :to_client)
      raise ArgumentError, "direction: #{direction.inspect}" unless DIRECTIONS.include?(direction)

      @lock.synchronize { @cut[direction] = [bytes, :pause] }
      self
    end

    def throttle(bytes, seconds)
      @lock.synchronize { @throttle = bytes && [bytes, seconds] }
      self
    end

    # Closes both sides of every relayed connection now.
    def drop
      links = @lock.synchronize do
        @links.each { |link| link.dropped = true }
        @resumed.broadcast
        @links.dup
      end
      links.each { |link| shut(link) }
      self
    end

    # Stops accepting, drops every connection and joins the threads.
    def close
      @listener.close
      @acceptor.join
      resume
      drop
      @lock.synchronize { @threads.dup }.each(&:join)
      nil
    end

    private

    def filter_greeting(packet)
      packet
    end

    def accept_loop
      loop do
        client = @listener.accept
        server = TCPSocket.new(*@target)
        link = Link.new(client, server, false)
        @lock.synchronize do
          @accepted += 1
          @links << link
          @threads << Thread.new { relay(link) }
        end
      end
    rescue IOError, SystemCallError
      nil # the listener was closed
    end

    def relay(link)
      greeting = read_packet(link.server)
      wait_resumed(link)
      link.client.write(filter_greeting(greeting))
      upstream = Thread.new { pump(link, link.client, link.server, :to_server) }
      pump(link, link.server, link.client, :to_client)
      upstream.join
    rescue IOError, SystemCallError
      nil
    ensure
      shut(link)
      @lock.synchronize { @links.delete(link) }
      [link.client, link.server].each(&:close)
    end

    # Copies `from` to `to` chunk by chunk, honouring pause, cut and throttle; on EOF or error closes the link so
    # that the other direction ends too.
    def pump(link, from, to, direction)
      loop do
        data = from.readpartial(read_size(direction))
        wait_resumed(link)
        head, action = apply_cut(data, direction)
        to.write(head)
        break if action == :drop

        stall(link, to, data.byteslice(head.bytesize..)) if action == :pause

        pace(direction)
      end
    rescue IOError, SystemCallError
      nil
    ensure
      shut(link)
    end

    # pause_after's point was reached: pause, and forward the rest of the chunk once resumed.
    def stall(link, to, rest)
      pause
      wait_resumed(link)
      to.write(rest)
    end

    def read_size(direction)
      @lock.synchronize { direction == :to_client && @throttle ? @throttle[0] : CHUNK }
    end

    def pace(direction)
      delay = @lock.synchronize { direction == :to_client && @throttle && @throttle[1] }
      sleep delay if delay
    end

    # Returns the part of `data` to forward and the action (:drop, :pause) due once it is written, or nil.
    def apply_cut(data, direction)
      @lock.synchronize do
        left, action = @cut[direction]
        return [data, nil] unless left
        return [data, nil] if data.bytesize < left && (@cut[direction] = [left - data.bytesize, action])

        @cut.delete(direction)
        [data.byteslice(0, left), action]
      end
    end

    def wait_resumed(link)
      @lock.synchronize { @resumed.wait_while { @paused && !link.dropped } }
      raise IOError, "dropped" if link.dropped
    end

    # shutdown wakes the pumps' reads at once (closing a socket under another thread's read would not); the relay
    # thread closes the sockets once both pumps have ended.
    def shut(link)
      [link.client, link.server].each do |socket|
        socket.shutdown(Socket::SHUT_RDWR) unless socket.closed?
      rescue IOError, SystemCallError
        nil
      end
    end

    def read_packet(io)
      header = io.read(4)
      raise IOError, "the server closed the connection" unless header&.bytesize == 4

      header + io.read(header.unpack1("V") & 0xffffff)
    end
  end
end
