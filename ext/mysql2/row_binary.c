/*
 * row_binary.c: see row_binary.h.
 */
#include <math.h>
#include <stdio.h>
#include "row_binary.h"

#define NOT_FIXED_DECIMALS 31

static bool is_integer_type(enum enum_field_types t)
{
    return t == MYSQL_TYPE_TINY || t == MYSQL_TYPE_SHORT || t == MYSQL_TYPE_INT24 || t == MYSQL_TYPE_LONG ||
           t == MYSQL_TYPE_LONGLONG || t == MYSQL_TYPE_YEAR;
}

static bool is_temporal_type(enum enum_field_types t)
{
    return t == MYSQL_TYPE_DATE || t == MYSQL_TYPE_DATETIME || t == MYSQL_TYPE_TIMESTAMP || t == MYSQL_TYPE_TIME;
}

static bind_kind kind_for(const column *col, cast_mode cast)
{
    if (cast != CAST_FULL)
        return BIND_STRING;
    if (is_integer_type(col->type))
        return BIND_LONGLONG;
    if (is_temporal_type(col->type))
        return BIND_TEMPORAL; /* the library would sprintf it for us to parse back */
    if (col->type == MYSQL_TYPE_FLOAT)
        return BIND_FLOAT;
    return col->type == MYSQL_TYPE_DOUBLE ? BIND_DOUBLE : BIND_STRING;
}

static void grow_text(bind_cell *cell, unsigned long need)
{
    if (need <= cell->capacity)
        return;
    cell->text = xrealloc(cell->text, need);
    cell->capacity = need;
}

static void point_bind(MYSQL_BIND *bind, bind_cell *cell, const column *col)
{
    *bind = (MYSQL_BIND){.length = &cell->length, .is_null = &cell->is_null, .error = &cell->error};
    switch (cell->kind) {
    case BIND_LONGLONG:
        bind->buffer_type = MYSQL_TYPE_LONGLONG;
        bind->buffer = &cell->num.i;
        bind->is_unsigned = (col->flags & UNSIGNED_FLAG) != 0;
        break;
    case BIND_FLOAT:
        bind->buffer_type = MYSQL_TYPE_FLOAT;
        bind->buffer = &cell->num.f;
        break;
    case BIND_DOUBLE:
        bind->buffer_type = MYSQL_TYPE_DOUBLE;
        bind->buffer = &cell->num.d;
        break;
    case BIND_TEMPORAL:
        bind->buffer_type = col->type;
        bind->buffer = &cell->num.t;
        bind->buffer_length = sizeof(cell->num.t);
        break;
    case BIND_STRING:
        bind->buffer_type = MYSQL_TYPE_STRING;
        bind->buffer = cell->text;
        bind->buffer_length = cell->capacity;
        break;
    }
}

void result_binds_prepare(result_binds *b, const column *cols, unsigned int n, cast_mode cast,
                          const unsigned long *max_lengths)
{
    if (b->n != n) {
        result_binds_free(b);
        b->binds = ZALLOC_N(MYSQL_BIND, n ? n : 1);
        b->cells = ZALLOC_N(bind_cell, n ? n : 1);
        b->n = n;
    }
    b->cast = cast;
    for (unsigned int i = 0; i < n; i++) {
        bind_cell *cell = &b->cells[i];
        cell->kind = kind_for(&cols[i], cast);
        if (cell->kind == BIND_STRING) {
            unsigned long want = max_lengths ? max_lengths[i] + 1 : (cols[i].length < 1024 ? cols[i].length + 1 : 1024);
            grow_text(cell, want < 64 ? 64 : want);
        }
        point_bind(&b->binds[i], cell, &cols[i]);
    }
}

void result_binds_free(result_binds *b)
{
    for (unsigned int i = 0; i < b->n; i++)
        xfree(b->cells[i].text);
    xfree(b->binds);
    xfree(b->cells);
    *b = (result_binds){0};
}

bool result_binds_fit(result_binds *b, MYSQL_STMT *stmt)
{
    bool changed = false;
    for (unsigned int i = 0; i < b->n; i++) {
        bind_cell *cell = &b->cells[i];
        if (cell->kind != BIND_STRING || cell->is_null || cell->length <= cell->capacity)
            continue;
        grow_text(cell, cell->length + 1);
        b->binds[i].buffer = cell->text;
        b->binds[i].buffer_length = cell->capacity;
        mysql_stmt_fetch_column(stmt, &b->binds[i], i, 0); /* the row is in client memory: no I/O */
        changed = true;
    }
    return changed;
}

void row_binary_decoders(const result_binds *b, const column *cols, const query_options *opts, unsigned char *out)
{
    for (unsigned int i = 0; i < b->n; i++) {
        const column *col = &cols[i];
        switch (b->cells[i].kind) {
        case BIND_LONGLONG:
            out[i] = opts->cast_booleans && col->type == MYSQL_TYPE_TINY && col->length == 1 ? DEC_BIN_BOOL
                     : (col->flags & UNSIGNED_FLAG)                                          ? DEC_BIN_UINT
                                                                                             : DEC_BIN_INT;
            break;
        case BIND_FLOAT:
            out[i] = DEC_BIN_FLOAT;
            break;
        case BIND_DOUBLE:
            out[i] = DEC_BIN_DOUBLE;
            break;
        case BIND_TEMPORAL:
            out[i] = DEC_BIN_TEMPORAL;
            break;
        default:
            if (col->type == MYSQL_TYPE_NULL)
                out[i] = DEC_NULL;
            else if (opts->cast == CAST_NONE)
                out[i] = DEC_STRING;
            else if (opts->cast == CAST_FULL && (col->type == MYSQL_TYPE_NEWDECIMAL || col->type == MYSQL_TYPE_DECIMAL))
                out[i] = DEC_DECIMAL; /* the binary protocol gives BigDecimal even for scale 0 */
            else
                out[i] = row_text_decoder(col, opts);
        }
    }
}

/* FLOAT: printed to the column's declared scale (or 6 significant digits), as the text protocol shows it. */
static VALUE float_cell(const column *col, float f)
{
    char buf[64];
    if (col->decimals < NOT_FIXED_DECIMALS)
        snprintf(buf, sizeof(buf), "%.*f", (int)col->decimals, (double)f);
    else
        snprintf(buf, sizeof(buf), "%.6g", (double)f);
    return DBL2NUM(rb_cstr_to_dbl(buf, 0));
}

/* The text libmariadb formats from a DATE or DATETIME/TIMESTAMP MYSQL_TIME for a string bind, into buf (64 bytes);
 * returns its length. Fraction digits follow the column's scale (1..6). */
static int date_text(const column *col, const MYSQL_TIME *tm, char *buf)
{
    if (col->type == MYSQL_TYPE_DATE)
        return snprintf(buf, 64, "%04u-%02u-%02u", tm->year, tm->month, tm->day);
    int len = snprintf(buf, 64, "%04u-%02u-%02u %02u:%02u:%02u", tm->year, tm->month, tm->day, tm->hour, tm->minute,
                       tm->second);
    if (col->decimals >= 1 && col->decimals <= 6)
        len += snprintf(buf + len, (size_t)(64 - len), ".%06lu", tm->second_part) - (6 - (int)col->decimals);
    return len;
}

/*
 * DATE, DATETIME/TIMESTAMP or TIME from the library's MYSQL_TIME, cast as row_text casts the text the library
 * would have formatted from it. Only a value Date/Time refuse for a zero month or day needs that text, for the
 * error message: it is formatted then.
 */
static VALUE temporal(cast_ctx *x, const column *col, const MYSQL_TIME *tm)
{
    unsigned char decoder = col->type == MYSQL_TYPE_DATE   ? DEC_DATE
                            : col->type == MYSQL_TYPE_TIME ? DEC_TIME
                                                           : DEC_DATETIME;
    unsigned int hours = decoder == DEC_TIME ? tm->hour + tm->day * 24 : tm->hour; /* TIME: days count as hours */
    m2_temporal t = {(int)tm->year,        (int)tm->month,  decoder == DEC_TIME ? 0 : (int)tm->day,
                     (int)hours,           (int)tm->minute, (int)tm->second,
                     (int)tm->second_part, tm->neg != 0};
    char raw[64];
    int len = 0;
    if (decoder != DEC_TIME && (t.month == 0 || t.day == 0))
        len = date_text(col, tm, raw);
    return row_temporal_value(x, col, decoder, &t, len ? raw : NULL, len);
}

static VALUE cell(cast_ctx *x, const column *col, unsigned char decoder, const bind_cell *c)
{
    if (c->is_null)
        return Qnil;
    switch (decoder) {
    case DEC_BIN_INT:
        return LL2NUM(c->num.i);
    case DEC_BIN_UINT:
        return ULL2NUM((unsigned long long)c->num.i);
    case DEC_BIN_BOOL:
        return c->num.i != 0 ? Qtrue : Qfalse;
    case DEC_BIN_FLOAT:
        return float_cell(col, c->num.f);
    case DEC_BIN_DOUBLE:
        return DBL2NUM(c->num.d);
    case DEC_BIN_TEMPORAL:
        return temporal(x, col, &c->num.t);
    default:
        return row_text_cell(x, col, decoder, c->text, (long)c->length);
    }
}

VALUE row_binary_build(cast_ctx *x, const row_shape *shape, const result_binds *b)
{
    VALUE tmp;
    VALUE *cells = ALLOCV_N(VALUE, tmp, shape->n);
    for (unsigned int i = 0; i < shape->n; i++)
        cells[i] = cell(x, &shape->cols[i], shape->decoders[i], &b->cells[i]);
    VALUE out = row_assemble(shape, cells);
    ALLOCV_END(tmp);
    return out;
}
