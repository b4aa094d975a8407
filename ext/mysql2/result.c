/*
 * result.c: Mysql2::Result over a buffered or a streaming (mysql_use_result) result set.
 *
 * A buffered result reads every row inside its query command (result_fill): each row is copied into the
 * Result's raw_rows and, when rows are cached, its cells are cast at once with the query's options (`eager`),
 * so that casting overlaps with the server sending the rest. `each` then assembles the rows from those cells
 * (casting again only the columns whose decoder its options change) or from the raw rows. A streaming MYSQL_RES
 * is owned by the connection (m2_conn.stream); the Result only names it by stream id, fetches its rows through
 * the command chokepoint, and finds it gone once another command drained it. Column metadata is copied at
 * creation (columns.h), so fields, field_types, tables and dbs outlive the rows.
 */
#include "result.h"
#include "raw_rows.h"
#include <ruby/util.h>
#include "statement.h"

VALUE cMysql2Result;
static ID id_query_options, id_merge;
static VALUE sym_no_good_index_used, sym_no_index_used, sym_query_was_slow;

typedef struct result {
    VALUE client;           /* the Client: the guard and the wait live there */
    m2_conn *conn;          /* one reference, dropped by the GC free */
    MYSQL_RES *res;         /* a stream (see the file comment); NULL once freed or exhausted */
    raw_rows *raw;          /* buffered: the rows as text (those not yet cached), NULL once freed or all cached */
    raw_rows *retired;      /* `raw` freed while an each was building a row from it: freed when the last each returns */
    unsigned int iterating; /* buffered each calls in progress (other threads, or a block iterating again) */
    bool streaming, stream_done;
    bool cached_all; /* every row is in `rows`: a replay needs no raw rows */
    uint64_t stream_id;
    unsigned int nfields;
    column *cols;          /* nfields columns, one xmalloc block */
    rb_encoding *encoding; /* the connection's when the query ran */
    query_options opts;    /* parsed when the query ran */
    double query_time;     /* seconds; negative: unknown (nil) */
    unsigned int server_status;
    uint64_t streamed; /* rows yielded from a stream so far */
    VALUE eager;       /* buffered: cells of the first eager_rows rows cast at read time, or Qnil: an Array of chunks,
                        * each an Array of EAGER_CHUNK_ROWS rows of nfields cells (row-major). Chunks, not one Array: a
                        * minor GC rescans an old Array that gained young cells, so only the chunk being filled is. */
    uint64_t eager_rows;
    long eager_released;           /* chunks of `eager` emptied (their rows are cached) */
    unsigned char *eager_decoders; /* the decoders `eager` was cast with (the query's options) */
    rb_encoding *eager_internal;   /* and Encoding.default_internal then */
    unsigned long eager_zone;      /* and the zone cache generation their local times were cast under (cast_zone);
                                    * 0: none of them depends on the process time zone */
    bool lazy;                     /* origin->lazy: nothing is cast while reading */
    VALUE names;                   /* hidden Array of names (frozen Strings, or Symbols), Qnil until first needed:
                                    * the Hash keys while `fields` is nil (maybe the Client's field_names itself) */
    bool names_reused;             /* they are the Client's previous result's (cached_names) */
    VALUE fields;                  /* the Array `fields` returns (a copy of names, the caller's to change), or Qnil */
    VALUE rows;                    /* cached rows (Array), or Qnil */
    VALUE memo;                    /* Array of lazily built field_types, tables, dbs, server_flags */
    VALUE statement;               /* the Statement whose execute number `execution` these rows are, or Qnil */
    uint64_t execution;
} result_t;

#define EAGER_CHUNK_ROWS 512
/* Rows read before the early casting starts. A result this small (a point select) arrives at once, so casting
 * it early overlaps nothing; each casts it from the text, and the query allocates no early cells. */
#define EAGER_AFTER_ROWS 16

enum { MEMO_FIELD_TYPES, MEMO_TABLES, MEMO_DBS, MEMO_SERVER_FLAGS, MEMO_SIZE };

static void result_mark(void *ptr)
{
    result_t *r = ptr;
    rb_gc_mark_movable(r->client);
    rb_gc_mark_movable(r->names);
    rb_gc_mark_movable(r->fields);
    rb_gc_mark_movable(r->rows);
    rb_gc_mark_movable(r->eager);
    rb_gc_mark_movable(r->memo);
    rb_gc_mark_movable(r->statement);
}

static void result_compact(void *ptr)
{
    result_t *r = ptr;
    r->client = rb_gc_location(r->client);
    r->names = rb_gc_location(r->names);
    r->fields = rb_gc_location(r->fields);
    r->rows = rb_gc_location(r->rows);
    r->eager = rb_gc_location(r->eager);
    r->memo = rb_gc_location(r->memo);
    r->statement = rb_gc_location(r->statement);
}

/* Frees client-side memory only: a buffered result is detached; a stream stays with the connection, which drains
 * it at the next command (or drops it when it closes). So it is safe to run immediately during GC. */
static void result_free(void *ptr)
{
    result_t *r = ptr;
    raw_rows_free(r->raw);
    raw_rows_free(r->retired);
    if (r->conn)
        m2_conn_release(r->conn);
    columns_release(r->cols);
    xfree(r->eager_decoders);
    xfree(r);
}

static size_t result_memsize(const void *ptr)
{
    const result_t *r = ptr;
    return sizeof(*r) + r->nfields * (sizeof(column) + 2) + (r->raw ? raw_rows_memsize(r->raw) : 0) +
           (r->retired ? raw_rows_memsize(r->retired) : 0);
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

/* The client's cached field names when they are this result's, in the connection's encoding (no transcoding):
 * without comparing them when they were made from this very block of columns, in this encoding. */
static VALUE cached_names(const result_t *r, client_t *cl)
{
    rb_encoding *internal = rb_default_internal_encoding();
    VALUE cache = cl->field_names;
    if ((internal && internal != r->encoding) || NIL_P(cache) || RARRAY_LEN(cache) != (long)r->nfields)
        return Qnil;
    uint64_t id = columns_id(r->cols);
    if (id && cl->field_names_cols == id && cl->field_names_enc == r->encoding)
        return cache;
    int enc = rb_enc_to_index(r->encoding);
    for (unsigned int i = 0; i < r->nfields; i++) {
        VALUE s = RARRAY_AREF(cache, i);
        const column *c = &r->cols[i];
        if (RSTRING_LEN(s) != (long)c->name_length || memcmp(RSTRING_PTR(s), c->name, c->name_length) != 0 ||
            rb_enc_get_index(s) != enc)
            return Qnil;
    }
    cl->field_names_cols = id;
    cl->field_names_enc = r->encoding;
    return cache;
}

/* The field names (a hidden Array, never changed), built once: the key style is fixed by whoever asks first
 * (fields, or the first each). Unless symbolized, they become the Client's cache. */
static VALUE ensure_names(VALUE self, result_t *r, bool symbolize)
{
    if (!NIL_P(r->names))
        return r->names;
    client_t *cl = client_get(r->client);
    VALUE names = symbolize ? Qnil : cached_names(r, cl);
    r->names_reused = !NIL_P(names);
    if (NIL_P(names)) {
        names = rb_obj_hide(rb_ary_new_capa(r->nfields));
        for (unsigned int i = 0; i < r->nfields; i++) {
            const column *c = &r->cols[i];
            rb_ary_push(names, symbolize ? field_symbol(c) : meta_string(r, c->name, (long)c->name_length));
        }
        if (!symbolize) {
            rb_encoding *internal = rb_default_internal_encoding();
            RB_OBJ_WRITE(r->client, &cl->field_names, names);
            cl->field_names_cols = !internal || internal == r->encoding ? columns_id(r->cols) : 0; /* not transcoded */
            cl->field_names_enc = r->encoding;
        }
    }
    RB_OBJ_WRITE(self, &r->names, names);
    return names;
}

/* The Array `fields` returns: a copy of the names, made once (Sequel renames the keys through it, in place). */
static VALUE ensure_fields(VALUE self, result_t *r)
{
    if (NIL_P(r->fields))
        RB_OBJ_WRITE(self, &r->fields, rb_ary_dup(ensure_names(self, r, r->opts.symbolize_keys)));
    return r->fields;
}

VALUE result_prealloc(VALUE client, const result_origin *origin)
{
    result_t *r;
    VALUE self = TypedData_Make_Struct(cMysql2Result, result_t, &result_type, r);
    RB_OBJ_WRITE(self, &r->client, client);
    r->names = r->fields = r->rows = r->memo = r->statement = r->eager = Qnil;
    r->encoding = client_get(client)->encoding;
    r->opts = *origin->opts;
    r->lazy = origin->lazy;
    r->query_time = -1;
    rb_ivar_set(self, id_query_options, origin->options);
    return self;
}

/* The parts shared by both constructors; takes the caller's reference to `cols`. */
static VALUE result_alloc(VALUE client, m2_conn *conn, column *cols, unsigned int n, const result_origin *origin)
{
    VALUE self = origin->shell ? origin->shell : result_prealloc(client, origin);
    result_t *r = result_get(self);
    r->names = r->fields = r->memo = r->rows = Qnil; /* what another thread may have cached on the shell meanwhile */
    r->cols = cols;
    r->nfields = n;
    r->streaming = origin->opts->stream;
    r->query_time = origin->query_time;
    r->server_status = conn->mysql->server_status;
    r->conn = conn;
    m2_conn_retain(conn);
    return self;
}

VALUE result_new(VALUE client, m2_conn *conn, MYSQL_RES *res, const result_origin *origin)
{
    unsigned int n = mysql_num_fields(res);
    VALUE self = result_alloc(client, conn, client_columns(client_get(client), mysql_fetch_fields(res), n), n, origin);
    result_t *r = result_get(self);
    if (r->streaming) {
        r->stream_id = conn->stream_id;
        r->res = res;
    } else if (!(r->raw = raw_rows_new(n))) {
        rb_memerror();
    }
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

#define INLINE_DECODERS 32

/* What one each call builds rows with; its own decoders, as each call (in another thread, say) may have other
 * options. Whoever has one on its stack keeps e.decoders_buf alive (RB_GC_GUARD), like e.cast.scratch. */
typedef struct each_state {
    VALUE self;
    result_t *r;
    query_options opts;
    cast_ctx cast;
    row_shape shape;
    row_hash hash;           /* shape.hash: Hash rows copied from a template */
    unsigned char *decoders; /* nfields: inline_decoders, or decoders_buf's bytes */
    unsigned char inline_decoders[INLINE_DECODERS];
    VALUE decoders_buf; /* a hidden String when nfields > INLINE_DECODERS, or 0 */
    bool recast;        /* buffered: some decoder differs from the early cells' */
    char **text;        /* buffered: the text of the row being built (nfields cells, see raw_rows_get) */
    unsigned long *lengths;
    uint64_t limit; /* Result#first: the rows it takes, 0 for each (every row, to the block) */
    VALUE taken;    /* first(n): the Array they go into; 0 for first: the row goes into `last` */
    VALUE last;
} each_state;

/* The options, decoders and cast context of an each (or of result_fill's early casting); leaves `fields` alone,
 * whose kind (Strings or Symbols) the first fields or each call decides. */
static void each_prepare(each_state *e, int argc, VALUE *argv)
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
    e->decoders = e->inline_decoders;
    if (r->nfields > INLINE_DECODERS) {
        e->decoders_buf = rb_str_tmp_new(r->nfields);
        e->decoders = (unsigned char *)RSTRING_PTR(e->decoders_buf);
    }
    if (NIL_P(r->statement))
        row_text_decoders(r->cols, r->nfields, &e->opts, e->decoders);
    else
        statement_decoders(r->statement, r->execution, r->cols, &e->opts, e->decoders);
    cast_ctx_init(&e->cast, &e->opts);
}

/* Whether a column's values can be longer than ROW_HASH_BULKY bytes (its length is the most bytes it holds). */
static bool long_columns(const column *cols, unsigned int n)
{
    for (unsigned int i = 0; i < n; i++) {
        if (cols[i].length > ROW_HASH_BULKY)
            return true;
    }
    return false;
}

static void each_begin(each_state *e, int argc, VALUE *argv)
{
    result_t *r = e->r;
    each_prepare(e, argc, argv);
    ensure_names(e->self, r, e->opts.symbolize_keys);
    e->shape = (row_shape){.cols = r->cols, .decoders = e->decoders, .n = r->nfields, .as_array = e->opts.as_array};
    e->hash = (row_hash){.kept = &client_get(r->client)->row_template,
                         .owner = r->client,
                         .repeat = r->names_reused,
                         .long_columns = long_columns(r->cols, r->nfields)};
    e->shape.hash = &e->hash;
}

/* Points the row keys at the field names: the fields Array once `fields` made it, re-read for every row because
 * it is the caller's to change (Sequel maps it in place to rename the keys), else the names. Returns the Array the
 * keys live in: the caller keeps it on its stack (RB_GC_GUARD), which also pins it against compaction while the
 * row is built; Qnil for Array rows. */
static VALUE each_keys(each_state *e)
{
    if (e->shape.as_array)
        return Qnil; /* Array rows have no keys */
    VALUE keys = NIL_P(e->r->fields) ? e->r->names : e->r->fields;
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

/* Lets go of the early cells now (their buffer is megabytes for a big result), not at the next GC. */
static void drop_eager(result_t *r)
{
    for (long i = 0; !NIL_P(r->eager) && i < RARRAY_LEN(r->eager); i++)
        rb_ary_clear(RARRAY_AREF(r->eager, i));
    r->eager = Qnil;
    r->eager_rows = 0;
    r->eager_released = 0;
}

/* Frees the rows' text, unless an each may be building a row from it (a cast can call Ruby, which can switch
 * threads): then it is retired, and freed when the last each returns. */
static void free_buffered(result_t *r)
{
    if (r->iterating && r->raw) {
        raw_rows_free(r->retired);
        r->retired = r->raw;
    } else {
        raw_rows_free(r->raw);
    }
    r->raw = NULL;
    r->res = NULL; /* a stream is forgotten: the connection drains it at its next command */
    drop_eager(r);
}

/* Hands a row over: to the block (if `block`) for each; to `first`, returning false once it has all it takes (the
 * each then ends as if the block had broken out of it). */
static bool deliver(each_state *e, VALUE row, bool block)
{
    if (e->limit == 0) {
        if (block)
            rb_yield(row);
        return true;
    }
    if (!e->taken) {
        e->last = row;
        return false;
    }
    rb_ary_push(e->taken, row);
    return (uint64_t)RARRAY_LEN(e->taken) < e->limit;
}

/* Called after each row built from a buffered result: now and then, let other threads run (contract §6). */
static void maybe_yield(const each_state *e, uint64_t built)
{
    if (e->opts.rows_per_yield > 0 && built % (uint64_t)e->opts.rows_per_yield == 0)
        rb_thread_schedule();
}

/* Whether this each can use the cells cast at read time: the same time zone options, process time zone (if some
 * cells depend on it) and default_internal (the decoders may differ: those columns are cast again). */
static bool eager_usable(each_state *e)
{
    const result_t *r = e->r;
    if (NIL_P(r->eager) || e->opts.database_utc != r->opts.database_utc ||
        e->opts.application_tz != r->opts.application_tz || e->cast.internal != r->eager_internal)
        return false;
    return r->eager_zone == 0 || cast_zone(&e->cast) == r->eager_zone;
}

/* Row `i` of a buffered result, from the cells cast at read time when this each can use them, else from the text.
 */
static VALUE buffered_row(each_state *e, uint64_t i, bool use_eager)
{
    result_t *r = e->r;
    char **row = e->text;
    bool from_text = !use_eager || i >= r->eager_rows;
    unsigned int n = r->nfields;
    if ((from_text || e->recast) && !raw_rows_get(r->raw, i, row, e->lengths))
        m2r_raise(cMysql2Error, "Result set has already been freed"); /* a released row: not asked for */
    if (from_text)
        return each_build(e, row, e->lengths);
    long k = (long)(i / EAGER_CHUNK_ROWS); /* below RARRAY_LEN(r->eager) while i < eager_rows: checked all the same */
    VALUE chunk = k < RARRAY_LEN(r->eager) ? RARRAY_AREF(r->eager, k) : Qnil;
    if (NIL_P(chunk) || RARRAY_LEN(chunk) < (long)((i % EAGER_CHUNK_ROWS + 1) * n))
        m2r_raise(cMysql2Error, "Result set has already been freed"); /* an emptied chunk: not asked for */
    VALUE tmp, keys = each_keys(e);
    VALUE *cells = ALLOCV_N(VALUE, tmp, n);
    memcpy(cells, RARRAY_CONST_PTR(chunk) + (i % EAGER_CHUNK_ROWS) * n, n * sizeof(VALUE)); /* before allocating */
    for (unsigned int j = 0; e->recast && j < n; j++) {
        if (e->decoders[j] != r->eager_decoders[j])
            cells[j] =
                row[j] ? row_text_cell(&e->cast, &r->cols[j], e->decoders[j], row[j], (long)e->lengths[j]) : Qnil;
    }
    VALUE out = row_assemble(&e->shape, cells);
    ALLOCV_END(tmp);
    RB_GC_GUARD(keys);
    return out;
}

/* cache_rows: false: every each rebuilds the rows from the start, with new cells every time (never the early
 * ones, which would then be shared between iterations); `free` inside the block ends the loop. */
static VALUE each_uncached(each_state *e)
{
    result_t *r = e->r;
    bool block = rb_block_given_p();
    if (!r->raw)
        m2r_raise(cMysql2Error, "Result set has already been freed");
    drop_eager(r); /* not cached: never used */
    for (uint64_t i = 0; r->raw && i < raw_rows_count(r->raw); i++) {
        VALUE out = buffered_row(e, i, false);
        maybe_yield(e, i + 1);
        if (!deliver(e, out, block))
            break;
    }
    return rb_ary_new();
}

/* Frees what only the rows before `upto`, all cached, needed: their text and their chunks of early cells. Only
 * when no other each runs: it could be building one of those rows; an each that starts later starts after them.
 */
static void release_cached(result_t *r, uint64_t upto)
{
    raw_rows_release(r->raw, upto);
    for (long k = r->eager_released; !NIL_P(r->eager) && k < RARRAY_LEN(r->eager); k = ++r->eager_released) {
        uint64_t end = (uint64_t)(k + 1) * EAGER_CHUNK_ROWS; /* one past the chunk's last row */
        if ((end < r->eager_rows ? end : r->eager_rows) > upto)
            break;
        rb_ary_clear(RARRAY_AREF(r->eager, k));
    }
}

/* The row after `pos` cached rows, built now and kept, or the one another each (another thread, or this each's
 * own block) kept while this one was building it: the cache holds every row once, in order. */
static VALUE build_cached(each_state *e, uint64_t pos, bool use_eager)
{
    result_t *r = e->r;
    VALUE out = buffered_row(e, pos, use_eager);
    if ((uint64_t)RARRAY_LEN(r->rows) != pos)
        return RARRAY_AREF(r->rows, (long)pos);
    rb_ary_push(r->rows, out);
    if (r->iterating == 1 && r->raw) /* a free while building (another thread) took r->raw */
        release_cached(r, pos + 1);
    return out;
}

/* Replays the rows built so far, then builds (and keeps) the rest; the text and the early cells of the rows it
 * caches are freed as it goes (release_cached), all of it once every row is cached. Like mysql2, a replay of a complete
 * cache yields even without a block (LocalJumpError). A row whose building raised (an invalid date) is not kept, so the
 * next each builds it again rather than skip it. Rows that another each caches meanwhile are replayed, not built again;
 * a free meanwhile ends the loop. */
static VALUE each_cached(each_state *e)
{
    result_t *r = e->r;
    uint64_t built = 0;
    bool block = rb_block_given_p();
    if (NIL_P(r->rows))
        RB_OBJ_WRITE(e->self, &r->rows, rb_ary_new_capa(r->raw ? (long)raw_rows_count(r->raw) : 0));
    if (!r->raw) {
        for (long i = 0; i < RARRAY_LEN(r->rows); i++) {
            if (!deliver(e, RARRAY_AREF(r->rows, i), true))
                break;
        }
        return r->rows;
    }
    bool use_eager = eager_usable(e);
    for (uint64_t pos = 0;; pos++) {
        VALUE out;
        if (pos < (uint64_t)RARRAY_LEN(r->rows)) {
            out = RARRAY_AREF(r->rows, (long)pos);
        } else if (!r->raw) {
            break;
        } else if (pos >= raw_rows_count(r->raw)) {
            r->cached_all = true;
            free_buffered(r);
            break;
        } else {
            out = build_cached(e, pos, use_eager);
            maybe_yield(e, ++built);
        }
        if (!deliver(e, out, block))
            break;
    }
    return r->rows;
}

static VALUE each_buffered_run(VALUE arg)
{
    each_state *e = (each_state *)arg;
    result_t *r = e->r;
    if (!e->opts.cache_rows && NIL_P(r->rows))
        return each_uncached(e);
    if (!r->raw && !r->cached_all) /* freed before all rows were cached, even if some were */
        m2r_raise(cMysql2Error, "Result set has already been freed");
    return each_cached(e);
}

static VALUE each_buffered_leave(VALUE arg)
{
    each_state *e = (each_state *)arg;
    result_t *r = e->r;
    row_hash_done(&e->hash);
    if (--r->iterating == 0 && r->retired) {
        raw_rows_free(r->retired);
        r->retired = NULL;
    }
    return Qnil;
}

/* Counts itself in r->iterating while it runs (see free_buffered and release_cached). An each abandoned inside
 * an external enumerator (result.to_enum.next) never leaves: nothing more is released until the Result is
 * collected, which frees it all. */
static VALUE each_buffered(each_state *e)
{
    result_t *r = e->r;
    VALUE tmp = 0;
    size_t bytes = r->nfields * (sizeof(char *) + sizeof(unsigned long));
    e->text = (char **)ALLOCV(tmp, bytes ? bytes : 1);
    e->lengths = (unsigned long *)(e->text + r->nfields);
    e->recast = !NIL_P(r->eager) && memcmp(e->decoders, r->eager_decoders, r->nfields) != 0;
    r->iterating++;
    VALUE out = rb_ensure(each_buffered_run, (VALUE)e, each_buffered_leave, (VALUE)e);
    ALLOCV_END(tmp);
    return out;
}

/* ---- reading a buffered result --------------------------------------------------------------------------- */

typedef struct fill_state {
    each_state e;
    MYSQL_ROW row;
    const unsigned long *lengths;
    VALUE *cells;         /* `batch` rows of early cells not yet in r->eager (ALLOCV: marked by the GC) */
    unsigned int pending; /* rows in `cells` */
    unsigned int batch;   /* rows per append: more than 16 cells, which rb_ary_cat copies with one write barrier */
} fill_state;

/* Appends the pending rows of early cells to r->eager and counts them in r->eager_rows. A batch never straddles
 * two chunks (eager_row flushes at a chunk's end). The first chunk grows from empty (small results stay small);
 * a result that reaches a second chunk is big, and every further chunk is allocated at its full size at once. */
static void eager_flush(fill_state *f)
{
    result_t *r = f->e.r;
    if (f->pending == 0)
        return;
    if (r->eager_rows % EAGER_CHUNK_ROWS == 0) {
        long chunks = RARRAY_LEN(r->eager);
        rb_ary_push(r->eager, chunks ? rb_ary_new_capa(EAGER_CHUNK_ROWS * (long)r->nfields) : rb_ary_new());
    }
    rb_ary_cat(RARRAY_AREF(r->eager, RARRAY_LEN(r->eager) - 1), f->cells, (long)(f->pending * r->nfields));
    r->eager_rows += f->pending;
    f->pending = 0;
}

/* Casts the cells of the row just read into the pending batch (appended to r->eager when full). Returns false,
 * keeping nothing of this row, when a cell could raise (an invalid date, Qundef under cast.no_raise): that stops
 * the early casting, and each builds the row from its text and raises there, where mysql2 raises. Whatever else
 * raises (an interrupt, no memory) goes on up, and the pending rows are dropped (each builds them from the text). */
static bool eager_row(fill_state *f)
{
    result_t *r = f->e.r;
    VALUE *cells = f->cells + (size_t)f->pending * r->nfields;
    for (unsigned int j = 0; j < r->nfields; j++) {
        cells[j] = f->row[j]
                       ? row_text_cell(&f->e.cast, &r->cols[j], r->eager_decoders[j], f->row[j], (long)f->lengths[j])
                       : Qnil;
        if (cells[j] == Qundef) /* a date that could raise (cast.no_raise) */
            return false;
    }
    f->pending++;
    if (f->pending == f->batch || (r->eager_rows + f->pending) % EAGER_CHUNK_ROWS == 0)
        eager_flush(f);
    return true;
}

/* Starts the early casting with the query's options (what each will most likely use), the `read` rows so far cast
 * from their stored text. Returns whether casting goes on (false: a cell that could raise, see eager_row). The
 * pending cells' buffer is the caller's to free (ALLOCV_END(*tmp)). */
static bool eager_start(fill_state *f, VALUE *tmp, uint64_t read)
{
    result_t *r = f->e.r;
    each_prepare(&f->e, 0, NULL);
    r->eager_decoders = ALLOC_N(unsigned char, r->nfields);
    memcpy(r->eager_decoders, f->e.decoders, r->nfields);
    r->eager_internal = f->e.cast.internal;
    f->e.cast.no_raise = true;
    RB_OBJ_WRITE(f->e.self, &r->eager, rb_ary_new());
    f->batch = r->nfields > 16 || r->nfields == 0 ? 1 : 16 / r->nfields + 1;
    /* not ALLOCV_N, whose small buffers live on this function's stack: the cells outlive it (*tmp: the caller's) */
    f->cells = rb_alloc_tmp_buffer(tmp, (long)(f->batch * r->nfields * sizeof(VALUE)));
    VALUE text_tmp;
    char **text = (char **)ALLOCV(text_tmp, r->nfields * (sizeof(char *) + sizeof(unsigned long)) + 1);
    unsigned long *lengths = (unsigned long *)(text + r->nfields);
    bool casting = true;
    for (uint64_t i = 0; casting && i < read; i++) {
        f->row = text;
        f->lengths = lengths;
        casting = raw_rows_get(r->raw, i, text, lengths) && eager_row(f); /* a missing row: not one more cast */
    }
    f->row = NULL; /* text dies here */
    f->lengths = NULL;
    ALLOCV_END(text_tmp);
    return casting;
}

void result_fill(command_t *cmd, VALUE self, MYSQL_RES *res)
{
    fill_state f = {.e = {.self = self, .r = result_get(self)}};
    result_t *r = f.e.r;
    m2_conn *c = cmd->conn;
    VALUE tmp = 0;
    bool may_cast = r->opts.cache_rows && !r->lazy, casting = false;
    f.e.opts = r->opts; /* rows_per_gvl_yield for maybe_yield, before (and without) eager_start */
    for (uint64_t n = 1;; n++) {
        command_drive(cmd, m2_conn_fetch_row_start(c, res));
        if (!(f.row = c->ret_row))
            break;
        f.lengths = mysql_fetch_lengths(res);
        if (!raw_rows_append(r->raw, f.row, f.lengths))
            rb_memerror(); /* cmd->unfinished: the session is torn down */
        if (casting || (may_cast && n > EAGER_AFTER_ROWS)) {
            casting = casting ? eager_row(&f) : eager_start(&f, &tmp, n);
            may_cast = casting;
            if (!casting)
                eager_flush(&f);
        }
        maybe_yield(&f.e, n);
    }
    if (casting)
        eager_flush(&f);
    if (f.e.cast.tz_moved) /* ENV["TZ"] changed while the rows were read: not all in one zone */
        drop_eager(r);
    else if (f.e.cast.tz_checked) /* some local times were cast */
        r->eager_zone = f.e.cast.tz_generation;
    if (tmp)
        ALLOCV_END(tmp);
    r->server_status = c->mysql->server_status; /* the final status (query_was_slow) comes with the last row */
    m2_conn_drop_stream(c);
    cmd->unfinished = false;
    if (m2_conn_errno(c))
        command_raise(cmd);
    cast_ctx_done(&f.e.cast);
    RB_GC_GUARD(f.e.decoders_buf);
}

uint64_t result_row_count(VALUE self)
{
    const result_t *r = result_get(self);
    return r->raw ? raw_rows_count(r->raw) : 0;
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
        if (!deliver(e, row, rb_block_given_p()))
            break;
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
    row_hash_done(&e.hash);
    cast_ctx_done(&e.cast);
    RB_GC_GUARD(e.decoders_buf);
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
        if (!deliver(e, row, rb_block_given_p()))
            return Qnil; /* first: the stream goes on */
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

/* each and first: the rows of this Result, by its kind, to the block or to first (deliver). */
static VALUE each_run(each_state *e, int argc, VALUE *argv)
{
    each_begin(e, argc, argv);
    VALUE out;
    if (NIL_P(e->r->statement) && !e->r->streaming) {
        out = each_buffered(e); /* row_hash_done in its ensure */
    } else {
        out = !NIL_P(e->r->statement) ? each_statement(e) : each_streaming(e);
        row_hash_done(&e->hash);
    }
    cast_ctx_done(&e->cast);
    RB_GC_GUARD(e->decoders_buf);
    RB_GC_GUARD(e->self);
    return out;
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
    return each_run(&e, argc, argv);
}

/*
 * call-seq: result.first -> row or nil; result.first(n) -> Array
 *
 * Enumerable#first, without its block and break: the rows an each without options would yield first, cached or
 * read from a stream just the same (a stream goes on from there).
 */
static VALUE result_first(int argc, VALUE *argv, VALUE self)
{
    rb_check_arity(argc, 0, 1);
    each_state e = {.self = self, .r = result_get(self), .limit = 1, .last = Qnil};
    if (argc == 1) {
        long n = NUM2LONG(argv[0]); /* as Enumerable#first: its errors too */
        if (n < 0)
            rb_raise(rb_eArgError, "attempt to take negative size");
        if (n == 0)
            return rb_ary_new();
        e.limit = (uint64_t)n;
        e.taken = rb_ary_new();
    }
    each_run(&e, 0, NULL);
    return argc == 1 ? e.taken : e.last;
}

/* ---- metadata -------------------------------------------------------------------------------------------- */

/* call-seq: result.fields -> Array (the Result's own, mutable: each uses it for Hash keys) */
static VALUE result_fields(VALUE self)
{
    result_t *r = result_get(self);
    return ensure_fields(self, r);
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
    if (r->raw)
        return ULL2NUM(raw_rows_count(r->raw));
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
    rb_define_method(cMysql2Result, "first", result_first, -1);
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
