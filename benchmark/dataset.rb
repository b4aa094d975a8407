# frozen_string_literal: true

module Bench
  # The benchmark's data set: two tables in their own database on the private server, filled from MariaDB's
  # sequence engine with arithmetic only, so every run (and every machine) reads exactly the same bytes.
  # DATASET_VERSION is stored in bench_meta; a mismatch rebuilds the tables.
  module Dataset
    DATABASE = "mysql2_bench"
    DATASET_VERSION = "1"
    BIG_ROWS = 50_000
    TYPES_ROWS = 100

    TYPES_SQL = "SELECT * FROM bench_types ORDER BY id"
    BIG_SQL = "SELECT * FROM bench_rows ORDER BY id"
    POINT_SQL_PREFIX = "SELECT * FROM bench_rows WHERE id = "
    POINT_SQL_PREPARED = "SELECT * FROM bench_rows WHERE id = ?"

    QUICK_BIG_ROWS = 5_000

    # The 50,000-row query and its row count; `rake bench:quick` reads only the first 5,000 rows.
    def self.big(quick)
      quick ? ["#{BIG_SQL} LIMIT #{QUICK_BIG_ROWS}", QUICK_BIG_ROWS] : [BIG_SQL, BIG_ROWS]
    end

    # The issue's allocation target for a bench_rows row: one object for the row, plus one per cell that is not
    # nil, an Integer or a Float (name, email, created_at, updated_at, amount, birthday), averaged over `rows`
    # rows; the NULLs follow BIG_FILL.
    def self.allowed_objects_per_row(rows = BIG_ROWS)
      cells = (1..rows).sum do |seq|
        [10, 7, 5].count { |every| (seq % every).nonzero? } + 3
      end
      1 + cells.fdiv(rows)
    end

    # The id of the i-th point select (i from 0): a fixed walk over the whole table, the same in Ruby and C.
    def self.point_id(index)
      ((index * 7919) % BIG_ROWS) + 1
    end

    # (1): 25 columns, every common type, some NULLs.
    TYPES_TABLE = <<~SQL
      CREATE TABLE bench_types (
        id INT NOT NULL PRIMARY KEY,
        tiny_col TINYINT, small_col SMALLINT, medium_col MEDIUMINT, int_col INT, big_col BIGINT,
        uint_col INT UNSIGNED, decimal_col DECIMAL(12,4), float_col FLOAT, double_col DOUBLE,
        bool_col TINYINT(1), date_col DATE, datetime_col DATETIME, timestamp_col TIMESTAMP NULL DEFAULT NULL,
        time_col TIME, year_col YEAR, char_col CHAR(12), varchar_col VARCHAR(255), binary_col BINARY(16),
        varbinary_col VARBINARY(64), blob_col BLOB, text_col TEXT, enum_col ENUM('small','medium','large'),
        set_col SET('a','b','c','d'), null_col VARCHAR(32) NULL
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4
    SQL

    TYPES_FILL = <<~SQL.freeze
      INSERT INTO bench_types
      SELECT seq, (seq % 200) - 100, (seq * 37) % 32000, (seq * 1031) % 8000000, seq * 7919,
        seq * 1000000007, seq * 3, (seq * 12345) / 1000, seq / 7, seq * 3.14159265358979,
        seq % 2, DATE('2020-01-01') + INTERVAL seq DAY,
        TIMESTAMP('2021-06-15 08:30:00') + INTERVAL (seq * 3607) SECOND,
        TIMESTAMP('2022-03-01 12:00:00') + INTERVAL (seq * 86413) SECOND,
        SEC_TO_TIME(seq * 317), 1990 + (seq % 50), CONCAT('ch', seq), REPEAT(CONCAT('varchar ', seq, ' '), 4),
        UNHEX(MD5(seq)), UNHEX(SHA1(seq)), REPEAT(UNHEX(MD5(seq)), 8), REPEAT(CONCAT('text ', seq, ' é '), 10),
        ELT(1 + seq % 3, 'small', 'medium', 'large'), ELT(1 + seq % 4, 'a', 'a,b', 'b,c,d', 'a,b,c,d'),
        IF(seq % 3 = 0, NULL, CONCAT('maybe ', seq))
      FROM (SELECT CAST(seq AS SIGNED) AS seq FROM seq_1_to_#{TYPES_ROWS}) AS s
    SQL

    # (2): 50,000 rows of the 8 types an application table typically has, a few NULLs.
    BIG_TABLE = <<~SQL
      CREATE TABLE bench_rows (
        id INT NOT NULL PRIMARY KEY, user_id BIGINT NOT NULL, name VARCHAR(64) NOT NULL, email VARCHAR(128),
        created_at DATETIME NOT NULL, updated_at DATETIME, amount DECIMAL(12,2), score DOUBLE,
        active TINYINT(1) NOT NULL, birthday DATE
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4
    SQL

    BIG_FILL = <<~SQL.freeze
      INSERT INTO bench_rows
      SELECT seq, seq * 100003, CONCAT('user name ', seq), IF(seq % 10 = 0, NULL, CONCAT('user', seq, '@example.com')),
        TIMESTAMP('2020-01-01 00:00:00') + INTERVAL (seq * 631) SECOND,
        IF(seq % 7 = 0, NULL, TIMESTAMP('2023-01-01 00:00:00') + INTERVAL (seq * 97) SECOND),
        (seq * 7919 % 1000000) / 100, seq * 0.3183098861837907, seq % 2,
        IF(seq % 5 = 0, NULL, DATE('1950-01-01') + INTERVAL (seq % 20000) DAY)
      FROM (SELECT CAST(seq AS SIGNED) AS seq FROM seq_1_to_#{BIG_ROWS}) AS s
    SQL

    # The statements that (re)build the data set, as one script for the mariadb command-line client.
    def self.build_script
      <<~SQL
        CREATE DATABASE IF NOT EXISTS #{DATABASE} CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci;
        USE #{DATABASE};
        SET time_zone = '+00:00';
        DROP TABLE IF EXISTS bench_meta, bench_types, bench_rows;
        #{TYPES_TABLE};
        #{TYPES_FILL};
        #{BIG_TABLE};
        #{BIG_FILL};
        CREATE TABLE bench_meta (version VARCHAR(32) NOT NULL);
        INSERT INTO bench_meta VALUES ('#{DATASET_VERSION}');
      SQL
    end

    CHECK_SQL = "SELECT (SELECT version FROM #{DATABASE}.bench_meta), " \
                "(SELECT COUNT(*) FROM #{DATABASE}.bench_types), " \
                "(SELECT COUNT(*) FROM #{DATABASE}.bench_rows)".freeze

    def self.expected_check
      [DATASET_VERSION, TYPES_ROWS.to_s, BIG_ROWS.to_s]
    end
  end
end
