/*
 * result.c: Mysql2::Result over a buffered (mysql_store_result) or streaming (mysql_use_result) result set.
 *
 * A buffered MYSQL_RES is owned by its Result and detached from the connection (freeing it never does I/O). A
 * streaming MYSQL_RES is owned by the connection (m2_conn.stream); the Result only names it by stream id, fetches
 * its rows through the command chokepoint, and finds it gone once another command drained it. Column metadata is
 * copied at creation (columns.h), so fields, field_types, tables and dbs outlive the rows.
 */
#include "result.h"
#include "statement.h"

VALUE cMysql2Result;
static ID id_query_options, id_merge;
static VALUE sym_no_good_index_used, sym_no_index_used, sym_query_was_slow;

typedef struct result {
    VALUE client;   /* the Client: the guard and the wait live there */
    m2_conn *conn;  /* one reference, dropped by the GC free */
    MYSQL_RES *res; /* see the file comment; NULL once freed or exhausted */
    bool streaming, stream_done;
    bool cached_all; /* every row is in `rows`: a replay needs no MYSQL_RES */
    uint64_t stream_id;
    unsigned int nfields;
    column *cols;            /* nfields columns, one xmalloc block */
    unsigned char *decoders; /* nfields decoders for the current each */
    rb_encoding *encoding;   /* the connection's when the query ran */
    query_options opts;      /* parsed when the query ran */
    double query_time;       /* seconds; negative: unknown (nil) */
    unsigned int server_status;
    uint64_t streamed; /* rows yielded from a stream so far */
    uint64_t cursor;   /* buffered: the index of the row mysql_fetch_row returns next */
    VALUE fields;      /* Array of names (frozen Strings, or Symbols), Qnil until first needed */
    VALUE rows;        /* cached rows (Array), or Qnil */
    VALUE memo;        /* Array of lazily built field_types, tables, dbs, server_flags */
    VALUE statement;   /* the Statement whose execute number `execution` these rows are, or Qnil */
    uint64_t execution;
} result_t;

enum { MEMO_FIELD_TYPES, MEMO_TABLES, MEMO_DBS, MEMO_SERVER_FLAGS, MEMO_SIZE };

static void result_mark(void *ptr)
{
    result_t *r = ptr;
    rb_gc_mark_movable(r->client);
    rb_gc_mark_movable(r->fields);
    rb_gc_mark_movable(r->rows);
    rb_gc_mark_movable(r->memo);
    rb_gc_mark_movable(r->statement);
}

static void result_compact(void *ptr)
{
    result_t *r = ptr;
    r->client = rb_gc_location(r->client);
    r->fields = rb_gc_location(r->fields);
    r->rows = rb_gc_location(r->rows);
    r->memo = rb_gc_location(r->memo);
    r->statement = rb_gc_location(r->statement);
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
    xfree(r->cols);
    xfree(r->decoders);
    xfree(r);
}

static size_t result_memsize(const void *ptr)
{
    const result_t *r = ptr;
    return sizeof(*r) + r->nfields * (sizeof(column) + 1);
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

/* A metadata String (name, table, db) in the connection's encoding, then default_internal; frozen and interned. */
static VALUE meta_string(const result_t *r, const char *s, long len)
{
    rb_encoding *internal = rb_default_internal_encoding();
    if (!internal || internal == r->encoding)
        return rb_enc_interned_str(s, len, r->encoding);
    return rb_str_to_interned_str(rb_str_export_to_enc(rb_enc_str_new(s, len, r->encoding), internal));
}

/* A UTF-8 Symbol for a field name: a dynamic one (collectable once no Result uses it), as String#to_sym makes, so
 * that queries with ever-new column names do not grow the symbol table for good. */
static VALUE field_symbol(const column *c)
{
    return rb_str_intern(rb_enc_interned_str(c->name, (long)c->name_length, rb_utf8_encoding()));
}

/* The field names, built once: the key style is fixed by whoever asks first (fields, or the first each). */
static VALUE ensure_fields(VALUE self, result_t *r, bool symbolize)
{
    if (!NIL_P(r->fields))
        return r->fields;
    VALUE names = rb_ary_new_capa(r->nfields);
    for (unsigned int i = 0; i < r->nfields; i++) {
        const column *c = &r->cols[i];
        rb_ary_push(names, symbolize ? field_symbol(c) : meta_string(r, c->name, (long)c->name_length));
    }
    RB_OBJ_WRITE(self, &r->fields, names);
    return names;
}

/* The parts shared by both constructors; takes ownership of `cols`. */
static VALUE result_alloc(VALUE client, m2_conn *conn, column *cols, unsigned int n, const result_origin *origin)
{
    result_t *r;
    VALUE self = TypedData_Make_Struct(cMysql2Result, result_t, &result_type, r);
    r->cols = cols;
    r->nfields = n;
    r->decoders = ALLOC_N(unsigned char, n ? n : 1);
    RB_OBJ_WRITE(self, &r->client, client);
    r->fields = r->rows = r->memo = r->statement = Qnil;
    r->streaming = origin->opts->stream;
    r->encoding = client_get(client)->encoding;
    r->opts = *origin->opts;
    r->query_time = origin->query_time;
    r->server_status = conn->mysql->server_status;
    r->conn = conn;
    m2_conn_retain(conn);
    rb_ivar_set(self, id_query_options, origin->options);
    return self;
}

VALUE result_new(VALUE client, m2_conn *conn, MYSQL_RES *res, const result_origin *origin)
{
    unsigned int n = mysql_num_fields(res);
    rb_encoding *enc = client_get(client)->encoding;
    VALUE self = result_alloc(client, conn, columns_new(mysql_fetch_fields(res), n, enc), n, origin);
    result_t *r = result_get(self);
    r->stream_id = conn->stream_id;
    r->res = res;
    return self;
}

VALUE result_new_statement(VALUE statement, VALUE client, m2_conn *conn, column *cols, unsigned int n,
                           uint64_t execution, const result_origin *origin)
{
    VALUE self = result_alloc(client, conn, cols, n, origin);
    result_t *r = result_get(self);
    RB_OBJ_WRITE(self, &r->statement, statement);
    r->execution = execution;
    return self;
}

/* ---- each ------------------------------------------------------------------------------------------------ */

/* What one each call builds rows with. */
typedef struct each_state {
    VALUE self;
    result_t *r;
    query_options opts;
    cast_ctx cast;
    row_shape shape;
} each_state;

static void each_begin(each_state *e, int argc, VALUE *argv)
{
    result_t *r = e->r;
    e->opts = r->opts;
    if (argc > 0 && !NIL_P(argv[0])) {
        Check_Type(argv[0], T_HASH);
        query_options_check_each(argv[0]);
        VALUE merged = rb_funcall(rb_ivar_get(e->self, id_query_options), id_merge, 1, argv[0]);
        query_options_parse(merged, OPTS_EACH, &e->opts);
        e->opts.force_encoding = r->opts.force_encoding;
        e->opts.stream = r->opts.stream;
    }
    ensure_fields(e->self, r, e->opts.symbolize_keys);
    if (NIL_P(r->statement))
        row_text_decoders(r->cols, r->nfields, &e->opts, r->decoders);
    else
        statement_decoders(r->statement, r->cols, &e->opts, r->decoders);
    cast_ctx_init(&e->cast, &e->opts);
    e->shape = (row_shape){.cols = r->cols, .decoders = r->decoders, .n = r->nfields, .as_array = e->opts.as_array};
}

/* Points the row keys at the field names, re-read for every row because the fields Array is the caller's to
 * change (Sequel maps it in place to rename the keys). Returns the Array the keys live in: the caller keeps it
 * on its stack (RB_GC_GUARD), which also pins it against compaction while the row is built. */
static VALUE each_keys(each_state *e)
{
    VALUE keys = e->r->fields;
    long n = (long)e->r->nfields;
    if (RARRAY_LEN(keys) < n) { /* shortened: the missing keys are nil */
        keys = rb_ary_dup(keys);
        rb_ary_store(keys, n - 1, rb_ary_entry(keys, n - 1));
    }
    e->shape.keys = RARRAY_CONST_PTR(keys);
    return keys;
}

static VALUE each_build(each_state *e, MYSQL_ROW row, const unsigned long *lengths)
{
    VALUE keys = each_keys(e);
    VALUE out = row_text_build(&e->cast, &e->shape, row, lengths);
    RB_GC_GUARD(keys);
    return out;
}

/* Inside a command: the next row of a statement result (nil at the end, Qundef when its execute is gone). */
static VALUE statement_row(command_t *cmd, each_state *e)
{
    VALUE keys = each_keys(e);
    VALUE out = statement_fetch_row(cmd, e->r->statement, e->r->execution, &e->cast, &e->shape);
    RB_GC_GUARD(keys);
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
static void maybe_yield(const each_state *e, uint64_t built)
{
    if (e->opts.rows_per_yield > 0 && built % (uint64_t)e->opts.rows_per_yield == 0)
        rb_thread_schedule();
}

/* cache_rows: false: every each rebuilds the rows from the start; `free` inside the block ends the loop. */
static VALUE each_uncached(each_state *e)
{
    result_t *r = e->r;
    uint64_t built = 0;
    bool block = rb_block_given_p();
    if (!r->res)
        m2r_raise(cMysql2Error, "Result set has already been freed");
    mysql_data_seek(r->res, 0);
    r->cursor = 0;
    for (MYSQL_ROW row; r->res && (row = mysql_fetch_row(r->res));) {
        r->cursor++;
        VALUE out = each_build(e, row, mysql_fetch_lengths(r->res));
        maybe_yield(e, ++built);
        if (block)
            rb_yield(out);
    }
    return rb_ary_new();
}

/* Moves the cursor to the first row not cached yet. They differ when building a row raised (an invalid date):
 * the row was read but not kept, and the next each must read it again rather than skip it. */
static void resume_after_cache(result_t *r)
{
    uint64_t cached = (uint64_t)RARRAY_LEN(r->rows);
    if (r->res && r->cursor != cached) {
        mysql_data_seek(r->res, cached);
        r->cursor = cached;
    }
}

/* Replays the rows built so far, then builds (and keeps) the rest; the rows are freed once all are built. Like
 * mysql2, a replay of a complete cache yields even without a block (LocalJumpError). */
static VALUE each_cached(each_state *e)
{
    result_t *r = e->r;
    uint64_t built = 0;
    bool block = rb_block_given_p();
    if (NIL_P(r->rows))
        RB_OBJ_WRITE(e->self, &r->rows, rb_ary_new_capa(r->res ? (long)mysql_num_rows(r->res) : 0));
    if (!r->res) {
        for (long i = 0; i < RARRAY_LEN(r->rows); i++)
            rb_yield(RARRAY_AREF(r->rows, i));
        return r->rows;
    }
    for (long i = 0; i < RARRAY_LEN(r->rows) && block; i++)
        rb_yield(RARRAY_AREF(r->rows, i));
    resume_after_cache(r);
    while (r->res) {
        MYSQL_ROW row = mysql_fetch_row(r->res);
        r->cursor++;
        if (!row) {
            r->cached_all = true;
            free_buffered(r);
            break;
        }
        VALUE out = each_build(e, row, mysql_fetch_lengths(r->res));
        rb_ary_push(r->rows, out);
        maybe_yield(e, ++built);
        if (block)
            rb_yield(out);
    }
    return r->rows;
}

static VALUE each_buffered(each_state *e)
{
    if (!e->opts.cache_rows && NIL_P(e->r->rows))
        return each_uncached(e);
    if (!e->r->res && !e->r->cached_all) /* freed before all rows were cached, even if some were */
        m2r_raise(cMysql2Error, "Result set has already been freed");
    return each_cached(e);
}

/* ---- streaming ------------------------------------------------------------------------------------------- */

static bool stream_current(const result_t *r)
{
    return r->res && r->conn->stream == r->res && r->conn->stream_id == r->stream_id;
}

/* Fetches and builds one row inside the command, so that close() from elsewhere cannot free the row under us.
 * Returns Qundef when the stream is no longer this Result's, nil at its end. */
static VALUE stream_fetch_body(command_t *cmd)
{
    each_state *e = cmd->data;
    result_t *r = e->r;
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
    return each_build(e, row, mysql_fetch_lengths(r->res));
}

static void stream_exhausted(void)
{
    m2r_raise(cMysql2Error, "You have already fetched all the rows for this query and streaming is true. (to "
                            "reiterate you must requery).");
}

static VALUE each_streaming(each_state *e)
{
    result_t *r = e->r;
    if (e->opts.cache_rows)
        rb_warn(":cache_rows is ignored if :stream is true");
    if (!r->stream_done && r->res && r->conn->state != M2_STATE_READY)
        m2r_raise_not_connected(); /* the connection was closed or lost under the stream */
    if (r->stream_done || !stream_current(r)) {
        if (!r->stream_done && r->res == NULL)
            m2r_raise(cMysql2Error, "Result set has already been freed");
        stream_exhausted();
    }
    while (r->res) {
        VALUE row = client_command(r->client, "streaming each", CMD_STREAM_FETCH, stream_fetch_body, e);
        if (row == Qundef)
            stream_exhausted();
        if (NIL_P(row))
            break;
        r->streamed++;
        if (rb_block_given_p())
            rb_yield(row);
    }
    return rb_ary_new();
}

/* ---- statement results ---------------------------------------------------------------------------------- */

void result_materialize(command_t *cmd, VALUE self)
{
    each_state e = {.self = self, .r = result_get(self)};
    each_begin(&e, 0, NULL);
    VALUE rows = rb_ary_new();
    for (VALUE row; (row = statement_row(cmd, &e)) != Qnil && row != Qundef;) {
        rb_ary_push(rows, row);
        maybe_yield(&e, (uint64_t)RARRAY_LEN(rows));
    }
    RB_OBJ_WRITE(self, &e.r->rows, rows);
    RB_GC_GUARD(e.cast.scratch);
}

static VALUE statement_row_body(command_t *cmd)
{
    return statement_row(cmd, cmd->data);
}

static VALUE each_statement_stream(each_state *e)
{
    result_t *r = e->r;
    if (e->opts.cache_rows)
        rb_warn(":cache_rows is ignored if :stream is true");
    if (r->stream_done)
        stream_exhausted();
    for (;;) {
        VALUE row = client_command(r->client, "streaming each", 0, statement_row_body, e);
        if (row == Qundef && statement_closed(r->statement))
            m2r_raise(cMysql2Error, "Statement handle already closed");
        if (row == Qundef)
            stream_exhausted(); /* the statement was executed again */
        if (NIL_P(row))
            break;
        r->streamed++;
        if (rb_block_given_p())
            rb_yield(row);
    }
    r->stream_done = true;
    return rb_ary_new();
}

static VALUE each_statement(each_state *e)
{
    if (statement_closed(e->r->statement))
        m2r_raise(cMysql2Error, "Statement handle already closed");
    if (e->r->streaming)
        return each_statement_stream(e);
    if (!e->opts.cache_rows)
        rb_warn(":cache_rows is forced for prepared statements (if not streaming)");
    return each_cached(e);
}

/*
 * call-seq: result.each(options = {}) { |row| ... } -> Array
 *
 * Yields each row (a Hash, or an Array with as: :array); +options+ are query options merged over the query's for
 * the rows built by this call. A buffered result keeps its rows (cache_rows) and can be iterated again; a stream
 * (stream: true) is read from the connection as it goes, only once, and resumes where a +break+ left it.
 */
static VALUE result_each(int argc, VALUE *argv, VALUE self)
{
    rb_check_arity(argc, 0, 1);
    each_state e = {.self = self, .r = result_get(self)};
    each_begin(&e, argc, argv);
    VALUE out = !NIL_P(e.r->statement) ? each_statement(&e) : e.r->streaming ? each_streaming(&e) : each_buffered(&e);
    RB_GC_GUARD(e.cast.scratch);
    RB_GC_GUARD(self);
    return out;
}

/* ---- metadata -------------------------------------------------------------------------------------------- */

/* call-seq: result.fields -> Array (the Result's own, mutable: each uses it for Hash keys) */
static VALUE result_fields(VALUE self)
{
    result_t *r = result_get(self);
    return ensure_fields(self, r, r->opts.symbolize_keys);
}

static VALUE memo_get(VALUE self, result_t *r, int slot)
{
    if (NIL_P(r->memo))
        RB_OBJ_WRITE(self, &r->memo, rb_ary_new_from_args(MEMO_SIZE, Qnil, Qnil, Qnil, Qnil));
    return RARRAY_AREF(r->memo, slot);
}

static VALUE memo_set(result_t *r, int slot, VALUE value)
{
    rb_ary_store(r->memo, slot, value);
    return value;
}

typedef const char *(*column_string)(const column *col, char *buf, size_t size);

/* One String per column from `get`, built once and kept in memo `slot`. */
static VALUE column_strings(VALUE self, int slot, column_string get)
{
    result_t *r = result_get(self);
    VALUE memo = memo_get(self, r, slot);
    if (!NIL_P(memo))
        return memo;
    VALUE out = rb_ary_new_capa(r->nfields);
    for (unsigned int i = 0; i < r->nfields; i++) {
        char buf[64];
        const char *s = get(&r->cols[i], buf, sizeof(buf));
        rb_ary_push(out, meta_string(r, s, (long)strlen(s)));
    }
    return memo_set(r, slot, out);
}

static const char *column_table(const column *col, char *buf, size_t size)
{
    (void)buf, (void)size;
    return col->table;
}

static const char *column_db(const column *col, char *buf, size_t size)
{
    (void)buf, (void)size;
    return col->db;
}

/* call-seq: result.field_types -> Array of Strings such as "int(11)", "varchar(13)", "decimal(10,2)" */
static VALUE result_field_types(VALUE self)
{
    return column_strings(self, MEMO_FIELD_TYPES, column_type_name);
}

/* call-seq: result.tables -> Array of the table (alias) of each column */
static VALUE result_tables(VALUE self)
{
    return column_strings(self, MEMO_TABLES, column_table);
}

/* call-seq: result.dbs -> Array of the database of each column */
static VALUE result_dbs(VALUE self)
{
    return column_strings(self, MEMO_DBS, column_db);
}

/* call-seq: result.server_flags -> {no_good_index_used:, no_index_used:, query_was_slow:} */
static VALUE result_server_flags(VALUE self)
{
    result_t *r = result_get(self);
    VALUE memo = memo_get(self, r, MEMO_SERVER_FLAGS);
    if (!NIL_P(memo))
        return memo;
    VALUE flags = rb_hash_new();
    rb_hash_aset(flags, sym_no_good_index_used, (r->server_status & SERVER_QUERY_NO_GOOD_INDEX_USED ? Qtrue : Qfalse));
    rb_hash_aset(flags, sym_no_index_used, (r->server_status & SERVER_QUERY_NO_INDEX_USED ? Qtrue : Qfalse));
    rb_hash_aset(flags, sym_query_was_slow, (r->server_status & SERVER_QUERY_WAS_SLOW ? Qtrue : Qfalse));
    return memo_set(r, MEMO_SERVER_FLAGS, flags);
}

/* call-seq: result.query_time -> Float seconds from sending the query to its first response, or nil */
static VALUE result_query_time(VALUE self)
{
    result_t *r = result_get(self);
    return r->query_time < 0 ? Qnil : DBL2NUM(r->query_time);
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
    free_buffered(result_get(self)); /* also forgets a stream, which the connection drains at its next command */
    return Qnil;
}

void init_mysql2_result(void)
{
    cMysql2Result = rb_define_class_under(mMysql2, "Result", rb_cObject);
    rb_undef_alloc_func(cMysql2Result);
    rb_include_module(cMysql2Result, rb_mEnumerable);
    rb_define_method(cMysql2Result, "each", result_each, -1);
    rb_define_method(cMysql2Result, "fields", result_fields, 0);
    rb_define_method(cMysql2Result, "field_types", result_field_types, 0);
    rb_define_method(cMysql2Result, "tables", result_tables, 0);
    rb_define_method(cMysql2Result, "dbs", result_dbs, 0);
    rb_define_method(cMysql2Result, "server_flags", result_server_flags, 0);
    rb_define_method(cMysql2Result, "query_time", result_query_time, 0);
    rb_define_method(cMysql2Result, "count", result_count, 0);
    rb_define_alias(cMysql2Result, "size", "count");
    rb_define_method(cMysql2Result, "free", result_free_m, 0);
    id_query_options = rb_intern("@query_options");
    id_merge = rb_intern("merge");
    sym_no_good_index_used = ID2SYM(rb_intern("no_good_index_used"));
    sym_no_index_used = ID2SYM(rb_intern("no_index_used"));
    sym_query_was_slow = ID2SYM(rb_intern("query_was_slow"));
}
