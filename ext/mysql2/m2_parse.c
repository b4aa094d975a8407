/*
 * m2_parse.c: see m2_parse.h. A cursor walks the bytes; every step checks the remaining length.
 */
#include <float.h>
#include "m2_parse.h"

typedef struct cursor {
    const char *p, *end;
} cursor;

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Exactly `n` digits into *out. */
static bool fixed_digits(cursor *c, int n, int *out)
{
    if (c->end - c->p < n)
        return false;
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!is_digit(c->p[i]))
            return false;
        v = v * 10 + (c->p[i] - '0');
    }
    c->p += n;
    *out = v;
    return true;
}

/* From 1 to `max` digits into *out. */
static bool some_digits(cursor *c, int max, int *out)
{
    int v = 0, n = 0;
    while (c->p < c->end && is_digit(*c->p) && n < max) {
        v = v * 10 + (*c->p++ - '0');
        n++;
    }
    *out = v;
    return n > 0;
}

static bool expect(cursor *c, char ch)
{
    if (c->p >= c->end || *c->p != ch)
        return false;
    c->p++;
    return true;
}

/* An optional ".f{1,6}" fraction, left-aligned to microseconds; then the input must end. */
static bool fraction_and_end(cursor *c, int *usec)
{
    *usec = 0;
    if (c->p < c->end && *c->p == '.') {
        c->p++;
        int scale = 100000, n = 0;
        while (c->p < c->end && is_digit(*c->p) && n < 6) {
            *usec += (*c->p++ - '0') * scale;
            scale /= 10;
            n++;
        }
        if (n == 0)
            return false;
    }
    return c->p == c->end;
}

bool m2_parse_uint64(const char *s, size_t len, uint64_t *out)
{
    if (len == 0)
        return false;
    uint64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (!is_digit(s[i]))
            return false;
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

/* Digits appended to *mant, counted in *sig from the first non-zero one; returns how many digits were read, or -1
 * past 15 significant digits. */
static int mantissa_digits(cursor *c, uint64_t *mant, int *sig)
{
    int n = 0;
    for (; c->p < c->end && is_digit(*c->p); c->p++, n++) {
        if (*mant == 0 && *c->p == '0')
            continue; /* a leading zero */
        if (++*sig > 15)
            return -1;
        *mant = *mant * 10 + (uint64_t)(*c->p - '0');
    }
    return n;
}

bool m2_parse_double_fast(const char *s, size_t len, double *out)
{
    static const double pow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                   1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    cursor c = {s, s + len};
    bool neg = c.p < c.end && *c.p == '-';
    c.p += neg;
    uint64_t mant = 0;
    int sig = 0, exp10 = 0;
    int whole = mantissa_digits(&c, &mant, &sig), frac = 0;
    if (whole < 0)
        return false;
    if (c.p < c.end && *c.p == '.') {
        c.p++;
        if ((frac = mantissa_digits(&c, &mant, &sig)) < 0)
            return false;
        exp10 = -frac;
    }
    if (whole + frac == 0)
        return false;
    if (c.p < c.end && (*c.p == 'e' || *c.p == 'E')) {
        c.p++;
        bool eneg = c.p < c.end && *c.p == '-';
        c.p += c.p < c.end && (*c.p == '-' || *c.p == '+');
        int e;
        if (!some_digits(&c, 3, &e))
            return false;
        exp10 += eneg ? -e : e;
    }
    if (c.p != c.end || exp10 < -22 || exp10 > 22)
        return false;
#if !defined(FLT_EVAL_METHOD) || FLT_EVAL_METHOD != 0
    return false; /* extended-precision arithmetic (x87) could round twice */
#endif
    double v = (double)mant; /* exact: below 10^15 < 2^53 */
    v = exp10 < 0 ? v / pow10[-exp10] : v * pow10[exp10];
    *out = neg ? -v : v;
    return true;
}

bool m2_parse_int64(const char *s, size_t len, int64_t *out)
{
    bool neg = len > 0 && s[0] == '-';
    size_t skip = len > 0 && (s[0] == '-' || s[0] == '+') ? 1 : 0;
    uint64_t mag;
    if (!m2_parse_uint64(s + skip, len - skip, &mag))
        return false;
    if (neg) {
        if (mag > (uint64_t)INT64_MAX + 1)
            return false;
        *out = mag == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)mag;
    } else {
        if (mag > (uint64_t)INT64_MAX)
            return false;
        *out = (int64_t)mag;
    }
    return true;
}

static bool date_part(cursor *c, m2_temporal *out)
{
    return fixed_digits(c, 4, &out->year) && expect(c, '-') && fixed_digits(c, 2, &out->month) && expect(c, '-') &&
           fixed_digits(c, 2, &out->day);
}

static bool clock_part(cursor *c, m2_temporal *out, int hour_digits)
{
    bool hour_ok = hour_digits == 2 ? fixed_digits(c, 2, &out->hour) : some_digits(c, hour_digits, &out->hour);
    return hour_ok && expect(c, ':') && fixed_digits(c, 2, &out->minute) && expect(c, ':') &&
           fixed_digits(c, 2, &out->second) && fraction_and_end(c, &out->usec);
}

bool m2_parse_date(const char *s, size_t len, m2_temporal *out)
{
    cursor c = {s, s + len};
    *out = (m2_temporal){0};
    return date_part(&c, out) && c.p == c.end;
}

bool m2_parse_datetime(const char *s, size_t len, m2_temporal *out)
{
    cursor c = {s, s + len};
    *out = (m2_temporal){0};
    return date_part(&c, out) && expect(&c, ' ') && clock_part(&c, out, 2);
}

bool m2_parse_time(const char *s, size_t len, m2_temporal *out)
{
    cursor c = {s, s + len};
    *out = (m2_temporal){0};
    out->negative = expect(&c, '-');
    return clock_part(&c, out, 6);
}

int m2_days_in_month(int64_t year, int month)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    return month == 2 && leap ? 29 : days[month - 1];
}

/* The well-known era-based conversion (400-year cycles of 146097 days), shifted so that March is month 0. */
int64_t m2_days_from_civil(int64_t year, int month, int day)
{
    year -= month <= 2;
    int64_t era = (year >= 0 ? year : year - 399) / 400;
    int64_t yoe = year - era * 400;
    int64_t doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

int64_t m2_epoch_utc(const m2_temporal *t)
{
    return m2_days_from_civil(t->year, t->month, t->day) * 86400 + t->hour * 3600 + t->minute * 60 + t->second;
}

int64_t m2_time_seconds(const m2_temporal *t)
{
    int64_t s = (int64_t)t->hour * 3600 + t->minute * 60 + t->second;
    return t->negative ? -s : s;
}
