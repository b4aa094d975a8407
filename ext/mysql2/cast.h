/*
 * cast: the Ruby values of cells, shared by the text protocol (Result) and the binary protocol (Statement):
 * Strings with mysql2's encoding rules, integers, BigDecimal, Float, Date, Time/DateTime and TIME durations, with
 * the :database_timezone / :application_timezone rules. Everything here runs with the GVL held.
 */
#ifndef MYSQL2_CAST_H
#define MYSQL2_CAST_H

#include "query_options.h"
#include "m2_parse.h"

/* The state of one each (or one execute): built on the C stack, lives as long as the rows are being built. */
typedef struct cast_ctx {
    const query_options *opts;
    rb_encoding *internal;       /* Encoding.default_internal when the each began, or NULL */
    VALUE scratch;               /* a String reused to hand digits to BigDecimal() (Qnil until first needed): the
                                  * one the last finished cast context left (cast_ctx_done), or a new one */
    bool no_raise;               /* casting while reading: a date Date/Time could refuse is Qundef (row_text_cell) */
    bool tz_checked;             /* the process-wide zone cache (cast.c) was matched against ENV["TZ"] in this each */
    bool tz_moved;               /* the zone cache changed zones after this each's first check: what it cast before may
                                  * belong to another zone than what it casts after (result_fill drops its early cells) */
    unsigned long tz_generation; /* the zone cache's generation at this each's last check */
} cast_ctx;

void cast_ctx_init(cast_ctx *x, const query_options *opts);
/* At the normal end of the cast context: leaves its scratch String for the next one, so that an each of a few rows
 * with a DECIMAL allocates none. (One that raises leaves none: the next makes a new one.) */
void cast_ctx_done(cast_ctx *x);

/* A String of `len` bytes whose column encoding is `enc` (force_encoding and default_internal applied). */
VALUE cast_string(const cast_ctx *x, const char *p, long len, rb_encoding *enc);
/* An Integer from decimal digits (any size; leading zeros and a sign allowed). */
VALUE cast_integer(const char *p, long len);
/* BigDecimal(digits). */
VALUE cast_decimal(cast_ctx *x, const char *p, long len);
/* A Float from its text (locale-independent). */
VALUE cast_float(const char *p, long len);

/* DATE: nil for 0000-00-00, Mysql2::Error for a zero month or day, else Date.new (which raises for an invalid
 * calendar date). `raw` is the text for the message; NULL formats it from `t`. */
VALUE cast_date(const cast_ctx *x, const m2_temporal *t, const char *field, const char *raw, long raw_len);
/* DATETIME/TIMESTAMP: nil when all zero, Mysql2::Error for a zero month or day, else a Time (a DateTime beyond
 * Time's documented range) in the database time zone, converted to the application's. */
VALUE cast_datetime(cast_ctx *x, const m2_temporal *t, const char *field, const char *raw, long raw_len);
/* TIME: 2000-01-01 00:00:00 in the database time zone plus the signed duration, then the application's zone. */
VALUE cast_duration(cast_ctx *x, const m2_temporal *t);
/* The generation of the process-wide zone cache once matched against ENV["TZ"] (emptied for a new value): the
 * same generation means local times cast under the same zone; 0 when there is none to compare. */
unsigned long cast_zone(cast_ctx *x);

void init_mysql2_cast(void);

#endif
