/*
 * m2_parse.c: see m2_parse.h. A cursor walks the bytes; every step checks the remaining length.
 */
#include <float.h>
#include <math.h>
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
 * past 19 significant digits (so *mant stays below 10^19 < 2^64). */
static int mantissa_digits(cursor *c, uint64_t *mant, int *sig)
{
    const char *p = c->p, *start = p; /* locals: the stores through the pointers would be redone every digit */
    uint64_t m = *mant;
    if (m == 0)
        while (p < c->end && *p == '0')
            p++; /* leading zeros */
    int left = 19 - *sig;
    for (; p < c->end && is_digit(*p); p++) {
        if (--left < 0)
            return -1;
        m = m * 10 + (uint64_t)(*p - '0');
    }
    *sig = 19 - left;
    *mant = m;
    c->p = p;
    return (int)(p - start);
}

#ifdef __SIZEOF_INT128__
typedef unsigned __int128 m2_u128;

static int bit_length(m2_u128 x)
{
    uint64_t hi = (uint64_t)(x >> 64), lo = (uint64_t)x;
    return hi ? 128 - __builtin_clzll(hi) : lo ? 64 - __builtin_clzll(lo) : 0;
}

/* The double nearest to (x + f) * 2^e, ties to even, where 0 <= f < 1 and `sticky` says whether f > 0. Needs x > 0,
 * sticky only when x has more than 53 bits, and a result in the normal range: the callers' operands keep it there,
 * so the rounding below is the only one (ldexp of a 53-bit integer to a normal double is exact). */
static double round_binary(m2_u128 x, int e, bool sticky)
{
    int shift = bit_length(x) - 53;
    if (shift <= 0)
        return ldexp((double)(uint64_t)x, e);
    m2_u128 rest = x & (((m2_u128)1 << shift) - 1), half = (m2_u128)1 << (shift - 1);
    uint64_t m = (uint64_t)(x >> shift);
    if (rest > half || (rest == half && (sticky || (m & 1))))
        m++; /* up to 2^53: still exact as a double */
    return ldexp((double)m, e + shift);
}

/* mant * 10^exp10 rounded once, exactly as strtod() rounds, for mant in (0, 2^64) and exp10 in [-27, 27] (so that
 * 5^|exp10| < 2^63): a product of integers for exp10 >= 0; for exp10 < 0 an integer quotient of at least 65 bits
 * (mant shifted to 128 bits, divided by 5^-exp10) whose remainder is the sticky bit. Integer arithmetic only. */
static bool exact_decimal(uint64_t mant, int exp10, double *out)
{
    /* clang-format off */
    static const uint64_t pow5[28] = {
        1ULL, 5ULL, 25ULL, 125ULL, 625ULL, 3125ULL, 15625ULL, 78125ULL, 390625ULL, 1953125ULL, 9765625ULL,
        48828125ULL, 244140625ULL, 1220703125ULL, 6103515625ULL, 30517578125ULL, 152587890625ULL, 762939453125ULL,
        3814697265625ULL, 19073486328125ULL, 95367431640625ULL, 476837158203125ULL, 2384185791015625ULL,
        11920928955078125ULL, 59604644775390625ULL, 298023223876953125ULL, 1490116119384765625ULL,
        7450580596923828125ULL};
    /* clang-format on */
    if (exp10 < -27 || exp10 > 27)
        return false;
    if (exp10 >= 0) {
        *out = round_binary((m2_u128)mant * pow5[exp10], exp10, false);
        return true;
    }
    int lz = __builtin_clzll(mant);
    m2_u128 num = (m2_u128)(mant << lz) << 64, den = pow5[-exp10];
    m2_u128 quot = num / den;
    *out = round_binary(quot, exp10 - 64 - lz, num - quot * den != 0);
    return true;
}
#else
static bool exact_decimal(uint64_t mant, int exp10, double *out)
{
    (void)mant, (void)exp10, (void)out;
    return false;
}
#endif

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
    if (c.p != c.end)
        return false;
    double v;
#if !defined(FLT_EVAL_METHOD) || FLT_EVAL_METHOD != 0
    bool clinger = false; /* extended-precision arithmetic (x87) could round twice */
#else
    bool clinger = true;
#endif
    if (mant == 0) {
        v = 0.0;
    } else if (clinger && sig <= 15 && exp10 >= -22 && exp10 <= 22) {
        v = (double)mant; /* exact: below 10^15 < 2^53 */
        v = exp10 < 0 ? v / pow10[-exp10] : v * pow10[exp10];
    } else if (!exact_decimal(mant, exp10, &v)) {
        return false;
    }
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
