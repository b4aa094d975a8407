/*
 * statement.c: Mysql2::Statement, a prepared statement over the binary protocol, and Client#prepare.
 *
 * A MYSQL_STMT belongs to the session it was prepared in (`session`); a teardown of that session (close, lost
 * connection, reconnect) detaches it in the library (mysql_close sets stmt->mysql = NULL), after which freeing it
 * is memory-only. Every use goes through the command chokepoint. The GC free never speaks: a statement of a live
 * session is queued on the connection and closed at its next command.
 */
#include "statement.h"
#include "result.h"
#include "statement_params.h"

VALUE cMysql2Statement;
static ID id_query_options, id_merge;

typedef struct statement {
    VALUE client;
    m2_conn *conn;    /* one reference, dropped by the GC free */
    MYSQL_STMT *stmt; /* NULL once closed */
    uint64_t session; /* conn->session when prepared */
    unsigned long param_count;
    unsigned int field_count;
    result_binds binds;  /* result buffers, reused across executes */
    param_binds params;  /* parameter binds, reused across executes */
    uint64_t execution;  /* counts executes and the close: a streaming Result names the one it reads */
    MYSQL_STMT *running; /* the handle an execute in progress uses: valid until its command ends, even when
                            close() from another thread queued it for closing meanwhile (s->stmt is NULL then) */
    bool cursor_open;    /* the server holds a cursor for the last execute */
} statement_t;

static void statement_mark(void *ptr)
{
    rb_gc_mark_movable(((statement_t *)ptr)->client);
}

static void statement_compact(void *ptr)
{
    statement_t *s = ptr;
    s->client = rb_gc_location(s->client);
}

static bool attached(const statement_t *s)
{
    return s->stmt && s->conn->mysql && s->conn->session == s->session;
}

/* Never speaks: a statement of the live session is queued for close at the next command; a detached one only
 * holds memory. */
static void statement_free(void *ptr)
{
    statement_t *s = ptr;
    if (s->stmt) {
        if (!attached(s))
            mysql_stmt_close(s->stmt);
        else
            m2_conn_defer_stmt_close(s->conn, s->stmt); /* on failure (no memory) the statement leaks */
    }
    result_binds_free(&s->binds);
    param_binds_free(&s->params);
    if (s->conn)
        m2_conn_release(s->conn);
    xfree(s);
}

static size_t statement_memsize(const void *ptr)
{
    const statement_t *s = ptr;
    return sizeof(*s) + s->binds.n * (sizeof(MYSQL_BIND) + sizeof(bind_cell)) +
           s->params.n * (sizeof(MYSQL_BIND) + sizeof(param_value));
}

static const rb_data_type_t statement_type = {
    .wrap_struct_name = "Mysql2::Statement",
    .function = {.dmark = statement_mark,
                 .dfree = statement_free,
                 .dsize = statement_memsize,
                 .dcompact = statement_compact},
    .flags = RUBY_TYPED_FREE_IMMEDIATELY | RUBY_TYPED_WB_PROTECTED,
};

static statement_t *statement_get(VALUE self)
{
    return rb_check_typeddata(self, &statement_type);
}

/* The handle of an open statement, or Mysql2::Error. */
static MYSQL_STMT *live_stmt(const statement_t *s)
{
    if (!s->stmt)
        m2r_raise(cMysql2Error, "Invalid statement handle");
    if (s->conn->state != M2_STATE_READY)
        m2r_raise_not_connected();
    if (!attached(s))
        m2r_raise(cMysql2ConnectionError, "Statement handle is no longer valid: its connection was reconnected "
                                          "since it was prepared");
    return s->stmt;
}

bool statement_closed(VALUE self)
{
    return !attached(statement_get(self));
}

/* ---- prepare --------------------------------------------------------------------------------------------- */

typedef struct prepare_args {
    statement_t *s;
    VALUE sql;
} prepare_args;

static VALUE prepare_body(command_t *cmd)
{
    prepare_args *a = cmd->data;
    statement_t *s = a->s;
    m2_conn *c = cmd->conn;
    s->stmt = mysql_stmt_init(c->mysql);
    if (!s->stmt)
        rb_raise(rb_eNoMemError, "mysql_stmt_init failed");
    s->session = c->session;
    command_drive(cmd, m2_conn_stmt_prepare_start(c, s->stmt, RSTRING_PTR(a->sql), RSTRING_LEN(a->sql)));
    if (c->ret_int != 0)
        command_raise(cmd); /* the failed statement is closed by the GC free */
    s->param_count = mysql_stmt_param_count(s->stmt);
    s->field_count = mysql_stmt_field_count(s->stmt);
    return Qnil;
}

/*
 * call-seq: client._prepare(sql) -> Mysql2::Statement
 *
 * Prepares +sql+ (transcoded to the connection encoding) on the server; ? marks the parameters.
 */
static VALUE client_prepare(VALUE client, VALUE sql)
{
    client_t *cl = client_get(client);
    statement_t *s;
    VALUE self = TypedData_Make_Struct(cMysql2Statement, statement_t, &statement_type, s);
    prepare_args a = {.s = s, .sql = m2r_str_to_conn_enc(StringValue(sql), cl->encoding)};
    RB_OBJ_WRITE(self, &s->client, client);
    s->conn = cl->conn;
    m2_conn_retain(s->conn);
    client_command(client, "prepare", 0, prepare_body, &a);
    RB_GC_GUARD(a.sql);
    return self;
}

/* ---- execute --------------------------------------------------------------------------------------------- */

typedef struct execute_args {
    VALUE self;
    statement_t *s;
    VALUE options;
    query_options opts;
    VALUE binds; /* the Array of values */
    VALUE keep;  /* an Array of the Strings the parameter binds point into, or 0 (param_binds_fill) */
    VALUE shell; /* the Result made while the server worked, or 0 */
    bool parsed; /* opts is complete (else only its query_options_check_over half is) */
} execute_args;

/* While the server executes: the rest of the options (if they could be read without running Ruby code), and the
 * Result the rows will most likely need (dropped when the statement has no result set). */
static void execute_meanwhile(command_t *cmd)
{
    execute_args *a = cmd->data;
    if (!a->parsed)
        query_options_read_rest(a->options, &a->opts);
    result_origin origin = {.options = a->options, .opts = &a->opts};
    a->shell = result_prealloc(a->s->client, &origin);
}

static void set_cursor(MYSQL_STMT *stmt, const query_options *opts)
{
    unsigned long type = opts->stream ? CURSOR_TYPE_READ_ONLY : CURSOR_TYPE_NO_CURSOR;
    unsigned long prefetch = opts->stream_size > 0 ? (unsigned long)opts->stream_size : 1;
    if (mysql_stmt_attr_set(stmt, STMT_ATTR_CURSOR_TYPE, &type))
        m2r_raise(cMysql2Error, "Unable to stream prepared statement, could not set CURSOR_TYPE_READ_ONLY");
    if (opts->stream && mysql_stmt_attr_set(stmt, STMT_ATTR_PREFETCH_ROWS, &prefetch))
        m2r_raise(cMysql2Error, "Unable to stream prepared statement, could not set STMT_ATTR_PREFETCH_ROWS");
}

/* Sends the execute; returns the number of result columns. */
static unsigned int send_execute(command_t *cmd, statement_t *s, MYSQL_STMT *stmt, const query_options *opts)
{
    m2_conn *c = cmd->conn;
    if (s->cursor_open) {
        command_drive(cmd, m2_conn_stmt_reset_start(c, stmt)); /* closes the previous execute's cursor */
        s->cursor_open = false;
    }
    s->execution++;
    set_cursor(stmt, opts);
    if (s->param_count && mysql_stmt_bind_param(stmt, s->params.binds))
        m2r_raise(cMysql2Error, "%s", mysql_stmt_error(stmt));
    command_drive_with(cmd, m2_conn_stmt_execute_start(c, stmt), execute_meanwhile);
    if (c->ret_int != 0)
        command_raise(cmd);
    cmd->cl->affected_rows = mysql_stmt_affected_rows(stmt);
    cmd->cl->has_affected_rows = true;
    return mysql_stmt_field_count(stmt);
}

/* Stores the rows client-side, sizes the buffers to the widest values and binds them. */
static void store_rows(command_t *cmd, statement_t *s, MYSQL_STMT *stmt, const column *cols, unsigned int n,
                       cast_mode cast)
{
    m2_conn *c = cmd->conn;
    my_bool on = 1;
    mysql_stmt_attr_set(stmt, STMT_ATTR_UPDATE_MAX_LENGTH, &on);
    command_drive(cmd, m2_conn_stmt_store_result_start(c, stmt));
    if (c->ret_int != 0)
        command_raise(cmd);
    VALUE tmp;
    unsigned long *max_lengths = ALLOCV_N(unsigned long, tmp, n ? n : 1);
    for (unsigned int i = 0; i < n; i++)
        max_lengths[i] = stmt->fields[i].max_length;
    result_binds_prepare(&s->binds, cols, n, cast, max_lengths);
    ALLOCV_END(tmp);
}

static VALUE execute_body(command_t *cmd)
{
    execute_args *a = cmd->data;
    statement_t *s = a->s;
    MYSQL_STMT *stmt = s->running = live_stmt(s); /* checked again: the command may have reconnected */
    param_binds_fill(&s->params, a->binds, cmd->cl->encoding, &a->keep); /* under the guard: s->params is shared */
    unsigned int n = send_execute(cmd, s, stmt, &a->opts);
    if (n == 0)
        return Qnil;
    column *cols = client_columns(cmd->cl, stmt->fields, n);
    result_origin origin = {.options = a->options, .opts = &a->opts, .query_time = -1, .shell = a->shell};
    if (a->opts.stream) {
        result_binds_prepare(&s->binds, cols, n, a->opts.cast, NULL);
        s->cursor_open = true;
    } else {
        store_rows(cmd, s, stmt, cols, n, a->opts.cast);
    }
    if (mysql_stmt_bind_result(stmt, s->binds.binds))
        m2r_raise(cMysql2Error, "%s", mysql_stmt_error(stmt));
    VALUE result = result_new_statement(a->self, s->client, cmd->conn, cols, n, s->execution, &origin);
    if (!a->opts.stream) {
        result_materialize(cmd, result);
        command_drive(cmd, m2_conn_stmt_free_result_start(cmd->conn, stmt));
    }
    return result;
}

static VALUE run_execute(VALUE arg)
{
    execute_args *a = (execute_args *)arg;
    return client_command(a->s->client, "execute", CMD_TIMED, execute_body, a);
}

/*
 * call-seq: statement._execute(binds, options) -> Mysql2::Result or nil
 *
 * Binds the Array +binds+ (converted by class; TypeError before anything is sent), executes, and returns the
 * rows, all built now, or read from a server-side cursor with stream: true / {size: N}. +options+ are merged over
 * the client's query_options as they are now.
 */
static VALUE statement_execute(VALUE self, VALUE binds, VALUE options)
{
    statement_t *s = statement_get(self);
    Check_Type(binds, T_ARRAY);
    Check_Type(options, T_HASH);
    live_stmt(s);
    execute_args a = {.self = self, .s = s};
    a.options = rb_funcall(rb_ivar_get(s->client, id_query_options), id_merge, 1, options);
    a.parsed = !query_options_plain(a.options); /* else the rest is read in execute_meanwhile */
    if (a.parsed)
        query_options_parse(a.options, OPTS_EXECUTE, &a.opts);
    else
        query_options_check_over(a.options, Qnil, OPTS_EXECUTE, &a.opts);
    if ((unsigned long)RARRAY_LEN(binds) != s->param_count)
        m2r_raise(cMysql2Error, "Bind parameter count (%lu) doesn't match number of arguments (%ld)", s->param_count,
                  RARRAY_LEN(binds));
    a.binds = binds;
    int state = 0;
    VALUE result = rb_protect(run_execute, (VALUE)&a, &state);
    s->running = NULL;
    RB_GC_GUARD(a.keep);
    RB_GC_GUARD(a.shell);
    if (state)
        rb_jump_tag(state);
    return result;
}

/* ---- rows ------------------------------------------------------------------------------------------------ */

void statement_decoders(VALUE self, uint64_t execution, const column *cols, const query_options *opts,
                        unsigned char *out)
{
    statement_t *s = statement_get(self);
    /* not while an execute of this statement runs: it rebinds for its own rows */
    if (opts->cast != s->binds.cast && s->cursor_open && !s->running && attached(s) && s->execution == execution) {
        result_binds_prepare(&s->binds, cols, s->binds.n, opts->cast, NULL);
        if (mysql_stmt_bind_result(s->stmt, s->binds.binds))
            m2r_raise(cMysql2Error, "%s", mysql_stmt_error(s->stmt));
    }
    row_binary_decoders(&s->binds, cols, opts, out);
}

VALUE statement_fetch_row(command_t *cmd, VALUE self, uint64_t execution, cast_ctx *x, const row_shape *shape)
{
    statement_t *s = statement_get(self);
    MYSQL_STMT *stmt = s->running;
    if (!stmt && attached(s) && s->execution == execution)
        stmt = s->stmt;
    if (!stmt)
        return Qundef;
    m2_conn *c = cmd->conn;
    command_drive(cmd, m2_conn_stmt_fetch_start(c, stmt));
    if (c->ret_int == MYSQL_NO_DATA) {
        s->cursor_open = false;
        return Qnil;
    }
    if (c->ret_int == 1)
        command_raise(cmd);
    if (result_binds_fit(&s->binds, stmt))
        mysql_stmt_bind_result(stmt, s->binds.binds);
    return row_binary_build(x, shape, &s->binds);
}

/* ---- close and accessors --------------------------------------------------------------------------------- */

static VALUE close_body(command_t *cmd)
{
    statement_t *s = cmd->data;
    MYSQL_STMT *stmt = s->stmt;
    bool live = attached(s); /* the command may have reconnected first */
    s->stmt = NULL;
    if (live)
        command_drive(cmd, m2_conn_stmt_close_start(cmd->conn, stmt)); /* the library frees it when done */
    else if (stmt)
        mysql_stmt_close(stmt); /* detached: memory only */
    return Qnil;
}

/*
 * call-seq: statement.close -> nil
 *
 * Closes the statement on the server now, or at the connection's next command when the connection is busy
 * (another fiber's command, an async query) or not this process's. Idempotent; a Result being streamed from it
 * raises "Statement handle already closed" afterwards.
 */
static VALUE statement_close(VALUE self)
{
    statement_t *s = statement_get(self);
    if (!s->stmt)
        return Qnil;
    s->execution++;
    s->cursor_open = false;
    if (!attached(s)) {
        mysql_stmt_close(s->stmt);
        s->stmt = NULL;
        return Qnil;
    }
    if (!NIL_P(client_get(s->client)->guard) || m2_conn_inherited(s->conn) || s->conn->state != M2_STATE_READY) {
        m2_conn_defer_stmt_close(s->conn, s->stmt); /* on failure (no memory) the statement leaks */
        s->stmt = NULL;
        return Qnil;
    }
    client_command(s->client, "Statement#close", 0, close_body, s);
    return Qnil;
}

/* call-seq: statement.closed? -> true or false (also true once its connection closed or reconnected) */
static VALUE statement_closed_p(VALUE self)
{
    return statement_closed(self) ? Qtrue : Qfalse;
}

/* call-seq: statement.param_count -> Integer */
static VALUE statement_param_count(VALUE self)
{
    statement_t *s = statement_get(self);
    live_stmt(s);
    return ULONG2NUM(s->param_count);
}

/* call-seq: statement.field_count -> Integer */
static VALUE statement_field_count(VALUE self)
{
    statement_t *s = statement_get(self);
    live_stmt(s);
    return UINT2NUM(s->field_count);
}

/* call-seq: statement.fields -> Array of names (connection encoding, then default_internal), or nil */
static VALUE statement_fields(VALUE self)
{
    statement_t *s = statement_get(self);
    MYSQL_STMT *stmt = live_stmt(s);
    unsigned int n = mysql_stmt_field_count(stmt);
    if (n == 0 || !stmt->fields)
        return Qnil;
    rb_encoding *enc = client_get(s->client)->encoding, *internal = rb_default_internal_encoding();
    VALUE names = rb_ary_new_capa(n);
    for (unsigned int i = 0; i < n; i++) {
        const MYSQL_FIELD *f = &stmt->fields[i];
        VALUE name = rb_enc_str_new(f->name, (long)strnlen(f->name, f->name_length), enc);
        rb_ary_push(names, internal ? rb_str_export_to_enc(name, internal) : name);
    }
    return names;
}

/* call-seq: statement.last_id -> Integer */
static VALUE statement_last_id(VALUE self)
{
    return ULL2NUM(mysql_stmt_insert_id(live_stmt(statement_get(self))));
}

/* call-seq: statement.affected_rows -> Integer */
static VALUE statement_affected_rows(VALUE self)
{
    MYSQL_STMT *stmt = live_stmt(statement_get(self));
    my_ulonglong n = mysql_stmt_affected_rows(stmt);
    if (n == (my_ulonglong)-1)
        m2r_raise(cMysql2Error, "affected_rows is not available: %s", mysql_stmt_error(stmt));
    return ULL2NUM(n);
}

void init_mysql2_statement(void)
{
    cMysql2Statement = rb_define_class_under(mMysql2, "Statement", rb_cObject);
    rb_undef_alloc_func(cMysql2Statement);
    rb_define_private_method(cMysql2Client, "_prepare", client_prepare, 1); /* the Statement's constructor */
    rb_define_private_method(cMysql2Statement, "_execute", statement_execute, 2);
    rb_define_method(cMysql2Statement, "close", statement_close, 0);
    rb_define_method(cMysql2Statement, "closed?", statement_closed_p, 0);
    rb_define_method(cMysql2Statement, "param_count", statement_param_count, 0);
    rb_define_method(cMysql2Statement, "field_count", statement_field_count, 0);
    rb_define_method(cMysql2Statement, "fields", statement_fields, 0);
    rb_define_method(cMysql2Statement, "last_id", statement_last_id, 0);
    rb_define_method(cMysql2Statement, "affected_rows", statement_affected_rows, 0);
    id_query_options = rb_intern("@query_options");
    id_merge = rb_intern("merge");
    init_mysql2_statement_params();
}
