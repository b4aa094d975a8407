/*
 * statement_params.c: see statement_params.h.
 */
#include "statement_params.h"

static ID id_to_a, id_usec, id_year, id_mon, id_day, id_hour, id_min, id_sec, id_sec_fraction, id_to_s, id_truncate,
    id_mul;

static void bind_string(MYSQL_BIND *bind, enum enum_field_types type, VALUE str, VALUE *keep)
{
    if (!*keep)
        *keep = rb_ary_new();
    rb_ary_push(*keep, str);
    bind->buffer_type = type;
    bind->buffer = RSTRING_PTR(str);
    bind->buffer_length = (unsigned long)RSTRING_LEN(str);
}

/* Integers beyond 64 bits travel as their decimal digits, so they round-trip exactly. */
/* -2**63 <= value < 2**63. */
static bool fits_int64(VALUE value)
{
    int nlz = 0;
    if (FIXNUM_P(value))
        return true;
    size_t size = rb_absint_size(value, &nlz);
    if (size != 8)
        return size < 8;
    return nlz > 0 || (rb_big_cmp(value, INT2FIX(0)) == INT2FIX(-1) && rb_absint_singlebit_p(value));
}

static void bind_integer(MYSQL_BIND *bind, param_value *v, VALUE value, VALUE *keep)
{
    if (fits_int64(value)) {
        v->i = NUM2LL(value);
        bind->buffer_type = MYSQL_TYPE_LONGLONG;
        bind->buffer = &v->i;
        return;
    }
    bind_string(bind, MYSQL_TYPE_NEWDECIMAL, rb_big2str(value, 10), keep);
}

static void bind_time(MYSQL_BIND *bind, param_value *v, enum enum_mysql_timestamp_type type, long fields[7])
{
    v->time = (MYSQL_TIME){.year = (unsigned)fields[0],
                           .month = (unsigned)fields[1],
                           .day = (unsigned)fields[2],
                           .hour = (unsigned)fields[3],
                           .minute = (unsigned)fields[4],
                           .second = (unsigned)fields[5],
                           .second_part = (unsigned long)fields[6],
                           .time_type = type};
    bind->buffer_type = type == MYSQL_TIMESTAMP_DATE ? MYSQL_TYPE_DATE : MYSQL_TYPE_DATETIME;
    bind->buffer = &v->time;
}

/* A Time's own wall-clock fields (no zone conversion): to_a is [sec, min, hour, day, month, year, ...]. */
static void time_fields(VALUE t, long fields[7])
{
    VALUE a = rb_funcall(t, id_to_a, 0);
    long order[6] = {5, 4, 3, 2, 1, 0};
    for (int i = 0; i < 6; i++)
        fields[i] = NUM2LONG(rb_ary_entry(a, order[i]));
    fields[6] = NUM2LONG(rb_funcall(t, id_usec, 0));
}

static void datetime_fields(VALUE dt, long fields[7], bool with_clock)
{
    ID ids[6] = {id_year, id_mon, id_day, id_hour, id_min, id_sec};
    for (int i = 0; i < 6; i++)
        fields[i] = i < 3 || with_clock ? NUM2LONG(rb_funcall(dt, ids[i], 0)) : 0;
    fields[6] = 0;
    if (with_clock) {
        VALUE fraction = rb_funcall(dt, id_sec_fraction, 0);
        VALUE micros = rb_funcall(fraction, id_mul, 1, INT2FIX(1000000));
        fields[6] = NUM2LONG(rb_funcall(micros, id_truncate, 0));
    }
}

static VALUE safe_inspect(VALUE value)
{
    return rb_inspect(value);
}

static VALUE inspect_failed(VALUE arg, VALUE error)
{
    (void)arg;
    (void)error;
    return Qnil;
}

/* TypeError "can't bind parameter N: no conversion for Class (inspect)"; the inspect part is cut to 40
 * characters, and left out when inspect raises or holds a NUL byte. */
static void unbindable(unsigned long index, VALUE value)
{
    VALUE inspect = rb_rescue2(safe_inspect, value, inspect_failed, Qnil, rb_eException, (VALUE)0);
    VALUE klass = rb_class_name(rb_obj_class(value));
    if (NIL_P(inspect) || !RB_TYPE_P(inspect, T_STRING) || memchr(RSTRING_PTR(inspect), 0, RSTRING_LEN(inspect)))
        rb_raise(rb_eTypeError, "can't bind parameter %lu: no conversion for %" PRIsVALUE, index + 1, klass);
    if (rb_str_strlen(inspect) > 40)
        inspect = rb_str_plus(rb_str_substr(inspect, 0, 40), rb_str_new_cstr("..."));
    rb_raise(rb_eTypeError, "can't bind parameter %lu: no conversion for %" PRIsVALUE " (%" PRIsVALUE ")", index + 1,
             klass, inspect);
}

static void bind_value(MYSQL_BIND *bind, param_value *v, VALUE value, unsigned long index, rb_encoding *enc,
                       VALUE *keep)
{
    long fields[7];
    VALUE klass = rb_obj_class(value);
    *bind = (MYSQL_BIND){0};
    if (NIL_P(value)) {
        bind->buffer_type = MYSQL_TYPE_NULL;
    } else if (RB_INTEGER_TYPE_P(value)) {
        bind_integer(bind, v, value, keep);
    } else if (RB_FLOAT_TYPE_P(value)) {
        v->d = RFLOAT_VALUE(value);
        bind->buffer_type = MYSQL_TYPE_DOUBLE;
        bind->buffer = &v->d;
    } else if (RB_TYPE_P(value, T_STRING)) {
        bind_string(bind, MYSQL_TYPE_STRING, m2r_str_to_conn_enc(value, enc), keep);
    } else if (value == Qtrue || value == Qfalse) {
        v->tiny = value == Qtrue ? 1 : 0;
        bind->buffer_type = MYSQL_TYPE_TINY;
        bind->buffer = &v->tiny;
    } else if (klass == rb_cTime) {
        time_fields(value, fields);
        bind_time(bind, v, MYSQL_TIMESTAMP_DATETIME, fields);
    } else if (klass == cDateTime || klass == cDate) {
        datetime_fields(value, fields, klass == cDateTime);
        bind_time(bind, v, klass == cDate ? MYSQL_TIMESTAMP_DATE : MYSQL_TIMESTAMP_DATETIME, fields);
    } else if (klass == cBigDecimal) {
        VALUE digits = rb_funcall(value, id_to_s, 1, rb_str_new_cstr("F"));
        bind_string(bind, MYSQL_TYPE_NEWDECIMAL, m2r_str_to_conn_enc(digits, enc), keep);
    } else {
        unbindable(index, value);
    }
}

void param_binds_fill(param_binds *p, VALUE args, rb_encoding *conn_enc, VALUE *keep)
{
    unsigned long n = (unsigned long)RARRAY_LEN(args);
    if (n > p->n) {
        param_binds_free(p);
        p->binds = ZALLOC_N(MYSQL_BIND, n);
        p->values = ZALLOC_N(param_value, n);
        p->n = n;
    }
    for (unsigned long i = 0; i < n; i++)
        bind_value(&p->binds[i], &p->values[i], RARRAY_AREF(args, i), i, conn_enc, keep);
}

void param_binds_free(param_binds *p)
{
    xfree(p->binds);
    xfree(p->values);
    *p = (param_binds){0};
}

void init_mysql2_statement_params(void)
{
    id_to_a = rb_intern("to_a");
    id_usec = rb_intern("usec");
    id_year = rb_intern("year");
    id_mon = rb_intern("mon");
    id_day = rb_intern("day");
    id_hour = rb_intern("hour");
    id_min = rb_intern("min");
    id_sec = rb_intern("sec");
    id_sec_fraction = rb_intern("sec_fraction");
    id_to_s = rb_intern("to_s");
    id_truncate = rb_intern("truncate");
    id_mul = rb_intern("*");
}
