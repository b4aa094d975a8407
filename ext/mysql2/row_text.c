/*
 * row_text.c: see row_text.h.
 */
#include "row_text.h"

unsigned char row_text_decoder(const column *col, const query_options *opts)
{
    bool boolean = opts->cast_booleans && col->length == 1;
    bool fast = opts->cast == CAST_FAST;
    switch (col->type) {
    case MYSQL_TYPE_TINY:
        return boolean ? DEC_BOOL_TEXT : DEC_INTEGER;
    case MYSQL_TYPE_SHORT:
    case MYSQL_TYPE_INT24:
    case MYSQL_TYPE_LONG:
    case MYSQL_TYPE_LONGLONG:
    case MYSQL_TYPE_YEAR:
        return DEC_INTEGER;
    case MYSQL_TYPE_BIT:
        return boolean ? DEC_BOOL_BIT : DEC_STRING;
    case MYSQL_TYPE_FLOAT:
    case MYSQL_TYPE_DOUBLE:
        return DEC_FLOAT;
    case MYSQL_TYPE_DECIMAL:
    case MYSQL_TYPE_NEWDECIMAL:
        return fast ? DEC_STRING : col->decimals == 0 ? DEC_INTEGER : DEC_DECIMAL;
    case MYSQL_TYPE_DATE:
    case MYSQL_TYPE_NEWDATE:
        return fast ? DEC_STRING : DEC_DATE;
    case MYSQL_TYPE_DATETIME:
    case MYSQL_TYPE_TIMESTAMP:
        return fast ? DEC_STRING : DEC_DATETIME;
    case MYSQL_TYPE_TIME:
        return fast ? DEC_STRING : DEC_TIME;
    default:
        return DEC_STRING;
    }
}

void row_text_decoders(const column *cols, unsigned int n, const query_options *opts, unsigned char *out)
{
    for (unsigned int i = 0; i < n; i++) {
        if (cols[i].type == MYSQL_TYPE_NULL)
            out[i] = DEC_NULL;
        else
            out[i] = opts->cast == CAST_NONE ? DEC_STRING : row_text_decoder(&cols[i], opts);
    }
}

/* Whether Date/Time surely accept this parsed date: false when its month or day is zero (but not the whole zero
 * date, which casts to nil) or its calendar validity is not certain (a day past the 28th, or the Julian-Gregorian
 * gap of 1582). Conservative: false only costs the early casting of the row. */
static bool date_certain(const m2_temporal *t)
{
    if (t->year == 0 && t->month == 0 && t->day == 0)
        return t->hour == 0 && t->minute == 0 && t->second == 0 && t->usec == 0;
    if (t->month < 1 || t->month > 12 || t->day < 1 ||
        (t->year == 1582 && t->month == 10 && t->day >= 5 && t->day <= 14))
        return false;
    return t->day <= 28 || (t->year > 1582 && t->day <= m2_days_in_month(t->year, t->month));
}

VALUE row_temporal_value(cast_ctx *x, const column *col, unsigned char decoder, const m2_temporal *t, const char *raw,
                         long raw_len)
{
    if (decoder == DEC_TIME)
        return cast_duration(x, t);
    if (x->no_raise && !date_certain(t))
        return Qundef;
    return decoder == DEC_DATE ? cast_date(x, t, col->name, raw, raw_len)
                               : cast_datetime(x, t, col->name, raw, raw_len);
}

static VALUE temporal_cell(cast_ctx *x, const column *col, unsigned char decoder, const char *p, long len)
{
    m2_temporal t;
    bool parsed = decoder == DEC_DATE       ? m2_parse_date(p, (size_t)len, &t)
                  : decoder == DEC_DATETIME ? m2_parse_datetime(p, (size_t)len, &t)
                                            : m2_parse_time(p, (size_t)len, &t);
    return parsed ? row_temporal_value(x, col, decoder, &t, p, len) : Qnil;
}

VALUE row_text_cell(cast_ctx *x, const column *col, unsigned char decoder, const char *p, long len)
{
    switch (decoder) {
    case DEC_STRING:
        return cast_string(x, p, len, col->enc);
    case DEC_INTEGER:
        return cast_integer(p, len);
    case DEC_BOOL_TEXT:
        return len > 0 && p[0] != '0' ? Qtrue : Qfalse;
    case DEC_BOOL_BIT:
        return len == 1 && p[0] == 1 ? Qtrue : Qfalse;
    case DEC_DECIMAL:
        return cast_decimal(x, p, len);
    case DEC_FLOAT:
        return cast_float(p, len);
    case DEC_NULL:
        return Qnil;
    default:
        return temporal_cell(x, col, decoder, p, len);
    }
}

VALUE row_assemble(const row_shape *shape, const VALUE *cells)
{
    if (shape->as_array)
        return rb_ary_new_from_values(shape->n, cells);
    return row_hash_build(shape->hash, shape->keys, cells, shape->n);
}

/* Cells live in ALLOCV_N's buffer: on the stack, or in a temporary object the GC marks, never plain malloc. */
VALUE row_text_build(cast_ctx *x, const row_shape *shape, MYSQL_ROW row, const unsigned long *lengths)
{
    VALUE tmp;
    VALUE *cells = ALLOCV_N(VALUE, tmp, shape->n);
    for (unsigned int i = 0; i < shape->n; i++)
        cells[i] = row[i] ? row_text_cell(x, &shape->cols[i], shape->decoders[i], row[i], (long)lengths[i]) : Qnil;
    VALUE out = row_assemble(shape, cells);
    ALLOCV_END(tmp);
    return out;
}
