/*
 * client.c: Mysql2::Client: allocation, GC, and the command methods. Options and connect live in
 * client_options.c; the chokepoint and the wait live in client_command.c.
 */
#include "result.h"

VALUE cMysql2Client;
static ID id_merge, id_current_query_options;

/* ---- typed data ------------------------------------------------------------------------------------------ */

static void client_mark(void *ptr)
{
    client_t *cl = ptr;
    rb_gc_mark_movable(cl->io);
    rb_gc_mark_movable(cl->guard);
    rb_gc_mark_movable(cl->field_names);
    rb_gc_mark_movable(cl->row_template.tmpl);
    rb_gc_mark_movable(cl->row_template.keys);
}

static void client_compact(void *ptr)
{
    client_t *cl = ptr;
    cl->io = rb_gc_location(cl->io);
    cl->guard = rb_gc_location(cl->guard);
    cl->field_names = rb_gc_location(cl->field_names);
    cl->row_template.tmpl = rb_gc_location(cl->row_template.tmpl);
    cl->row_template.keys = rb_gc_location(cl->row_template.keys);
}

/* Drops the Client's reference. Never speaks the protocol (the last reference discards the session), so it is
 * safe to run immediately during GC. */
static void client_free(void *ptr)
{
    client_t *cl = ptr;
    m2_conn_release(cl->conn);
    columns_release(cl->last_cols);
    xfree(cl);
}

column *client_columns(client_t *cl, MYSQL_FIELD *fields, unsigned int n)
{
    column *cols = columns_reuse(cl->last_cols, fields, n, cl->encoding);
    if (cols != cl->last_cols) {
        columns_release(cl->last_cols);
        cl->last_cols = columns_retain(cols);
    }
    return cols;
}

static size_t client_memsize(const void *ptr)
{
    (void)ptr;
    return sizeof(client_t) + sizeof(m2_conn);
}

static const rb_data_type_t client_type = {
    .wrap_struct_name = "Mysql2::Client",
    .function = {.dmark = client_mark, .dfree = client_free, .dsize = client_memsize, .dcompact = client_compact},
    .flags = RUBY_TYPED_FREE_IMMEDIATELY | RUBY_TYPED_WB_PROTECTED,
};

static VALUE client_alloc(VALUE klass)
{
    client_t *cl;
    VALUE self = TypedData_Make_Struct(klass, client_t, &client_type, cl);
    cl->io = Qnil;
    cl->guard = Qnil;
    cl->field_names = Qnil;
    cl->automatic_close = true;
    cl->encoding = rb_utf8_encoding();
    cl->conn = m2_conn_new();
    if (!cl->conn)
        rb_raise(rb_eNoMemError, "failed to allocate a MySQL client handle");
    return self;
}

client_t *client_get(VALUE self)
{
    return rb_check_typeddata(self, &client_type);
}

m2_conn *client_live_conn(VALUE self)
{
    m2_conn *c = client_get(self)->conn;
    if (!c->mysql || c->state != M2_STATE_READY || c->cancelled)
        m2r_raise_not_connected();
    return c;
}

/* ---- query ----------------------------------------------------------------------------------------------- */

typedef struct query_args {
    VALUE self, sql;
    VALUE base, over;   /* _query_merging: the client's query options and the query's own; else 0 */
    VALUE options;      /* the merged Hash: given to _query, or taken by query_snapshot (0 until then) */
    query_options opts; /* _query_merging: only its query_options_check_over half until query_meanwhile */
    VALUE shell;        /* the Result made while the server worked, or 0 */
} query_args;

/* Reads the result of the statement just answered (buffered or streaming) into a Mysql2::Result, or nil. */
static VALUE collect_result(command_t *cmd, const result_origin *origin)
{
    m2_conn *c = cmd->conn;
    if (mysql_field_count(c->mysql) == 0) {
        cmd->cl->affected_rows = mysql_affected_rows(c->mysql);
        cmd->cl->has_affected_rows = true;
        return Qnil;
    }
    MYSQL_RES *res = m2_conn_use_result(c);
    if (!res)
        command_raise(cmd);
    cmd->unfinished = !origin->opts->stream; /* until result_fill has read every row */
    VALUE result = result_new(cmd->self, c, res, origin);
    if (origin->opts->stream)
        return result;
    result_fill(cmd, result, res); /* rows are cast while the server sends the rest */
    cmd->cl->affected_rows = result_row_count(result);
    cmd->cl->has_affected_rows = true;
    return result;
}

/* collect_result for a result read later than its query (async_result, store_result): the options Hash the
 * query stored (nil: the defaults) is parsed again here. */
static VALUE collect_result_with(command_t *cmd, VALUE options, double query_time)
{
    if (NIL_P(options))
        options = rb_hash_new();
    query_options opts;
    query_options_parse(options, OPTS_QUERY, &opts);
    result_origin origin = {.options = options, .opts = &opts, .query_time = query_time, .lazy = true};
    return collect_result(cmd, &origin);
}

/* Takes the query's options Hash, base.merge(over) as Hash#merge builds it for a plain Hash (query_merging checked
 * that base is one): @current_query_options, and the Result's @query_options. Runs no Ruby code. The check of the
 * options ran in the same stretch with the GVL held, unless it ran Ruby code itself (the :database_timezone
 * warning, an Integer-like :rows_per_gvl_yield): another thread's change to query_options made then shows in
 * this Hash, while the rows follow what was checked. */
static void query_snapshot(VALUE self, query_args *q)
{
    if (q->options)
        return;
    VALUE merged = rb_hash_dup(q->base);
    if (RHASH_SIZE(q->over))
        rb_hash_update_by(merged, q->over, NULL);
    q->options = merged;
    rb_ivar_set(self, id_current_query_options, merged);
}

/* While the server works on the query: its options Hash and the rest of its options (query_merging), and the
 * Result it will most likely need (dropped when the statement has no result set). Work done here overlaps the
 * server's instead of following it. It runs no Ruby code: only NoMemoryError can raise here. */
static void query_meanwhile(command_t *cmd)
{
    query_args *q = cmd->data;
    query_snapshot(cmd->self, q);
    if (q->base) /* _query_merging: the rest of the options (_query parsed them all before the send) */
        query_options_read_rest(q->options, &q->opts);
    result_origin origin = {.options = q->options, .opts = &q->opts};
    q->shell = result_prealloc(cmd->self, &origin);
}

/* Sends the query, or raises. A send that has to wait lets other threads run, so the options Hash is taken before
 * that wait, in the same stretch with the GVL held as the check of the options. */
static void query_send(command_t *cmd)
{
    query_args *q = cmd->data;
    m2_conn *c = cmd->conn;
    int status = m2_conn_send_query_start(c, RSTRING_PTR(q->sql), RSTRING_LEN(q->sql));
    if (status != 0)
        query_snapshot(cmd->self, q);
    command_drive(cmd, status);
    if (c->ret_int != 0)
        command_raise(cmd);
}

static VALUE query_body(command_t *cmd)
{
    query_args *q = cmd->data;
    m2_conn *c = cmd->conn;
    /* After ensure_connected and run_deferred, which may wait: invalid options raise before the send. */
    if (q->options)
        query_options_parse(q->options, OPTS_QUERY, &q->opts);
    else
        query_options_check_over(q->base, q->over, OPTS_QUERY, &q->opts);
    if (q->opts.async) {
        query_snapshot(cmd->self, q); /* async_result parses it again */
        query_send(cmd);
        cmd->keep_guard = true;
        cmd->cl->async_pending = true;
        cmd->cl->async_sent_at = m2r_now();
        rb_ivar_set(cmd->self, rb_intern("@async_query_options"), q->options);
        return Qnil;
    }
    double start = m2r_now();
    query_send(cmd);
    command_read_reply(cmd, query_meanwhile);
    if (c->ret_bool)
        command_raise(cmd);
    result_origin origin = {
        .options = q->options, .opts = &q->opts, .query_time = m2r_now() - start, .shell = q->shell};
    return collect_result(cmd, &origin);
}

static VALUE query_run(VALUE arg)
{
    query_args *q = (query_args *)arg;
    q->sql = m2r_str_to_conn_enc(StringValue(q->sql), client_get(q->self)->encoding);
    return client_command(q->self, "query", CMD_TIMED, query_body, q);
}

/*
 * call-seq: client._query(sql, options) -> Mysql2::Result or nil
 *
 * Sends +sql+ (transcoded to the connection encoding) and reads its first result. +options+ is the merged
 * query-options Hash: it becomes @current_query_options and the Result's @query_options.
 */
static VALUE client_query(VALUE self, VALUE sql, VALUE options)
{
    Check_Type(options, T_HASH);
    rb_ivar_set(self, id_current_query_options, options);
    query_args q = {.self = self, .sql = sql, .options = options};
    VALUE result = query_run((VALUE)&q);
    RB_GC_GUARD(q.sql);
    RB_GC_GUARD(q.shell);
    return result;
}

/*
 * call-seq: client._query_merging(sql, query_options, options) -> Mysql2::Result or nil
 *
 * _query(sql, query_options.merge(options)), with the merge done while the server works on the query when
 * +query_options+ is a plain Hash: only the options that can raise or warn are read before the send. The merged
 * Hash is taken in any case, also when the query raises before it was sent.
 */
static VALUE client_query_merging(VALUE self, VALUE sql, VALUE base, VALUE over)
{
    Check_Type(base, T_HASH);
    Check_Type(over, T_HASH);
    if (OBJ_FROZEN(self) || !query_options_plain(base)) /* the merge and the ivar could run Ruby code, or raise */
        return client_query(self, sql, rb_funcall(base, id_merge, 1, over));
    query_args q = {.self = self, .sql = sql, .base = base, .over = over};
    int state = 0;
    VALUE result = rb_protect(query_run, (VALUE)&q, &state);
    if (state) {
        query_snapshot(self, &q);
        rb_jump_tag(state);
    }
    RB_GC_GUARD(q.sql);
    RB_GC_GUARD(q.options);
    RB_GC_GUARD(q.shell);
    return result;
}

static VALUE async_result_body(command_t *cmd)
{
    m2_conn *c = cmd->conn;
    command_drive(cmd, m2_conn_read_result_start(c));
    if (c->ret_bool)
        command_raise(cmd);
    VALUE options = rb_ivar_get(cmd->self, rb_intern("@async_query_options"));
    return collect_result_with(cmd, options, m2r_now() - cmd->cl->async_sent_at);
}

/*
 * call-seq: client.async_result -> Mysql2::Result or nil
 *
 * Waits for and returns the result of the last query(async: true); nil when none is pending.
 */
static VALUE client_async_result(VALUE self)
{
    client_t *cl = client_get(self);
    if (!cl->async_pending || cl->guard != rb_fiber_current())
        return Qnil;
    return client_command(self, "async_result", CMD_ASYNC_RESULT | CMD_TIMED, async_result_body, NULL);
}

/* True when another live fiber holds the guard: a command is in progress there. */
static bool client_busy_elsewhere(client_t *cl)
{
    return !NIL_P(cl->guard) && cl->guard != rb_fiber_current() && RTEST(rb_fiber_alive_p(cl->guard));
}

/* ---- simple commands ------------------------------------------------------------------------------------- */

static VALUE ping_body(command_t *cmd)
{
    command_drive(cmd, m2_conn_ping_start(cmd->conn));
    if (cmd->conn->ret_int != 0) {
        m2_conn_check_lost(cmd->conn);
        return Qfalse;
    }
    return Qtrue;
}

static VALUE ping_rescue(VALUE arg, VALUE error)
{
    (void)arg;
    (void)error;
    return Qfalse;
}

static VALUE ping_run(VALUE self)
{
    return client_command(self, "ping", 0, ping_body, NULL);
}

/*
 * call-seq: client.ping -> true or false
 *
 * True when the server answered. False when the connection is closed, lost or unusable; never raises for that
 * (it still raises when another fiber is using the connection).
 */
static VALUE client_ping(VALUE self)
{
    client_t *cl = client_get(self);
    if (cl->conn->state == M2_STATE_CLOSED || cl->conn->cancelled)
        return Qfalse;
    if (client_busy_elsewhere(cl))
        return ping_run(self); /* raises "in use" */
    return rb_rescue2(ping_run, self, ping_rescue, Qnil, cMysql2Error, (VALUE)0);
}

static VALUE select_db_body(command_t *cmd)
{
    command_drive(cmd, m2_conn_select_db_start(cmd->conn, cmd->data));
    if (cmd->conn->ret_int != 0)
        command_raise(cmd);
    return Qnil;
}

/*
 * call-seq: client.select_db(name) -> name
 */
static VALUE client_select_db(VALUE self, VALUE name)
{
    VALUE db = m2r_str_to_conn_enc(StringValue(name), client_get(self)->encoding);
    client_command(self, "select_db", 0, select_db_body, StringValueCStr(db));
    RB_GC_GUARD(db);
    return name;
}

static VALUE set_server_option_body(command_t *cmd)
{
    int option = *(int *)cmd->data;
    command_drive(cmd, m2_conn_set_server_option_start(cmd->conn, (enum enum_mysql_set_option)option));
    return cmd->conn->ret_int == 0 ? Qtrue : Qfalse;
}

/*
 * call-seq: client.set_server_option(option) -> true or false
 */
static VALUE client_set_server_option(VALUE self, VALUE option)
{
    int opt = NUM2INT(option);
    return client_command(self, "set_server_option", 0, set_server_option_body, &opt);
}

static VALUE next_result_body(command_t *cmd)
{
    command_drive(cmd, m2_conn_next_result_start(cmd->conn));
    int ret = cmd->conn->ret_int;
    if (ret > 0)
        command_raise(cmd);
    return ret == 0 ? Qtrue : Qfalse;
}

/*
 * call-seq: client.next_result -> true or false
 *
 * Moves to the next result of a multi-statement query; raises the error of a failed statement.
 */
static VALUE client_next_result(VALUE self)
{
    return client_command(self, "next_result", 0, next_result_body, NULL);
}

static VALUE store_result_body(command_t *cmd)
{
    return collect_result_with(cmd, rb_ivar_get(cmd->self, rb_intern("@current_query_options")), -1);
}

/*
 * call-seq: client.store_result -> Mysql2::Result or nil
 *
 * The result of the current statement of a multi-statement query (after next_result).
 */
static VALUE client_store_result(VALUE self)
{
    return client_command(self, "store_result", 0, store_result_body, NULL);
}

/*
 * call-seq: client.more_results? -> true or false
 */
static VALUE client_more_results_p(VALUE self)
{
    m2_conn *c = client_get(self)->conn;
    return c->mysql && c->state == M2_STATE_READY && mysql_more_results(c->mysql) ? Qtrue : Qfalse;
}

/* ---- close, discard!, closed? ---------------------------------------------------------------------------- */

/* close and discard!: never raise, never wait for another command. Busy in another fiber: shut the socket down
 * so that command ends at once with Mysql2::Error::ConnectionError (the session is freed when it unwinds).
 * Otherwise free the session now, saying COM_QUIT first when `quit` and the session is idle and ours (never in a
 * forked child, never from inside a wait of this fiber such as a trap or finalizer). */
static VALUE client_shut(VALUE self, bool quit)
{
    client_t *cl = client_get(self);
    m2_conn *c = cl->conn;
    cl->reconnect = false;
    if (c->state == M2_STATE_CLOSED || c->cancelled)
        return Qnil;
    if (!m2_conn_inherited(c) && (client_busy_elsewhere(cl) || cl->in_body)) {
        m2_conn_cancel(c);
        return Qnil;
    }
    if (quit && c->op == M2_OP_NONE)
        m2_conn_close(c); /* discards instead when the session was inherited */
    else
        m2_conn_discard(c, M2_STATE_CLOSED);
    client_guard_release(cl);
    return Qnil;
}

/*
 * call-seq: client.close -> nil
 *
 * Closes the connection; safe from any thread or fiber, idempotent. Idle: COM_QUIT, then the session is freed.
 * Busy in another fiber: cancels that command (see client_shut). In a forked child: releases this process's copy
 * of the socket only.
 */
static VALUE client_close(VALUE self)
{
    return client_shut(self, true);
}

/*
 * call-seq: client.discard! -> nil
 *
 * Drops the connection without speaking the protocol (no COM_QUIT, no TLS close_notify): for a connection
 * inherited across fork, or one that must not say goodbye. Afterwards the client is closed.
 */
static VALUE client_discard_bang(VALUE self)
{
    return client_shut(self, false);
}

/*
 * call-seq: client.closed? -> true or false
 */
static VALUE client_closed_p(VALUE self)
{
    m2_conn *c = client_get(self)->conn;
    return c->state == M2_STATE_READY && !c->cancelled ? Qfalse : Qtrue;
}

/* ---- accessors (no guard; never read a freed handle) ----------------------------------------------------- */

/* call-seq: client.thread_id -> Integer (alias id): the server connection id, for KILL */
static VALUE client_thread_id(VALUE self)
{
    return ULONG2NUM(mysql_thread_id(client_live_conn(self)->mysql));
}

/* call-seq: client.socket -> Integer: the file descriptor of the connection (for IO.select with async: true) */
static VALUE client_socket(VALUE self)
{
    return INT2NUM(m2_conn_socket(client_live_conn(self)));
}

/* call-seq: client.last_id -> Integer: the AUTO_INCREMENT id of the last INSERT */
static VALUE client_last_id(VALUE self)
{
    return ULL2NUM(mysql_insert_id(client_live_conn(self)->mysql));
}

/* call-seq: client.affected_rows -> Integer: rows changed (or returned) by the last statement */
static VALUE client_affected_rows(VALUE self)
{
    client_live_conn(self);
    client_t *cl = client_get(self);
    if (!cl->has_affected_rows)
        m2r_raise(cMysql2Error, "affected_rows is not available before the first query");
    return ULL2NUM(cl->affected_rows);
}

/* call-seq: client.warning_count -> Integer: warnings of the last statement */
static VALUE client_warning_count(VALUE self)
{
    return UINT2NUM(mysql_warning_count(client_live_conn(self)->mysql));
}

/* call-seq: client.server_info -> {id: Integer, version: String} */
static VALUE client_server_info(VALUE self)
{
    m2_conn *c = client_live_conn(self);
    VALUE info = rb_hash_new();
    rb_hash_aset(info, ID2SYM(rb_intern("id")), ULONG2NUM(mysql_get_server_version(c->mysql)));
    VALUE version = rb_enc_str_new_cstr(mysql_get_server_info(c->mysql), client_get(self)->encoding);
    rb_hash_aset(info, ID2SYM(rb_intern("version")), version);
    return info;
}

/* call-seq: client.query_info_string -> String or nil: mysql_info() of the last statement */
static VALUE client_info_string(VALUE self)
{
    const char *info = mysql_info(client_live_conn(self)->mysql);
    return info ? rb_utf8_str_new_cstr(info) : Qnil;
}

/* call-seq: client.database -> String or nil
 * The current database as the client library tracks it (connect, select_db, and USE when the server reports
 * schema changes). */
static VALUE client_database(VALUE self)
{
    m2_conn *c = client_get(self)->conn;
    if (!c->mysql || !c->mysql->db || !*c->mysql->db)
        return Qnil;
    return rb_enc_str_new_cstr(c->mysql->db, client_get(self)->encoding);
}

/* call-seq: client.session_track(type) -> Array of Strings or nil
 * What the server reported for +type+ (SESSION_TRACK_*) with the last response; nil when nothing. A type
 * outside SESSION_TRACK_BEGIN..SESSION_TRACK_END raises ArgumentError (the library would index out of bounds). */
static VALUE client_session_track(VALUE self, VALUE type)
{
    m2_conn *c = client_live_conn(self);
    int n = NUM2INT(type);
    if (n < SESSION_TRACK_BEGIN || n > SESSION_TRACK_END)
        rb_raise(rb_eArgError, "unknown session track type: %d", n);
    enum enum_session_state_type t = (enum enum_session_state_type)n;
    const char *data;
    size_t len;
    if (mysql_session_track_get_first(c->mysql, t, &data, &len) != 0)
        return Qnil;
    VALUE out = rb_ary_new();
    do {
        rb_ary_push(out, rb_enc_str_new(data, (long)len, client_get(self)->encoding));
    } while (mysql_session_track_get_next(c->mysql, t, &data, &len) == 0);
    return out;
}

/* call-seq: client.ssl_cipher -> String or nil */
static VALUE client_ssl_cipher(VALUE self)
{
    const char *cipher = mysql_get_ssl_cipher(client_live_conn(self)->mysql);
    return cipher ? rb_usascii_str_new_cstr(cipher) : Qnil;
}

static VALUE client_encoding(VALUE self)
{
    return rb_enc_from_encoding(client_get(self)->encoding);
}

/* call-seq: client.automatic_close? -> true or false */
static VALUE client_automatic_close_p(VALUE self)
{
    return client_get(self)->automatic_close ? Qtrue : Qfalse;
}

/* call-seq: client.automatic_close = bool: accepted for compatibility; GC never speaks the protocol */
static VALUE client_set_automatic_close(VALUE self, VALUE value)
{
    client_get(self)->automatic_close = RTEST(value);
    return value;
}

/* Bytes that escaping puts a backslash in front of, mapped to what follows the backslash (0: kept as is). */
static const char escapes[256] = {
    ['\0'] = '0', ['\n'] = 'n', ['\r'] = 'r', ['\032'] = 'Z', ['\''] = '\'', ['"'] = '"', ['\\'] = '\\'};

/* Escapes byte by byte. Returns `str` itself when nothing needed escaping; otherwise a new String in its
 * encoding. */
static VALUE escape_bytes(VALUE str)
{
    const unsigned char *src = (const unsigned char *)RSTRING_PTR(str);
    long len = RSTRING_LEN(str), extra = 0;
    for (long i = 0; i < len; i++)
        extra += escapes[src[i]] != 0;
    if (extra == 0)
        return str;
    VALUE out = rb_str_new(NULL, len + extra);
    char *dst = RSTRING_PTR(out);
    for (long i = 0; i < len; i++) {
        char e = escapes[src[i]];
        if (e)
            *dst++ = '\\';
        *dst++ = e ? e : (char)src[i];
    }
    rb_enc_copy(out, str);
    return out;
}

/* Byte-wise escaping equals the library's when no character of the connection's set can hide a quote or a
 * backslash in a later byte (UTF-8 and single-byte sets; not sjis, gbk, big5...) and backslashes escape. */
static bool bytewise_escape_safe(const m2_conn *c, rb_encoding *enc)
{
    if (c->mysql->server_status & SERVER_STATUS_NO_BACKSLASH_ESCAPES)
        return false;
    return enc == rb_utf8_encoding() || (rb_enc_asciicompat(enc) && rb_enc_mbmaxlen(enc) == 1);
}

/* call-seq: client.escape(string) -> String: escaped for the connection character set and sql_mode */
static VALUE client_escape(VALUE self, VALUE str)
{
    m2_conn *c = client_live_conn(self);
    rb_encoding *enc = client_get(self)->encoding;
    VALUE src = m2r_str_to_conn_enc(StringValue(str), enc);
    if (bytewise_escape_safe(c, enc))
        return escape_bytes(src);
    long len = RSTRING_LEN(src);
    VALUE out = rb_str_new(NULL, len * 2 + 1);
    unsigned long n = mysql_real_escape_string(c->mysql, RSTRING_PTR(out), RSTRING_PTR(src), len);
    if (n == (unsigned long)-1)
        m2r_raise(cMysql2Error, "escape failed: the connection's SQL mode does not allow backslash escapes");
    if ((long)n == len && memcmp(RSTRING_PTR(out), RSTRING_PTR(src), len) == 0)
        return src;
    rb_str_set_len(out, n);
    rb_enc_copy(out, src);
    return out;
}

/*
 * call-seq: Mysql2::Client.escape(string) -> String
 *
 * Escapes \0 ' " \ \n \r and \x1A without looking at any connection's character set. Returns +string+ itself
 * when nothing needed escaping; otherwise a new String in the same encoding.
 */
static VALUE client_s_escape(VALUE klass, VALUE str)
{
    (void)klass;
    Check_Type(str, T_STRING);
    return escape_bytes(str);
}

/* call-seq: Mysql2::Client.info -> {id: Integer, version: String, header_version: String}: the client library linked */
static VALUE client_s_info(VALUE klass)
{
    (void)klass;
    VALUE info = rb_hash_new();
    rb_hash_aset(info, ID2SYM(rb_intern("id")), ULONG2NUM(mysql_get_client_version()));
    rb_hash_aset(info, ID2SYM(rb_intern("version")), rb_usascii_str_new_cstr(mysql_get_client_info()));
    rb_hash_aset(info, ID2SYM(rb_intern("header_version")), rb_usascii_str_new_cstr(MARIADB_CLIENT_VERSION_STR));
    return info;
}

void init_mysql2_client(void)
{
    cMysql2Client = rb_define_class_under(mMysql2, "Client", rb_cObject);
    rb_define_alloc_func(cMysql2Client, client_alloc);
    rb_define_singleton_method(cMysql2Client, "info", client_s_info, 0);
    rb_define_singleton_method(cMysql2Client, "escape", client_s_escape, 1);

    rb_define_private_method(cMysql2Client, "_query", client_query, 2);
    rb_define_private_method(cMysql2Client, "_query_merging", client_query_merging, 3);
    rb_define_method(cMysql2Client, "async_result", client_async_result, 0);
    rb_define_method(cMysql2Client, "ping", client_ping, 0);
    rb_define_method(cMysql2Client, "select_db", client_select_db, 1);
    rb_define_method(cMysql2Client, "set_server_option", client_set_server_option, 1);
    rb_define_method(cMysql2Client, "next_result", client_next_result, 0);
    rb_define_method(cMysql2Client, "store_result", client_store_result, 0);
    rb_define_method(cMysql2Client, "more_results?", client_more_results_p, 0);
    rb_define_method(cMysql2Client, "close", client_close, 0);
    rb_define_method(cMysql2Client, "discard!", client_discard_bang, 0);
    rb_define_method(cMysql2Client, "closed?", client_closed_p, 0);

    rb_define_method(cMysql2Client, "thread_id", client_thread_id, 0);
    rb_define_method(cMysql2Client, "socket", client_socket, 0);
    rb_define_method(cMysql2Client, "last_id", client_last_id, 0);
    rb_define_method(cMysql2Client, "affected_rows", client_affected_rows, 0);
    rb_define_method(cMysql2Client, "warning_count", client_warning_count, 0);
    rb_define_method(cMysql2Client, "server_info", client_server_info, 0);
    rb_define_method(cMysql2Client, "query_info_string", client_info_string, 0);
    rb_define_method(cMysql2Client, "encoding", client_encoding, 0);
    rb_define_method(cMysql2Client, "database", client_database, 0);
    rb_define_method(cMysql2Client, "session_track", client_session_track, 1);
    rb_define_method(cMysql2Client, "ssl_cipher", client_ssl_cipher, 0);
    rb_define_method(cMysql2Client, "automatic_close?", client_automatic_close_p, 0);
    rb_define_method(cMysql2Client, "automatic_close=", client_set_automatic_close, 1);
    rb_define_method(cMysql2Client, "escape", client_escape, 1);

    id_merge = rb_intern("merge");
    id_current_query_options = rb_intern("@current_query_options");
}
