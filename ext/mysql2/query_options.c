/*
 * query_options.c: see query_options.h.
 */
#include "query_options.h"

static VALUE sym_as, sym_array, sym_symbolize_keys, sym_cast, sym_fast, sym_cast_booleans, sym_cache_rows, sym_stream,
    sym_size, sym_database_timezone, sym_application_timezone, sym_local, sym_utc, sym_rows_per_gvl_yield,
    sym_force_encoding, sym_async;
static ID id_default, id_default_proc;

/* The options `base.merge(over)` would hold, read key by key without building that Hash: a key of `over` wins (its
 * default does not count, as in Hash#merge); otherwise `base` answers. `over` is Qnil or a Hash, often empty. */
typedef struct layered {
    VALUE base, over;
} layered;

static VALUE over_value(layered h, VALUE key)
{
    return NIL_P(h.over) || RHASH_SIZE(h.over) == 0 ? Qundef : rb_hash_lookup2(h.over, key, Qundef);
}

/* As merged[key]: `base`'s default when neither has the key. */
static VALUE opt_aref(layered h, VALUE key)
{
    VALUE v = over_value(h, key);
    return v != Qundef ? v : rb_hash_aref(h.base, key);
}

static rb_encoding *parse_force_encoding(VALUE value)
{
    if (NIL_P(value))
        return NULL;
    if (!RB_TYPE_P(value, T_STRING) && !rb_obj_is_kind_of(value, rb_cEncoding))
        rb_raise(rb_eTypeError, ":force_encoding must be an Encoding or an encoding name, not %" PRIsVALUE,
                 rb_obj_class(value));
    return rb_to_encoding(value); /* ArgumentError "unknown encoding name - ..." */
}

/* stream: true/false, or {size: N} for prepared statements. Returns N, 0 for a plain true or false. */
static long parse_stream_size(VALUE value, options_context context)
{
    if (!RB_TYPE_P(value, T_HASH) || context == OPTS_EACH)
        return 0; /* at each, the Hash was checked when the query ran */
    if (context == OPTS_QUERY)
        rb_raise(rb_eArgError, "stream: {size: N} is only supported for prepared statements; Client#query streams "
                               "with mysql_use_result, which has no prefetch");
    VALUE size = rb_hash_lookup2(value, sym_size, Qundef);
    if (RHASH_SIZE(value) != 1 || size == Qundef)
        rb_raise(rb_eArgError, "stream: hash accepts only {size: Integer}");
    if (!RB_INTEGER_TYPE_P(size))
        rb_raise(rb_eTypeError, "stream: {size: } must be an Integer");
    if (rb_cmpint(rb_funcall(size, rb_intern("<=>"), 1, INT2FIX(0)), size, INT2FIX(0)) <= 0)
        rb_raise(rb_eArgError, "stream: {size: } must be positive (got %" PRIsVALUE ")", size);
    return NUM2LONG(size);
}

static long parse_rows_per_yield(VALUE value)
{
    if (NIL_P(value))
        return 8192;
    long n = NUM2LONG(value);
    if (n < 0)
        m2r_raise(cMysql2Error, ":rows_per_gvl_yield must not be negative");
    return n;
}

static cast_mode parse_cast(VALUE value)
{
    if (value == Qundef)
        return CAST_FULL;
    if (!RTEST(value))
        return CAST_NONE;
    return value == sym_fast ? CAST_FAST : CAST_FULL;
}

static bool parse_database_tz(VALUE value)
{
    if (value == sym_utc)
        return true;
    if (!NIL_P(value) && value != sym_local)
        rb_warn(":database_timezone option must be :utc or :local - defaulting to :local");
    return false;
}

static app_tz_mode parse_application_tz(VALUE value)
{
    return value == sym_local ? APP_TZ_LOCAL : value == sym_utc ? APP_TZ_UTC : APP_TZ_NONE;
}

void query_options_check_over(VALUE base, VALUE over, options_context context, query_options *out)
{
    Check_Type(base, T_HASH);
    if (!NIL_P(over))
        Check_Type(over, T_HASH);
    layered h = {base, over};
    VALUE stream = opt_aref(h, sym_stream);
    out->stream = RTEST(stream);
    out->stream_size = parse_stream_size(stream, context);
    out->database_utc = parse_database_tz(opt_aref(h, sym_database_timezone));
    out->rows_per_yield = parse_rows_per_yield(opt_aref(h, sym_rows_per_gvl_yield));
    out->force_encoding = parse_force_encoding(opt_aref(h, sym_force_encoding));
    out->async = context == OPTS_QUERY && RTEST(opt_aref(h, sym_async));
}

void query_options_read_rest(VALUE hash, query_options *out)
{
    Check_Type(hash, T_HASH);
    out->as_array = rb_hash_aref(hash, sym_as) == sym_array;
    out->symbolize_keys = RTEST(rb_hash_aref(hash, sym_symbolize_keys));
    out->cast_booleans = RTEST(rb_hash_aref(hash, sym_cast_booleans));
    out->cache_rows = rb_hash_lookup2(hash, sym_cache_rows, Qtrue) != Qfalse;
    out->cast = parse_cast(rb_hash_lookup2(hash, sym_cast, Qundef));
    out->application_tz = parse_application_tz(rb_hash_aref(hash, sym_application_timezone));
}

bool query_options_plain(VALUE hash)
{
    return RBASIC_CLASS(hash) == rb_cHash && NIL_P(rb_funcall(hash, id_default, 0)) &&
           NIL_P(rb_funcall(hash, id_default_proc, 0));
}

void query_options_parse(VALUE hash, options_context context, query_options *out)
{
    query_options_check_over(hash, Qnil, context, out);
    query_options_read_rest(hash, out);
}

void query_options_check_each(VALUE each_options)
{
    if (rb_hash_lookup2(each_options, sym_force_encoding, Qundef) != Qundef)
        m2r_raise(cMysql2Error, ":force_encoding is a query option and cannot be set on Result#each");
}

void init_mysql2_query_options(void)
{
#define SYM(name) (sym_##name = ID2SYM(rb_intern(#name)))
    SYM(as), SYM(array), SYM(symbolize_keys), SYM(cast), SYM(fast), SYM(cast_booleans), SYM(cache_rows);
    SYM(stream), SYM(size), SYM(database_timezone), SYM(application_timezone), SYM(local), SYM(utc);
    SYM(rows_per_gvl_yield), SYM(force_encoding), SYM(async);
    id_default = rb_intern("default");
    id_default_proc = rb_intern("default_proc");
#undef SYM
}
