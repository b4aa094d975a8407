/*
 * parse_fuzzer.c: libFuzzer target over the pure-C parsers (m2_parse) and the charset tables (m2_charset). Built
 * and run by `rake fuzz` (clang, -fsanitize=fuzzer,address,undefined). Besides memory safety it checks
 * properties: what a parser accepts has its fields in the ranges its format allows, integers print back to the
 * same value, the calendar arithmetic agrees with glibc's timegm() for every accepted date-time, and the fast
 * double path agrees bit for bit with strtod() for every text it accepts.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "m2_charset.h"
#include "m2_parse.h"

#define CHECK(cond)                                                                                                    \
    do {                                                                                                               \
        if (!(cond)) {                                                                                                 \
            fprintf(stderr, "property failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__);                               \
            abort();                                                                                                   \
        }                                                                                                              \
    } while (0)

static void check_integers(const char *s, size_t len)
{
    int64_t v;
    uint64_t u;
    char buf[32];
    if (m2_parse_int64(s, len, &v)) {
        snprintf(buf, sizeof(buf), "%" PRId64, v);
        int64_t again;
        CHECK(m2_parse_int64(buf, strlen(buf), &again) && again == v);
    }
    if (m2_parse_uint64(s, len, &u)) {
        CHECK(len > 0 && s[0] != '-' && s[0] != '+');
        snprintf(buf, sizeof(buf), "%" PRIu64, u);
        uint64_t again;
        CHECK(m2_parse_uint64(buf, strlen(buf), &again) && again == u);
    }
}

/* The fast path agrees with strtod() bit for bit wherever it answers. */
static void check_double(const char *s, size_t len)
{
    double fast;
    if (!m2_parse_double_fast(s, len, &fast))
        return;
    char *buf = strndup(s, len); /* leading zeros are accepted without limit */
    CHECK(buf && strlen(buf) == len);
    char *end;
    double slow = strtod(buf, &end);
    CHECK(end == buf + len);
    CHECK(memcmp(&fast, &slow, sizeof(fast)) == 0);
    free(buf);
}

static void check_clock(const m2_temporal *t)
{
    CHECK(t->minute >= 0 && t->minute <= 99 && t->second >= 0 && t->second <= 99);
    CHECK(t->usec >= 0 && t->usec <= 999999 && t->hour >= 0);
}

/* m2_epoch_utc against timegm() for a date-time that the calendar knows (month 1..12, day 1..31). */
static void check_epoch(const m2_temporal *t)
{
    if (t->month < 1 || t->month > 12 || t->day < 1 || t->hour > 23 || t->minute > 59 || t->second > 59)
        return;
    struct tm tm = {.tm_year = t->year - 1900,
                    .tm_mon = t->month - 1,
                    .tm_mday = t->day,
                    .tm_hour = t->hour,
                    .tm_min = t->minute,
                    .tm_sec = t->second};
    CHECK((int64_t)timegm(&tm) == m2_epoch_utc(t));
}

static void check_temporals(const char *s, size_t len)
{
    m2_temporal t;
    if (m2_parse_date(s, len, &t)) {
        CHECK(len == 10 && t.year <= 9999 && t.month <= 99 && t.day <= 99);
        check_epoch(&t);
    }
    if (m2_parse_datetime(s, len, &t)) {
        CHECK(len >= 19 && t.hour <= 99);
        check_clock(&t);
        check_epoch(&t);
    }
    if (m2_parse_time(s, len, &t)) {
        check_clock(&t);
        int64_t secs = m2_time_seconds(&t);
        CHECK(t.negative ? secs <= 0 : secs >= 0);
    }
}

static void check_charsets(const char *s, size_t len)
{
    char name[64];
    size_t n = len < sizeof(name) - 1 ? len : sizeof(name) - 1;
    memcpy(name, s, n);
    name[n] = '\0';
    const char *canonical = NULL;
    const char *ruby = m2_charset_ruby_name(name, &canonical);
    if (ruby)
        CHECK(m2_charset_for_ruby(ruby) != NULL || strlen(ruby) > 0);
    if (len >= 2) {
        unsigned int id = (unsigned char)s[0] | ((unsigned int)(unsigned char)s[1] << 8);
        const char *charset = m2_collation_charset(id);
        const char *ruby_for_id = m2_collation_ruby_name(id);
        CHECK(!ruby_for_id || charset);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *copy = malloc(size ? size : 1); /* exact size: ASan catches any read past the end */
    if (!copy)
        return 0;
    memcpy(copy, data, size);
    check_integers(copy, size);
    check_double(copy, size);
    check_temporals(copy, size);
    check_charsets(copy, size);
    free(copy);
    return 0;
}
