/*
 * m2_parse: parsers for the text forms the server sends (integers, DATE, DATETIME/TIMESTAMP, TIME) and the civil
 * calendar arithmetic the casts need. Pure C, no Ruby types, no allocation, no global state: safe from any
 * thread, and the fuzzing target for these inputs. Every parser takes a pointer and a length (the bytes need not
 * be NUL-terminated) and never reads outside them.
 */
#ifndef M2_PARSE_H
#define M2_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A date, a date-time or a signed duration as the server printed it. Fields are not range-checked beyond the
 * digit counts the formats allow (month 0, day 0 and Feb 31 all parse). */
typedef struct m2_temporal {
    int year, month, day;
    int hour, minute, second; /* hour up to 838 (or more) for TIME */
    int usec;                 /* fraction digits left-aligned: ".5" is 500000 */
    bool negative;            /* TIME only */
} m2_temporal;

/* [-+]digits fitting int64 (leading zeros allowed). Returns false on anything else or on overflow. */
bool m2_parse_int64(const char *s, size_t len, int64_t *out);
/* digits fitting uint64. Returns false on anything else or on overflow. */
bool m2_parse_uint64(const char *s, size_t len, uint64_t *out);
/* The double of "[-]digits[.[digits]]", "[-].digits", each with an optional "e[+-]" and 1 to 3 digits, when it can be
 * computed with a single rounding: up to 15 significant digits and a power of ten up to 1e22 (one IEEE operation on
 * exact operands: Clinger's fast path), else up to 19 significant digits and a power of ten up to 1e27 (128-bit
 * integer arithmetic, rounded to nearest, ties to even). Either way *out is bit for bit what strtod() returns in
 * the default rounding mode (to nearest), the only one Ruby runs in.
 * Returns false for anything else (more digits, bigger exponents, other syntax): the caller uses strtod(). */
bool m2_parse_double_fast(const char *s, size_t len, double *out);

/* "YYYY-MM-DD". */
bool m2_parse_date(const char *s, size_t len, m2_temporal *out);
/* "YYYY-MM-DD HH:MM:SS[.ffffff]". */
bool m2_parse_datetime(const char *s, size_t len, m2_temporal *out);
/* "[-]H+:MM:SS[.ffffff]" (hours of any width up to 6 digits). */
bool m2_parse_time(const char *s, size_t len, m2_temporal *out);

/* Days in `month` (1..12) of `year` in the proleptic Gregorian calendar. */
int m2_days_in_month(int64_t year, int month);
/* Days from 1970-01-01 to a proleptic Gregorian date. Month 1..12; days beyond the month's length (or 0) count
 * on from (back before) its first day, as timegm() would normalise them. */
int64_t m2_days_from_civil(int64_t year, int month, int day);
/* Seconds since the epoch of a civil date-time read as UTC (same normalisation). */
int64_t m2_epoch_utc(const m2_temporal *t);
/* Signed seconds of a TIME duration (without the fraction). */
int64_t m2_time_seconds(const m2_temporal *t);

#endif
