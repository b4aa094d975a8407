# frozen_string_literal: true

require_relative "fault_proxy"

module Mysql2Test
  # A relay in front of the real server that clears CLIENT_SSL in the server's greeting: what an attacker on the
  # path (or a server without TLS) looks like to the client. Everything else passes through unchanged.
  class DowngradeProxy < FaultProxy
    CLIENT_SSL = 0x800

    private

    # Greeting: header(4) protocol(1) version(NUL-terminated) thread id(4) scramble(8) filler(1) capabilities(2).
    def filter_greeting(packet)
      offset = packet.index("\0", 5) + 1 + 4 + 8 + 1
      flags = packet.byteslice(offset, 2).unpack1("v") & ~CLIENT_SSL
      packet.byteslice(0, offset) + [flags].pack("v") + packet.byteslice((offset + 2)..)
    end
  end
end
