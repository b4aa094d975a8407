/*
 * double_check.c: m2_parse_double_fast() against strtod(), bit for bit, over generated decimal texts: random
 * digits (1 to 21 of them, so past both fast paths' limits), decimal points anywhere, exponents, signs, and the
 * hard cases of rounding: texts exactly halfway between two adjacent doubles (ties go to the even one) and one unit
 * of their last digit either side, ties written with a positive exponent, and texts a hair above a tie that only
 * the remainder of the division decides. Deterministic (a fixed seed, or argv[1]); exits non-zero on a
 * disagreement, or when too few texts of a kind were answered by the fast paths (a path that declines everything
 * would otherwise pass). Built and run by `rake fuzz:regress` (ASan + UBSan).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "m2_parse.h"

#define CASES 400000

static uint64_t state = 0x9E3779B97F4A7C15ULL;

static uint64_t next_random(void)
{
    state ^= state >> 12;
    state ^= state << 25;
    state ^= state >> 27;
    return state * 0x2545F4914F6CDD1DULL;
}

static unsigned below(unsigned n)
{
    return (unsigned)(next_random() % n);
}

static long answered, beyond_clinger, disagreed, ties, sticky_cases;

/* Digits from the first non-zero one up to the exponent: more than 15 is past Clinger's path. */
static int significant_digits(const char *text)
{
    int n = 0;
    for (const char *p = text; *p && *p != 'e'; p++)
        if (*p >= '0' && *p <= '9' && (n > 0 || *p != '0'))
            n++;
    return n;
}

/* Compares the fast path with strtod() on `text`; prints the first disagreements. Returns whether the fast path
 * answered. */
static bool check(const char *text)
{
    double fast;
    if (!m2_parse_double_fast(text, strlen(text), &fast))
        return false;
    answered++;
    beyond_clinger += significant_digits(text) > 15;
    char *end;
    double slow = strtod(text, &end);
    if (*end != '\0' || memcmp(&fast, &slow, sizeof(fast)) != 0) {
        if (disagreed++ < 10)
            fprintf(stderr, "disagree: \"%s\" fast %.17g strtod %.17g\n", text, fast, slow);
    }
    return true;
}

/* `digits` (a decimal integer) with a point `point` places from its right end (0: none), a sign and an exponent. */
static bool emit(const char *digits, int point, bool negative, int exponent, bool with_exponent)
{
    char text[96];
    size_t n = strlen(digits), at = 0;
    if (negative)
        text[at++] = '-';
    if (point > 0 && (size_t)point >= n) {
        text[at++] = '0';
        text[at++] = '.';
        for (size_t i = n; i < (size_t)point; i++)
            text[at++] = '0';
        memcpy(text + at, digits, n);
        at += n;
    } else {
        size_t whole = n - (size_t)point;
        memcpy(text + at, digits, whole);
        at += whole;
        if (point > 0) {
            text[at++] = '.';
            memcpy(text + at, digits + whole, (size_t)point);
            at += (size_t)point;
        }
    }
    if (with_exponent)
        at += (size_t)snprintf(text + at, sizeof(text) - at, "e%d", exponent);
    text[at] = '\0';
    return check(text);
}

static void random_text(void)
{
    char digits[32];
    int n = 1 + (int)below(21);
    for (int i = 0; i < n; i++)
        digits[i] = (char)('0' + below(10));
    digits[n] = '\0';
    int point = (int)below((unsigned)n + 3);
    bool negative = below(2);
    int exponent = (int)below(61) - 30;
    emit(digits, point, negative, exponent, below(3) == 0); /* one below() per statement: a fixed sequence */
}

/* An odd 54-bit M (the halfway point between two 53-bit neighbours) times 2^k (k >= 0) or, for k < 0, written as
 * M * 5^-k with the point -k places from the right; the point moved `shift` more places left and made up for by an
 * exponent; then the same text one unit of its last digit lower and higher. */
static void halfway_text(void)
{
    uint64_t m = ((next_random() >> 10) | (1ULL << 53)) | 1;
    int k = (int)below(14) - 4;
    unsigned __int128 value = m;
    int point = 0;
    if (k >= 0)
        value <<= k;
    for (int i = k; i < 0; i++, point++)
        value *= 5;
    if (value > UINT64_MAX - 1)
        return; /* 20 digits or more: past every fast path */
    uint64_t v = (uint64_t)value;
    int shift = (int)below(6);
    for (int delta = -1; delta <= 1; delta++) {
        char digits[32];
        snprintf(digits, sizeof(digits), "%" PRIu64, v + (uint64_t)(int64_t)delta);
        bool negative = below(2);
        if (emit(digits, point + shift, negative, shift, shift != 0) && delta == 0)
            ties++;
    }
}

/* A halfway point written with a positive exponent: an odd q such that M = q * 5^t is an odd 54-bit number, so
 * q * 10^t = M * 2^t lies exactly between two doubles; q is followed by `zeros` zeros and a point (the same value,
 * more significant digits: past Clinger's path, into the product path when zeros <= t, the quotient path else). */
static void positive_exponent_tie(void)
{
    int t = 1 + (int)below(22);
    uint64_t p5 = 1;
    for (int i = 0; i < t; i++)
        p5 *= 5;
    uint64_t lo = ((1ULL << 53) + p5 - 1) / p5, hi = ((1ULL << 54) - 1) / p5;
    if (hi < lo)
        return;
    uint64_t q = (lo + next_random() % (hi - lo + 1)) | 1;
    if (q > hi)
        return;
    char digits[32];
    int n = snprintf(digits, sizeof(digits), "%" PRIu64, q);
    int zeros = (int)below((unsigned)(20 - n));
    memset(digits + n, '0', (size_t)zeros);
    digits[n + zeros] = '\0';
    bool negative = below(2);
    if (emit(digits, zeros, negative, t, true))
        ties++;
}

/* A 19-digit w and k such that w / 10^k lies a hair above a halfway point: w * 2^64 = Q * 5^k + R with Q's bits
 * below its top 53 exactly "100...0" and 0 < R < 5^k, so only the remainder says "round up" (the sticky bit). Built
 * backwards: Q from a random w, then R to make Q * 5^k + R a multiple of 2^64. */
static void sticky_text(void)
{
    int k = 20 + (int)below(8);
    unsigned __int128 p5 = 1;
    for (int i = 0; i < k; i++)
        p5 *= 5;
    uint64_t w0 = (1ULL << 63) + next_random() % (10000000000000000000ULL - (1ULL << 63));
    unsigned __int128 q = ((unsigned __int128)w0 << 64) / p5;
    int bits = 0;
    for (unsigned __int128 t = q; t; t >>= 1)
        bits++;
    unsigned __int128 low = ((unsigned __int128)1 << (bits - 53)) - 1, half = (low >> 1) + 1;
    q = (q & ~low) | half;
    uint64_t r = 0 - (uint64_t)(q * p5);
    if (r == 0 || r >= p5)
        return;
    unsigned __int128 n = q * p5 + r;
    uint64_t w = (uint64_t)(n >> 64);
    if ((uint64_t)n != 0 || w < (1ULL << 63) || w >= 10000000000000000000ULL)
        return;
    char digits[32];
    snprintf(digits, sizeof(digits), "%" PRIu64, w);
    bool negative = below(2);
    if (emit(digits, 0, negative, -k, true))
        sticky_cases++;
}

int main(int argc, char **argv)
{
    if (argc > 1)
        state = strtoull(argv[1], NULL, 10) | 1;
    for (int i = 0; i < CASES; i++) {
        random_text();
        halfway_text();
        positive_exponent_tie();
        sticky_text();
    }
    static const char *const fixed[] = {"0",
                                        "-0",
                                        "0.0",
                                        "-0.0e5",
                                        "9007199254740993",
                                        "1e27",
                                        "1e-27",
                                        "0.1",
                                        "1.5e-27",
                                        "9999999999999999999",
                                        "5e-324",
                                        "1.7976931348623157e308",
                                        "123.456e-3",
                                        ".5",
                                        "-.5e1"};
    for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
        check(fixed[i]);
    printf("double_check: %ld texts answered by the fast paths (%ld with more than 15 significant digits, %ld exact "
           "ties, %ld a hair above a tie), %ld disagreements with strtod()\n",
           answered, beyond_clinger, ties, sticky_cases, disagreed);
    /* every kind of text must have been answered often: a fast path that declines everything proves nothing */
    return disagreed == 0 && beyond_clinger > CASES / 2 && ties > CASES / 4 && sticky_cases > CASES / 20 ? 0 : 1;
}
