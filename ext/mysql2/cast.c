/*
 * cast.c: see cast.h. Times are built from epoch seconds with rb_time_timespec_new; the local zone's offset comes
 * from localtime_r, cached process-wide for the last few wall-clock days while no transition is near, and Ruby's
 * Time.local decides whenever one is (DST gaps and overlaps), so the results are exactly Time.local's.
 */
#define _GNU_SOURCE 1 /* strtod_l; as ruby/config.h defines it */
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <string.h>
#include <time.h>
#include "cast.h"

#if defined(HAVE_STRTOD_L) && defined(HAVE_NEWLOCALE)
#define C_LOCALE_STRTOD 1
static locale_t c_locale; /* the "C" locale for strtod_l, made once at load ((locale_t)0 if that failed) */
#endif
static ID id_civil, id_local, id_utc, id_localtime, id_new_offset, id_plus, id_BigDecimal;

static VALUE spare_scratch = Qnil; /* a GC root; taken and given back with the GVL held */

void cast_ctx_init(cast_ctx *x, const query_options *opts)
{
    *x = (cast_ctx){.opts = opts, .scratch = Qnil};
    if (!opts->force_encoding)
        x->internal = rb_default_internal_encoding();
}

/* rb_enc_str_new without its checks, which a String just made passes (not frozen, no encoding, no coderange
 * yet): the encoding index goes into the flags as rb_enc_associate_index would put it there. Only for encodings
 * whose shortest character is one byte: rb_str_new's terminator is one byte, UTF-16/32 need a wider one. */
static VALUE new_string(const char *p, long len, rb_encoding *enc)
{
    int index = rb_enc_to_index(enc);
    if (index >= ENCODING_INLINE_MAX || rb_enc_mbminlen(enc) != 1)
        return rb_enc_str_new(p, len, enc);
    VALUE s = rb_str_new(p, len);
    ENCODING_SET_INLINED(s, index);
    return s;
}

VALUE cast_string(const cast_ctx *x, const char *p, long len, rb_encoding *enc)
{
    if (x->opts->force_encoding)
        return new_string(p, len, x->opts->force_encoding);
    VALUE s = new_string(p, len, enc);
    if (x->internal && enc != x->internal && enc != rb_ascii8bit_encoding())
        s = rb_str_export_to_enc(s, x->internal);
    return s;
}

VALUE cast_integer(const char *p, long len)
{
    int64_t v;
    uint64_t u;
    if (m2_parse_int64(p, (size_t)len, &v))
        return LL2NUM(v);
    if (m2_parse_uint64(p, (size_t)len, &u))
        return ULL2NUM(u);
    return rb_str_to_inum(rb_str_new(p, len), 10, 0); /* beyond 64 bits, or odd text: String#to_i semantics */
}

VALUE cast_decimal(cast_ctx *x, const char *p, long len)
{
    if (NIL_P(x->scratch)) { /* an each nested in this one's BigDecimal() (redefined) finds no spare: a new one */
        x->scratch = NIL_P(spare_scratch) ? rb_str_buf_new(80) : spare_scratch;
        spare_scratch = Qnil;
    }
    rb_str_resize(x->scratch, len);
    memcpy(RSTRING_PTR(x->scratch), p, (size_t)len);
    return rb_funcall(rb_mKernel, id_BigDecimal, 1, x->scratch);
}

/* Floats: the exact fast path, else the C library's strtod in the "C" locale (correctly rounded, like Ruby's own
 * but about twice as fast), else Ruby's conversion for what neither takes (out of range: Infinity and a warning). */
VALUE cast_float(const char *p, long len)
{
    double v;
    if (m2_parse_double_fast(p, (size_t)len, &v))
        return DBL2NUM(v);
    char buf[512];
    if (len >= (long)sizeof(buf))
        m2r_raise(cMysql2Error, "FLOAT/DOUBLE value too wide for buffer (%d bytes)", (int)sizeof(buf));
    memcpy(buf, p, (size_t)len);
    buf[len] = '\0';
#ifdef C_LOCALE_STRTOD
    char *end;
    if (c_locale != (locale_t)0) {
        v = strtod_l(buf, &end, c_locale);
        if (end == buf + len && len > 0 && isfinite(v))
            return DBL2NUM(v);
    }
#endif
    return DBL2NUM(rb_cstr_to_dbl(buf, 0));
}

/* ---- dates and times ------------------------------------------------------------------------------------- */

static void invalid_date(const char *field, const m2_temporal *t, bool with_time, const char *raw, long raw_len)
{
    char buf[64];
    if (!raw) {
        raw_len = with_time ? snprintf(buf, sizeof(buf), "%04d-%02d-%02d %02d:%02d:%02d", t->year, t->month, t->day,
                                       t->hour, t->minute, t->second)
                            : snprintf(buf, sizeof(buf), "%04d-%02d-%02d", t->year, t->month, t->day);
        raw = buf;
    }
    m2r_raise(cMysql2Error, "Invalid date in field '%s': %.*s", field, (int)raw_len, raw);
}

VALUE cast_date(const cast_ctx *x, const m2_temporal *t, const char *field, const char *raw, long raw_len)
{
    (void)x;
    if (t->year == 0 && t->month == 0 && t->day == 0)
        return Qnil;
    if (t->month == 0 || t->day == 0)
        invalid_date(field, t, false, raw, raw_len);
    /* Date.civil: the same Date (and Date::Error for an invalid day) as Date.new, without Class#new's dispatch */
    return rb_funcall(cDate, id_civil, 3, INT2FIX(t->year), INT2FIX(t->month), INT2FIX(t->day));
}

#define ZONE_CACHE_DAYS 16

/* The UTC offsets of the last ZONE_CACHE_DAYS wall-clock days looked up (round robin) that have no zone transition
 * within two days, under the ENV["TZ"] value `tz` (NULL: unset) they were computed for. An offset is a function of
 * the zone's name, so the entries serve every later each while TZ keeps that value (a point select then casts
 * its created_at without localtime_r). Each each compares TZ when it starts using the cache, again whenever the
 * cache changed zones since (a query in its block, or in another thread while it waited, under another TZ), and
 * again with the zone refreshed before it adds a day; a new value empties the cache (a new generation).
 * Unlike Ruby's own Time, which re-reads the zone after any write to ENV["TZ"], it keeps its offsets while TZ
 * keeps its value: a tzdata update, or /etc/localtime replaced while TZ is unset, is seen only once TZ has had
 * another value in between (or in a new process). Read and written with the GVL held, never across a call into
 * Ruby. */
static struct {
    bool usable; /* `tz` is the value the entries belong to (false: a copy of it could not be made) */
    char *tz;    /* malloc'd */
    struct {
        int64_t day;
        long offset;
    } days[ZONE_CACHE_DAYS];
    int used, next;           /* entries filled; the one replaced next */
    unsigned long generation; /* incremented whenever the cache is emptied for another TZ */
} zone_cache;

/* Empties the zone cache unless it belongs to the current ENV["TZ"], and notes its generation in the each. */
static void check_zone(cast_ctx *x)
{
    const char *tz = getenv("TZ");
    if (!zone_cache.usable || !(tz && zone_cache.tz ? strcmp(tz, zone_cache.tz) == 0 : tz == zone_cache.tz)) {
        free(zone_cache.tz);
        zone_cache.tz = tz ? strdup(tz) : NULL;
        zone_cache.usable = !tz || zone_cache.tz;
        zone_cache.used = zone_cache.next = 0;
        zone_cache.generation++;
    }
    x->tz_moved |= x->tz_checked && x->tz_generation != zone_cache.generation;
    x->tz_checked = true;
    x->tz_generation = zone_cache.generation;
}

/* check_zone when this each has not checked the cache yet, or the cache changed zones since (a query in its
 * block, or in another thread while it waited, under another TZ); else nothing, inline. Everything that reads
 * the local zone calls this first, so x->tz_checked says whether what this each cast depends on the zone. */
static inline void zone_current(cast_ctx *x)
{
    if (!x->tz_checked || x->tz_generation != zone_cache.generation)
        check_zone(x);
}

unsigned long cast_zone(cast_ctx *x)
{
    zone_current(x);
    return zone_cache.usable ? zone_cache.generation : 0;
}

static long utc_offset_at(int64_t instant)
{
    time_t tt = (time_t)instant;
    struct tm tm;
    return localtime_r(&tt, &tm) ? tm.tm_gmtoff : LONG_MIN;
}

/* Before localtime_r is used (a zone cache miss, a DateTime's offset): brings the C library's zone up to date the
 * way Ruby's own Time does, so the results are Time.local's in every case. Ruby calls tzset() lazily, once after
 * each ENV["TZ"] assignment, when it first converts a Time to local time; asking a fresh Time for its offset is
 * that first conversion (one Time allocated). Calling tzset() here instead stats /etc/localtime on every call
 * when TZ is unset, and skipping the refresh when TZ has the value seen last goes wrong when Ruby re-read the zone
 * in between (TZ=A, another zone, Time.now, TZ=A again). */
static void refresh_zone(void)
{
    struct timespec now = {.tv_sec = time(NULL)};
    rb_time_utc_offset(rb_time_timespec_new(&now, INT_MAX));
}

/* The instant of a local wall-clock time (given as if it were UTC). False near a zone transition, where the
 * caller asks Ruby instead. */
static bool local_instant(cast_ctx *x, int64_t wall, int64_t *out)
{
    int64_t day = wall >= 0 ? wall / 86400 : -((-wall + 86399) / 86400);
    zone_current(x);
    for (int k = 1; k <= zone_cache.used; k++) { /* newest first: rows tend to come in date order */
        int i = (zone_cache.next - k + ZONE_CACHE_DAYS) % ZONE_CACHE_DAYS;
        if (zone_cache.days[i].day == day) {
            *out = wall - zone_cache.days[i].offset;
            return true;
        }
    }
    /* A miss (once per new day): TZ is compared again and the zone refreshed, so that what goes into the cache
     * belongs to its TZ even if this each's block changed ENV["TZ"] (and had Ruby re-read the zone) meanwhile. */
    check_zone(x);
    refresh_zone();
    long before = utc_offset_at(day * 86400 - 2 * 86400), after = utc_offset_at(day * 86400 + 3 * 86400);
    if (before != after || before == LONG_MIN)
        return false;
    if (zone_cache.usable) {
        int slot = zone_cache.next; /* round robin: the oldest entry once all are used */
        zone_cache.next = (zone_cache.next + 1) % ZONE_CACHE_DAYS;
        if (zone_cache.used < ZONE_CACHE_DAYS)
            zone_cache.used++;
        zone_cache.days[slot].day = day;
        zone_cache.days[slot].offset = before;
    }
    *out = wall - before;
    return true;
}

/* Time for `seconds` + `nsec` since the epoch, in the application's zone (or else the database's). */
static VALUE time_at(const cast_ctx *x, int64_t seconds, long nsec)
{
    struct timespec ts = {.tv_sec = (time_t)seconds, .tv_nsec = nsec};
    bool utc =
        x->opts->application_tz == APP_TZ_UTC || (x->opts->application_tz == APP_TZ_NONE && x->opts->database_utc);
    return rb_time_timespec_new(&ts, utc ? INT_MAX - 1 : INT_MAX);
}

static VALUE to_application_zone(const cast_ctx *x, VALUE time)
{
    if (x->opts->application_tz == APP_TZ_UTC)
        return rb_funcall(time, id_utc, 0);
    if (x->opts->application_tz == APP_TZ_LOCAL)
        return rb_funcall(time, id_localtime, 0);
    return time;
}

/* What Client.local_offset returns (the zone's current UTC offset as a fraction of a day), computed here rather
 * than by calling it: a cell is built from bytes owned by the MYSQL_RES, and Ruby code running in the middle of a
 * row (a thread switch, a trap handler) could free that result under us. Only C methods are called per cell. */
static VALUE local_offset(cast_ctx *x)
{
    zone_current(x);
    refresh_zone();
    long offset = utc_offset_at((int64_t)time(NULL));
    return rb_rational_new(LONG2NUM(offset == LONG_MIN ? 0 : offset), INT2FIX(86400));
}

/* Years 0 and beyond 9999-12-31 11:59:59 do not fit the range mysql2 builds Times for. */
static bool beyond_time_range(const m2_temporal *t)
{
    int64_t pseudo = (int64_t)t->year * 31557600 + (int64_t)t->month * 2592000 + (int64_t)t->day * 86400 +
                     (int64_t)t->hour * 3600 + t->minute * 60 + t->second;
    return pseudo < 2678400 || pseudo > 315578267999LL;
}

static VALUE datetime_value(cast_ctx *x, const m2_temporal *t)
{
    VALUE offset = x->opts->database_utc ? INT2FIX(0) : local_offset(x);
    VALUE dt = rb_funcall(cDateTime, id_civil, 7, INT2FIX(t->year), INT2FIX(t->month), INT2FIX(t->day),
                          INT2FIX(t->hour), INT2FIX(t->minute), INT2FIX(t->second), offset);
    if (x->opts->application_tz == APP_TZ_LOCAL)
        return rb_funcall(dt, id_new_offset, 1, local_offset(x));
    if (x->opts->application_tz == APP_TZ_UTC)
        return rb_funcall(dt, id_new_offset, 1, INT2FIX(0));
    return dt;
}

VALUE cast_datetime(cast_ctx *x, const m2_temporal *t, const char *field, const char *raw, long raw_len)
{
    if (t->year == 0 && t->month == 0 && t->day == 0 && t->hour == 0 && t->minute == 0 && t->second == 0 &&
        t->usec == 0)
        return Qnil;
    if (t->month == 0 || t->day == 0)
        invalid_date(field, t, true, raw, raw_len);
    if (beyond_time_range(t))
        return datetime_value(x, t);
    int64_t wall = m2_epoch_utc(t), instant;
    if (x->opts->database_utc)
        return time_at(x, wall, t->usec * 1000L);
    if (local_instant(x, wall, &instant))
        return time_at(x, instant, t->usec * 1000L);
    VALUE local = rb_funcall(rb_cTime, id_local, 7, INT2FIX(t->year), INT2FIX(t->month), INT2FIX(t->day),
                             INT2FIX(t->hour), INT2FIX(t->minute), INT2FIX(t->second), INT2FIX(t->usec));
    return to_application_zone(x, local);
}

VALUE cast_duration(cast_ctx *x, const m2_temporal *t)
{
    m2_temporal anchor = {.year = 2000, .month = 1, .day = 1};
    int64_t base = m2_epoch_utc(&anchor);
    int64_t micros = m2_time_seconds(t) * 1000000 + (t->negative ? -t->usec : t->usec);
    if (!x->opts->database_utc && !local_instant(x, base, &base)) {
        VALUE start = rb_funcall(rb_cTime, id_local, 3, INT2FIX(2000), INT2FIX(1), INT2FIX(1));
        VALUE offset = t->usec ? rb_rational_new(LL2NUM(micros), INT2FIX(1000000)) : LL2NUM(micros / 1000000);
        return to_application_zone(x, rb_funcall(start, id_plus, 1, offset));
    }
    int64_t seconds = micros >= 0 ? micros / 1000000 : -((-micros + 999999) / 1000000);
    return time_at(x, base + seconds, (long)(micros - seconds * 1000000) * 1000L);
}

void cast_ctx_done(cast_ctx *x)
{
    if (RB_TYPE_P(x->scratch, T_STRING)) /* a zeroed context (result_fill before it casts) holds 0, not a String */
        spare_scratch = x->scratch;
    x->scratch = Qnil;
}

void init_mysql2_cast(void)
{
    rb_gc_register_address(&spare_scratch);
#ifdef C_LOCALE_STRTOD
    c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
#endif
    id_civil = rb_intern("civil");
    id_local = rb_intern("local");
    id_utc = rb_intern("utc");
    id_localtime = rb_intern("localtime");
    id_new_offset = rb_intern("new_offset");
    id_plus = rb_intern("+");
    id_BigDecimal = rb_intern("BigDecimal");
}
