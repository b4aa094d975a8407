/*
 * query_options: the query-options Hash (Client#query, Statement#execute, Result#each) parsed once into a C
 * struct, with mysql2's validation and warnings. Rows are built from the struct, never from the Hash.
 */
#ifndef MYSQL2_QUERY_OPTIONS_H
#define MYSQL2_QUERY_OPTIONS_H

#include "mysql2_ext.h"

typedef enum { CAST_NONE, CAST_FAST, CAST_FULL } cast_mode;
typedef enum { APP_TZ_NONE, APP_TZ_LOCAL, APP_TZ_UTC } app_tz_mode;

typedef struct query_options {
    bool as_array, symbolize_keys, cast_booleans, cache_rows, stream;
    cast_mode cast;
    bool database_utc; /* database_timezone :utc; anything else is :local */
    app_tz_mode application_tz;
    long rows_per_yield;         /* 0: never let other threads run while building a buffered result */
    long stream_size;            /* Statement#execute with stream: {size: N}; 0 when not given */
    rb_encoding *force_encoding; /* NULL: none */
    bool async;                  /* Client#query(async: true): async_result reads the reply (OPTS_QUERY only) */
} query_options;

/* Where the Hash comes from: what is allowed differs. OPTS_EACH is the Result's query options merged with the
 * options given to each (see query_options_check_each). */
typedef enum { OPTS_QUERY, OPTS_EXECUTE, OPTS_EACH } options_context;

/* Parses `hash` (a Hash; missing keys take mysql2's defaults) into *out. Raises ArgumentError, TypeError or
 * Mysql2::Error for invalid values (before anything is sent), and warns as mysql2 does. */
void query_options_parse(VALUE hash, options_context context, query_options *out);
/* The first half of query_options_parse: the options that raise or warn (stream, rows_per_gvl_yield,
 * force_encoding, database_timezone) and async, read from `base.merge(over)` without building it (`over`: a
 * Hash or Qnil). Client#query calls it before sending and query_options_read_rest while the server works. */
void query_options_check_over(VALUE base, VALUE over, options_context context, query_options *out);
/* The second half: as, symbolize_keys, cast_booleans, cache_rows, cast, application_timezone. Never warns; runs no
 * Ruby code (and so cannot raise) when query_options_plain(hash). */
void query_options_read_rest(VALUE hash, query_options *out);
/* True when `hash` is a Hash (not of a subclass, no singleton methods) without a default or a default proc: reading
 * it, or merging another Hash into a copy of it, runs no Ruby code. */
bool query_options_plain(VALUE hash);

/* Raises when the options given to Result#each hold what only a query may set (:force_encoding, even nil). */
void query_options_check_each(VALUE each_options);

void init_mysql2_query_options(void);

#endif
