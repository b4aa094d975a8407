/*
 * result.c: Mysql2::Result over a buffered (mysql_store_result) or streaming (mysql_use_result) result set.
 *
 * A buffered MYSQL_RES is owned by its Result and detached from the connection (freeing it never does I/O). A
 * streaming MYSQL_RES is owned by the connection (m2_conn.stream); the Result only names it by stream id, fetches
 * its rows through the command chokepoint, and finds it gone once another command drained it.
 */
#include "client.h"

VALUE cMysql2Result;
static VALUE sym_as, sym_array, sym_symbolize_keys, sym_cache_rows, sym_rows_per_gvl_yield;

typedef struct result {
    VALUE client;   /* the Client: the guard and the wait live there */
    m2_conn *conn;  /* one reference, dropped by the GC free */
    MYSQL_RES *res; /* see the file comment; NULL once freed or exhausted */
    bool streaming, stream_done;
    uint64_t stream_id;
    unsigned int nfields;
    VALUE fields;             /* Array of field names (frozen Strings, or Symbols) */
    VALUE rows;               /* cached rows (Array), or Qnil */
    uint64_t streamed;        /* rows yielded from a stream so far */
    rb_encoding **column_enc; /* per column: ASCII-8BIT for binary columns, else the connection's */
    bool as_array, cache_rows;
    long rows_per_yield; /* building a buffered result lets other threads run every this many rows (0: never) */
} result_t;

static void result_mark(void *ptr)
{
    result_t *r = ptr;
    rb_gc_mark_movable(r->client);
    rb_gc_mark_movable(r->fields);
    rb_gc_mark_movable(r->rows);
}

static void result_compact(void *ptr)
{
    result_t *r = ptr;
    r->client = rb_gc_location(r->client);
    r->fields = rb_gc_location(r->fields);
    r->rows = rb_gc_location(r->rows);
}

/* Frees client-side memory only: a buffered result is detached; a stream stays with the connection, which drains
 * it at the next command (or drops it when it closes). So it is safe to run immediately during GC. */
static void result_free(void *ptr)
{
    result_t *r = ptr;
    if (r->res && !r->streaming)
        mysql_free_result(r->res);
    if (r->conn)
        m2_conn_release(r->conn);
    xfree(r->column_enc);
    xfree(r);
}

static size_t result_memsize(const void *ptr)
{
    const result_t *r = ptr;
    return sizeof(*r) + r->nfields * sizeof(rb_encoding *);
}

static const rb_data_type_t result_type = {
    .wrap_struct_name = "Mysql2::Result",
    .function = {.dmark = result_mark, .dfree = result_free, .dsize = result_memsize, .dcompact = result_compact},
    .flags = RUBY_TYPED_FREE_IMMEDIATELY | RUBY_TYPED_WB_PROTECTED,
};

static result_t *result_get(VALUE self)
{
    return rb_check_typeddata(self, &result_type);
}

static VALUE field_names(VALUE self, result_t *r, rb_encoding *enc, bool symbolize)
{
    MYSQL_FIELD *f = mysql_fetch_fields(r->res);
    VALUE names = rb_ary_new_capa(r->nfields);
    for (unsigned int i = 0; i < r->nfields; i++) {
        VALUE name = symbolize ? ID2SYM(rb_intern3(f[i].name, f[i].name_length, rb_utf8_encoding()))
                               : rb_enc_interned_str(f[i].name, f[i].name_length, enc);
        rb_ary_push(names, name);
        r->column_enc[i] = f[i].charsetnr == 63 ? rb_ascii8bit_encoding() : enc;
    }
    RB_OBJ_WRITE(self, &r->fields, names);
    return names;
}

long result_rows_per_yield(VALUE query_options)
{
    VALUE value = rb_hash_aref(query_options, sym_rows_per_gvl_yield);
    long n = NIL_P(value) ? 8192 : NUM2LONG(value);
    if (n < 0)
        m2r_raise(cMysql2Error, ":rows_per_gvl_yield must not be negative");
    return n;
}

/* Takes ownership of `res` (buffered) or names the connection's stream (streaming). */
VALUE result_new(VALUE client, m2_conn *conn, MYSQL_RES *res, bool streaming, VALUE query_options)
{
    result_t *r;
    VALUE self = TypedData_Make_Struct(cMysql2Result, result_t, &result_type, r);
    r->client = client;
    r->fields = Qnil;
    r->rows = Qnil;
    r->streaming = streaming;
    r->stream_id = conn->stream_id;
    r->nfields = mysql_num_fields(res);
    r->column_enc = ALLOC_N(rb_encoding *, r->nfields);
    r->res = res;
    r->conn = conn;
    m2_conn_retain(conn);
    r->as_array = rb_hash_aref(query_options, sym_as) == sym_array;
    r->cache_rows = !streaming && rb_hash_aref(query_options, sym_cache_rows) != Qfalse;
    r->rows_per_yield = result_rows_per_yield(query_options);
    field_names(self, r, client_get(client)->encoding, RTEST(rb_hash_aref(query_options, sym_symbolize_keys)));
    rb_ivar_set(self, rb_intern("@query_options"), query_options);
    return self;
}

/* Cells live in ALLOCV_N's buffer: on the stack, or in a temporary object the GC marks, never plain malloc. */
static VALUE build_row(result_t *r, MYSQL_ROW row, unsigned long *lengths)
{
    VALUE tmp;
    VALUE *cells = ALLOCV_N(VALUE, tmp, r->nfields);
    for (unsigned int i = 0; i < r->nfields; i++)
        cells[i] = row[i] ? rb_enc_str_new(row[i], (long)lengths[i], r->column_enc[i]) : Qnil;
    VALUE out;
    if (r->as_array) {
        out = rb_ary_new_from_values(r->nfields, cells);
    } else {
        out = rb_hash_new();
        for (unsigned int i = 0; i < r->nfields; i++)
            rb_hash_aset(out, RARRAY_AREF(r->fields, i), cells[i]);
    }
    ALLOCV_END(tmp);
    return out;
}

/* ---- buffered -------------------------------------------------------------------------------------------- */

static void free_buffered(result_t *r)
{
    if (r->res && !r->streaming)
        mysql_free_result(r->res);
    r->res = NULL;
}

/* Called after each row built from a buffered result: now and then, let other threads run (contract §6). */
static void maybe_yield(const result_t *r, uint64_t built)
{
    if (r->rows_per_yield > 0 && built % (uint64_t)r->rows_per_yield == 0)
        rb_thread_schedule();
}

static VALUE each_buffered(VALUE self, result_t *r)
{
    uint64_t built = 0;
    bool block = rb_block_given_p();
    if (!r->cache_rows) {
        if (!r->res)
            m2r_raise(cMysql2Error, "Result set has already been freed");
        mysql_data_seek(r->res, 0);
        for (MYSQL_ROW row; (row = mysql_fetch_row(r->res));) {
            VALUE out = build_row(r, row, mysql_fetch_lengths(r->res));
            maybe_yield(r, ++built);
            if (block)
                rb_yield(out);
        }
        return rb_ary_new();
    }
    if (NIL_P(r->rows))
        RB_OBJ_WRITE(self, &r->rows, rb_ary_new_capa(r->res ? (long)mysql_num_rows(r->res) : 0));
    for (long i = 0; i < RARRAY_LEN(r->rows); i++)
        if (block)
            rb_yield(RARRAY_AREF(r->rows, i));
    while (r->res) {
        MYSQL_ROW row = mysql_fetch_row(r->res);
        if (!row) {
            free_buffered(r);
            break;
        }
        VALUE out = build_row(r, row, mysql_fetch_lengths(r->res));
        rb_ary_push(r->rows, out);
        maybe_yield(r, ++built);
        if (block)
            rb_yield(out);
    }
    return r->rows;
}

/* ---- streaming ------------------------------------------------------------------------------------------- */

static bool stream_current(const result_t *r)
{
    return r->res && r->conn->stream == r->res && r->conn->stream_id == r->stream_id;
}

static VALUE stream_fetch_body(command_t *cmd)
{
    result_t *r = cmd->data;
    m2_conn *c = cmd->conn;
    if (!stream_current(r))
        return Qundef;
    command_drive(cmd, m2_conn_fetch_row_start(c, r->res));
    MYSQL_ROW row = c->ret_row;
    if (!row) {
        r->stream_done = true;
        r->res = NULL;
        m2_conn_drop_stream(c);
        if (m2_conn_errno(c))
            command_raise(cmd);
        return Qnil;
    }
    return build_row(r, row, mysql_fetch_lengths(r->res));
}

static VALUE each_streaming(VALUE self, result_t *r)
{
    if (!r->stream_done && r->res && r->conn->state != M2_STATE_READY)
        m2r_raise_not_connected(); /* the connection was closed or lost under the stream */
    if (r->stream_done || !stream_current(r)) {
        if (!r->stream_done && r->res == NULL)
            m2r_raise(cMysql2Error, "Result set has already been freed");
        m2r_raise(cMysql2Error, "You have already fetched all the rows for this query and streaming is true. (to "
                                "reiterate you must requery).");
    }
    for (;;) {
        VALUE row = client_command(r->client, "streaming each", CMD_STREAM_FETCH, stream_fetch_body, r);
        if (row == Qundef)
            m2r_raise(cMysql2Error, "You have already fetched all the rows for this query and streaming is true. "
                                    "(to reiterate you must requery).");
        if (NIL_P(row))
            break;
        r->streamed++;
        if (rb_block_given_p())
            rb_yield(row);
    }
    RB_GC_GUARD(self);
    return rb_ary_new();
}

/*
 * call-seq: result.each(options = {}) { |row| ... } -> Array
 *
 * Yields each row (a Hash, or an Array with as: :array). A buffered result keeps its rows (cache_rows) and can
 * be iterated again; a stream (stream: true) is read from the connection as it goes, only once.
 */
static VALUE result_each(int argc, VALUE *argv, VALUE self)
{
    rb_check_arity(argc, 0, 1);
    result_t *r = result_get(self);
    return r->streaming ? each_streaming(self, r) : each_buffered(self, r);
}

/* call-seq: result.fields -> Array */
static VALUE result_fields(VALUE self)
{
    return result_get(self)->fields;
}

/* call-seq: result.count -> Integer (rows yielded so far when streaming) */
static VALUE result_count(VALUE self)
{
    result_t *r = result_get(self);
    if (r->streaming)
        return ULL2NUM(r->streamed);
    if (r->res)
        return ULL2NUM(mysql_num_rows(r->res));
    return LONG2NUM(NIL_P(r->rows) ? 0 : RARRAY_LEN(r->rows));
}

/* call-seq: result.free -> nil
 * Releases the client-side rows now; an unfinished stream is drained by the connection's next command. */
static VALUE result_free_m(VALUE self)
{
    result_t *r = result_get(self);
    free_buffered(r); /* also forgets a stream, which the connection drains at its next command */
    return Qnil;
}

void init_mysql2_result(void)
{
    cMysql2Result = rb_define_class_under(mMysql2, "Result", rb_cObject);
    rb_undef_alloc_func(cMysql2Result);
    rb_include_module(cMysql2Result, rb_mEnumerable);
    rb_define_method(cMysql2Result, "each", result_each, -1);
    rb_define_method(cMysql2Result, "fields", result_fields, 0);
    rb_define_method(cMysql2Result, "count", result_count, 0);
    rb_define_alias(cMysql2Result, "size", "count");
    rb_define_method(cMysql2Result, "free", result_free_m, 0);
    sym_as = ID2SYM(rb_intern("as"));
    sym_array = ID2SYM(rb_intern("array"));
    sym_symbolize_keys = ID2SYM(rb_intern("symbolize_keys"));
    sym_cache_rows = ID2SYM(rb_intern("cache_rows"));
    sym_rows_per_gvl_yield = ID2SYM(rb_intern("rows_per_gvl_yield"));
}
