/*
 * double_check.c: m2_parse_double_fast() against strtod(), bit for bit, over generated decimal texts: random
 * digits (1 to 21 of them, so past both fast paths' limits), decimal points anywhere, exponents, signs, and the
 * hard cases of rounding: texts exactly halfway between two adjacent doubles (ties go to the even one) and one unit
 * of their last digit either side. Deterministic (a fixed seed, or argv[1]); exits non-zero at the first
 * disagreement, or if a fast path was never taken. Built and run by `rake fuzz:regress` (ASan + UBSan).
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

static long answered, disagreed, sticky_cases;

/* Compares the fast path with strtod() on `text`; prints the first disagreements. */
static void check(const char *text)
{
    double fast;
    if (!m2_parse_double_fast(text, strlen(text), &fast))
        return;
    answered++;
    char *end;
    double slow = strtod(text, &end);
    if (*end != '\0' || memcmp(&fast, &slow, sizeof(fast)) != 0) {
        if (disagreed++ < 10)
            fprintf(stderr, "disagree: \"%s\" fast %.17g strtod %.17g\n", text, fast, slow);
    }
}

/* `digits` (a decimal integer) with a point `point` places from its right end (0: none), a sign and an exponent. */
static void emit(const char *digits, int point, bool negative, int exponent, bool with_exponent)
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
    check(text);
}

static void random_text(void)
{
    char digits[32];
    int n = 1 + (int)below(21);
    for (int i = 0; i < n; i++)
        digits[i] = (char)('0' + below(10));
    digits[n] = '\0';
    emit(digits, (int)below((unsigned)n + 3), below(2), (int)below(61) - 30, below(3) == 0);
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
    if (value >= (unsigned __int128)10000000000000000000ULL * 10)
        return; /* more than 20 digits: past every fast path */
    uint64_t v = (uint64_t)value;
    int shift = (int)below(6);
    for (int delta = -1; delta <= 1; delta++) {
        char digits[32];
        snprintf(digits, sizeof(digits), "%" PRIu64, v + (uint64_t)(int64_t)delta);
        emit(digits, point + shift, below(2), shift, shift != 0);
    }
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
    sticky_cases++;
    emit(digits, 0, below(2), -k, true);
}

int main(int argc, char **argv)
{
    if (argc > 1)
        state = strtoull(argv[1], NULL, 10) | 1;
    for (int i = 0; i < CASES; i++) {
        random_text();
        halfway_text();
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
    printf("double_check: %ld texts answered by the fast paths (%ld a hair above halfway), %ld disagreements with "
           "strtod()\n",
           answered, sticky_cases, disagreed);
    return disagreed == 0 && answered > CASES / 2 && sticky_cases > CASES / 20 ? 0 : 1;
}
