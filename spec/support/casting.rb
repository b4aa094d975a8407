# frozen_string_literal: true

require "bigdecimal"
require "date"

module Mysql2Test
  # Oracles for the casting specs: what mysql2's rules (API reference §3c) give for given fields, computed with
  # Ruby's own Time/DateTime in the current ENV["TZ"], never hard-coded.
  module Casting
    MIN_PSEUDO = 2_678_400
    MAX_PSEUDO = 315_578_267_999

    def local_offset_fraction
      Rational(Time.now.utc_offset, 86_400)
    end

    # DATETIME/TIMESTAMP: Time.local/Time.utc (by +db+), or DateTime.civil outside mysql2's pseudo-epoch range; then
    # the application zone.
    # +fields+: [year, month, day, hour, min, sec].
    def expected_datetime(fields, usec = 0, db: :local, app: nil)
      year, month, day, hour, min, sec = fields
      pseudo = (year * 31_557_600) + (month * 2_592_000) + (day * 86_400) + (hour * 3600) + (min * 60) + sec
      if pseudo < MIN_PSEUDO || pseudo > MAX_PSEUDO
        offset = db == :utc ? 0 : local_offset_fraction
        to_app(DateTime.civil(year, month, day, hour, min, sec, offset), app)
      else
        to_app(Time.public_send(db == :utc ? :utc : :local, year, month, day, hour, min, sec, usec), app)
      end
    end

    # The SQL literal of a date-time: 'YYYY-MM-DD HH:MM:SS' plus +fraction+ (e.g. ".25").
    def datetime_literal(fields, fraction = "")
      year, month, day, hour, min, sec = fields
      clock = [hour, min, sec].map { |v| v.to_s.rjust(2, "0") }.join(":")
      "'#{year.to_s.rjust(4, "0")}-#{month.to_s.rjust(2, "0")}-#{day.to_s.rjust(2, "0")} #{clock}#{fraction}'"
    end

    # TIME: a signed duration added to 2000-01-01 00:00:00 in the database zone.
    def expected_duration(text, db: :local, app: nil)
      sign = text.start_with?("-") ? -1 : 1
      hours, minutes, seconds = text.delete_prefix("-").split(":")
      micros = ((Integer(hours, 10) * 3600) + (Integer(minutes, 10) * 60)) * 1_000_000
      micros += (Rational(seconds) * 1_000_000).to_i
      anchor = Time.public_send(db == :utc ? :utc : :local, 2000, 1, 1)
      to_app(anchor + Rational(sign * micros, 1_000_000), app)
    end

    def to_app(value, app)
      case app
      when :local then value.is_a?(DateTime) ? value.new_offset(local_offset_fraction) : value.localtime
      when :utc then value.is_a?(DateTime) ? value.new_offset(0) : value.utc
      else value
      end
    end

    # A value with what == does not compare: the class, a Time's offset and zone kind, a String's encoding,
    # a DateTime's offset.
    def described(value)
      case value
      when Time then [Time, value.to_r, value.utc_offset, value.utc?]
      when DateTime then [DateTime, value.to_s, value.offset]
      when BigDecimal then [BigDecimal, value.to_s]
      when String then [String, value, value.encoding]
      else [value.class, value]
      end
    end
  end
end
