/*
 * m2_conn.c: see m2_conn.h for the contract. Nothing here waits for the network or touches Ruby.
 */
#include "m2_conn.h"

#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <errmsg.h>

#include "m2_tls.h"

/* This process's pid, without a system call per command: refreshed in the child by a fork handler. */
static pid_t current_pid;

/* Coroutine stack for the non-blocking API: the TLS handshake and authentication plugins run on it. */
#define M2_NONBLOCK_STACK_SIZE ((size_t)256 * 1024)

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

static void params_free(m2_params *p)
{
    free(p->host);
    free(p->user);
    free(p->password);
    free(p->database);
    free(p->socket);
    memset(p, 0, sizeof(*p));
}

static int params_copy(m2_params *dst, const m2_params *src)
{
    m2_params p = {.port = src->port, .flags = src->flags};
    p.host = dup_or_null(src->host);
    p.user = dup_or_null(src->user);
    p.password = dup_or_null(src->password);
    p.database = dup_or_null(src->database);
    p.socket = dup_or_null(src->socket);
    if ((src->host && !p.host) || (src->user && !p.user) || (src->password && !p.password) ||
        (src->database && !p.database) || (src->socket && !p.socket)) {
        params_free(&p);
        return -1;
    }
    params_free(dst);
    *dst = p;
    return 0;
}

static int option_apply(MYSQL *mysql, const m2_option *o)
{
    my_bool flag = o->uint_value != 0;
    switch (o->kind) {
    case M2_ARG_NONE:
        return mysql_optionsv(mysql, o->option, NULL);
    case M2_ARG_UINT:
        return mysql_optionsv(mysql, o->option, &o->uint_value);
    case M2_ARG_BOOL:
        return mysql_optionsv(mysql, o->option, &flag);
    case M2_ARG_STR:
        return mysql_optionsv(mysql, o->option, o->str1);
    case M2_ARG_STR2:
        return mysql_optionsv(mysql, o->option, o->str1, o->str2);
    }
    return 1;
}

/* Creates the library handle in non-blocking mode and replays the option log onto it. Returns 0 or -1. */
static int handle_init(m2_conn *c)
{
    size_t stack = M2_NONBLOCK_STACK_SIZE;
    c->mysql = mysql_init(NULL);
    if (!c->mysql)
        return -1;
    if (mysql_optionsv(c->mysql, MYSQL_OPT_NONBLOCK, &stack) != 0) {
        mysql_close(c->mysql);
        c->mysql = NULL;
        return -1;
    }
    for (size_t i = 0; i < c->n_options; i++)
        option_apply(c->mysql, &c->options[i]);
    m2_infile_install(c->mysql, &c->infile);
    return 0;
}

m2_conn *m2_conn_new(void)
{
    m2_conn *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->refs = 1;
    m2_infile_reset(&c->infile);
    if (handle_init(c) != 0) {
        free(c);
        return NULL;
    }
    return c;
}

m2_conn *m2_conn_new_like(const m2_conn *src)
{
    m2_conn *c = m2_conn_new();
    if (!c)
        return NULL;
    if (params_copy(&c->params, &src->params) != 0)
        goto fail;
    c->require_tls = src->require_tls;
    c->verify_chain = src->verify_chain;
    for (size_t i = 0; i < src->n_options; i++) {
        const m2_option *o = &src->options[i];
        if (o->option == MYSQL_INIT_COMMAND) /* a side connection only sends KILL: no session set-up */
            continue;
        if (m2_conn_set_option(c, o->option, o->kind, o->uint_value, o->str1, o->str2) < 0)
            goto fail;
    }
    return c;
fail:
    m2_conn_release(c);
    return NULL;
}

void m2_conn_retain(m2_conn *c)
{
    c->refs++;
}

static void options_free(m2_conn *c)
{
    for (size_t i = 0; i < c->n_options; i++) {
        free(c->options[i].str1);
        free(c->options[i].str2);
    }
    free(c->options);
    c->options = NULL;
    c->n_options = c->cap_options = 0;
}

void m2_conn_release(m2_conn *c)
{
    if (!c || --c->refs > 0)
        return;
    m2_conn_discard(c, M2_STATE_CLOSED);
    params_free(&c->params);
    options_free(c);
    free(c);
}

/* Returns 0 when applied, 1 when the library refused the option, -1 when out of memory. */
int m2_conn_set_option(m2_conn *c, enum mysql_option option, m2_arg kind, unsigned int value, const char *s1,
                       const char *s2)
{
    m2_option o = {.option = option, .kind = kind, .uint_value = value};
    o.str1 = dup_or_null(s1);
    o.str2 = dup_or_null(s2);
    if ((s1 && !o.str1) || (s2 && !o.str2))
        goto oom;
    if (c->n_options == c->cap_options) {
        size_t cap = c->cap_options ? c->cap_options * 2 : 8;
        m2_option *grown = realloc(c->options, cap * sizeof(*grown));
        if (!grown)
            goto oom;
        c->options = grown;
        c->cap_options = cap;
    }
    if (c->mysql && option_apply(c->mysql, &o) != 0) {
        free(o.str1);
        free(o.str2);
        return 1;
    }
    c->options[c->n_options++] = o;
    return 0;
oom:
    free(o.str1);
    free(o.str2);
    return -1;
}

int m2_conn_set_params(m2_conn *c, const m2_params *p)
{
    return params_copy(&c->params, p);
}

static void capture_error(m2_conn *c, MYSQL_STMT *stmt)
{
    unsigned int e;
    const char *msg, *state;
    if (stmt) {
        e = mysql_stmt_errno(stmt);
        msg = mysql_stmt_error(stmt);
        state = mysql_stmt_sqlstate(stmt);
    } else if (c->mysql) {
        e = mysql_errno(c->mysql);
        msg = mysql_error(c->mysql);
        state = mysql_sqlstate(c->mysql);
    } else {
        e = 0;
        msg = state = "";
    }
    c->err_no = e;
    if (!e)
        return;
    snprintf(c->err_msg, sizeof(c->err_msg), "%s", msg);
    snprintf(c->sqlstate, sizeof(c->sqlstate), "%s", state);
}

static bool redirect_to_devnull(m2_conn *c);

/* The TLS checks Connector/C 3.3 does not make (doc/adr/0003-tls-modes.md), right after the handshake, before the
 * session is used: ssl_mode :required and up insist on an encrypted session (the library falls back to plaintext
 * when the server offers no TLS); :verify_ca checks the chain the library did not verify. */
static bool tls_reject(m2_conn *c, const char *prefix, const char *reason)
{
    c->err_no = CR_SSL_CONNECTION_ERROR;
    snprintf(c->err_msg, sizeof(c->err_msg), "SSL connection error: %s%s", prefix, reason);
    snprintf(c->sqlstate, sizeof(c->sqlstate), "HY000");
    return true;
}

static bool tls_rejected(m2_conn *c)
{
    char reason[256];
    if (c->require_tls && !mysql_get_ssl_cipher(c->mysql))
        return tls_reject(c, "", "SSL is required, but the server does not support it");
    if (c->verify_chain && m2_tls_verify_chain(c->mysql, reason, sizeof(reason)) != 0)
        return tls_reject(c, "verify_ca: ", reason);
    return false;
}

static void connect_finished(m2_conn *c)
{
    if (c->ret_mysql && tls_rejected(c)) {
        redirect_to_devnull(c); /* say nothing more to a server we do not trust */
        c->ret_mysql = NULL;
    }
    if (c->ret_mysql) {
        c->state = M2_STATE_READY;
        c->owner_pid = current_pid;
        c->session++;
        c->cancelled = false;
        return;
    }
    /* A failed or rejected handshake leaves the handle in an unknown state: start from a fresh one next time. */
    mysql_close(c->mysql);
    c->mysql = NULL;
    c->session++;
}

/* Bookkeeping once a step reports done (status 0). */
static int step(m2_conn *c, int status)
{
    if (status != 0)
        return status;
    capture_error(c, c->op >= M2_OP_STMT_PREPARE ? c->op_stmt : NULL);
    if (c->op == M2_OP_CONNECT)
        connect_finished(c);
    else if (c->op == M2_OP_FREE_RESULT && c->op_res == c->stream)
        c->stream = NULL;
    c->op = M2_OP_NONE;
    c->op_res = NULL;
    c->op_stmt = NULL;
    return 0;
}

static void begin(m2_conn *c, m2_op op)
{
    c->op = op;
    c->err_no = 0;
}

int m2_conn_connect_start(m2_conn *c)
{
    const m2_params *p = &c->params;
    if (!c->mysql && handle_init(c) != 0) {
        c->err_no = CR_OUT_OF_MEMORY;
        snprintf(c->err_msg, sizeof(c->err_msg), "out of memory initialising the MySQL client handle");
        snprintf(c->sqlstate, sizeof(c->sqlstate), "HY000");
        return 0;
    }
    begin(c, M2_OP_CONNECT);
    return step(c, mysql_real_connect_start(&c->ret_mysql, c->mysql, p->host, p->user, p->password, p->database,
                                            p->port, p->socket, p->flags));
}

int m2_conn_real_query_start(m2_conn *c, const char *sql, unsigned long len)
{
    begin(c, M2_OP_REAL_QUERY);
    return step(c, mysql_real_query_start(&c->ret_int, c->mysql, sql, len));
}

int m2_conn_send_query_start(m2_conn *c, const char *sql, unsigned long len)
{
    begin(c, M2_OP_SEND_QUERY);
    return step(c, mysql_send_query_start(&c->ret_int, c->mysql, sql, len));
}

int m2_conn_read_result_start(m2_conn *c)
{
    begin(c, M2_OP_READ_RESULT);
    return step(c, mysql_read_query_result_start(&c->ret_bool, c->mysql));
}

int m2_conn_store_result_start(m2_conn *c)
{
    begin(c, M2_OP_STORE_RESULT);
    return step(c, mysql_store_result_start(&c->ret_res, c->mysql));
}

int m2_conn_fetch_row_start(m2_conn *c, MYSQL_RES *res)
{
    begin(c, M2_OP_FETCH_ROW);
    c->op_res = res;
    return step(c, mysql_fetch_row_start(&c->ret_row, res));
}

int m2_conn_free_result_start(m2_conn *c, MYSQL_RES *res)
{
    begin(c, M2_OP_FREE_RESULT);
    c->op_res = res;
    return step(c, mysql_free_result_start(res));
}

int m2_conn_next_result_start(m2_conn *c)
{
    begin(c, M2_OP_NEXT_RESULT);
    return step(c, mysql_next_result_start(&c->ret_int, c->mysql));
}

int m2_conn_ping_start(m2_conn *c)
{
    begin(c, M2_OP_PING);
    return step(c, mysql_ping_start(&c->ret_int, c->mysql));
}

int m2_conn_select_db_start(m2_conn *c, const char *db)
{
    begin(c, M2_OP_SELECT_DB);
    return step(c, mysql_select_db_start(&c->ret_int, c->mysql, db));
}

int m2_conn_set_server_option_start(m2_conn *c, enum enum_mysql_set_option option)
{
    begin(c, M2_OP_SET_SERVER_OPTION);
    return step(c, mysql_set_server_option_start(&c->ret_int, c->mysql, option));
}

int m2_conn_stmt_prepare_start(m2_conn *c, MYSQL_STMT *stmt, const char *sql, unsigned long len)
{
    begin(c, M2_OP_STMT_PREPARE);
    c->op_stmt = stmt;
    return step(c, mysql_stmt_prepare_start(&c->ret_int, stmt, sql, len));
}

int m2_conn_stmt_execute_start(m2_conn *c, MYSQL_STMT *stmt)
{
    begin(c, M2_OP_STMT_EXECUTE);
    c->op_stmt = stmt;
    return step(c, mysql_stmt_execute_start(&c->ret_int, stmt));
}

int m2_conn_stmt_store_result_start(m2_conn *c, MYSQL_STMT *stmt)
{
    begin(c, M2_OP_STMT_STORE_RESULT);
    c->op_stmt = stmt;
    return step(c, mysql_stmt_store_result_start(&c->ret_int, stmt));
}

int m2_conn_stmt_fetch_start(m2_conn *c, MYSQL_STMT *stmt)
{
    begin(c, M2_OP_STMT_FETCH);
    c->op_stmt = stmt;
    return step(c, mysql_stmt_fetch_start(&c->ret_int, stmt));
}

int m2_conn_stmt_free_result_start(m2_conn *c, MYSQL_STMT *stmt)
{
    begin(c, M2_OP_STMT_FREE_RESULT);
    c->op_stmt = stmt;
    return step(c, mysql_stmt_free_result_start(&c->ret_bool, stmt));
}

int m2_conn_stmt_reset_start(m2_conn *c, MYSQL_STMT *stmt)
{
    begin(c, M2_OP_STMT_RESET);
    c->op_stmt = stmt;
    return step(c, mysql_stmt_reset_start(&c->ret_bool, stmt));
}

int m2_conn_stmt_close_start(m2_conn *c, MYSQL_STMT *stmt)
{
    begin(c, M2_OP_STMT_CLOSE);
    c->op_stmt = stmt;
    /* The library frees the statement when the close completes; do not capture its error afterwards. */
    int status = mysql_stmt_close_start(&c->ret_bool, stmt);
    if (status == 0)
        c->op_stmt = NULL;
    return step(c, status);
}

static int cont_stmt(m2_conn *c, int ready)
{
    MYSQL_STMT *s = c->op_stmt;
    switch (c->op) {
    case M2_OP_STMT_PREPARE:
        return mysql_stmt_prepare_cont(&c->ret_int, s, ready);
    case M2_OP_STMT_EXECUTE:
        return mysql_stmt_execute_cont(&c->ret_int, s, ready);
    case M2_OP_STMT_STORE_RESULT:
        return mysql_stmt_store_result_cont(&c->ret_int, s, ready);
    case M2_OP_STMT_FETCH:
        return mysql_stmt_fetch_cont(&c->ret_int, s, ready);
    case M2_OP_STMT_FREE_RESULT:
        return mysql_stmt_free_result_cont(&c->ret_bool, s, ready);
    case M2_OP_STMT_RESET:
        return mysql_stmt_reset_cont(&c->ret_bool, s, ready);
    default:
        return 0;
    }
}

int m2_conn_cont(m2_conn *c, int ready)
{
    int status;
    switch (c->op) {
    case M2_OP_NONE:
        return 0;
    case M2_OP_CONNECT:
        status = mysql_real_connect_cont(&c->ret_mysql, c->mysql, ready);
        break;
    case M2_OP_REAL_QUERY:
        status = mysql_real_query_cont(&c->ret_int, c->mysql, ready);
        break;
    case M2_OP_SEND_QUERY:
        status = mysql_send_query_cont(&c->ret_int, c->mysql, ready);
        break;
    case M2_OP_READ_RESULT:
        status = mysql_read_query_result_cont(&c->ret_bool, c->mysql, ready);
        break;
    case M2_OP_STORE_RESULT:
        status = mysql_store_result_cont(&c->ret_res, c->mysql, ready);
        break;
    case M2_OP_FETCH_ROW:
        status = mysql_fetch_row_cont(&c->ret_row, c->op_res, ready);
        break;
    case M2_OP_FREE_RESULT:
        status = mysql_free_result_cont(c->op_res, ready);
        break;
    case M2_OP_NEXT_RESULT:
        status = mysql_next_result_cont(&c->ret_int, c->mysql, ready);
        break;
    case M2_OP_PING:
        status = mysql_ping_cont(&c->ret_int, c->mysql, ready);
        break;
    case M2_OP_SELECT_DB:
        status = mysql_select_db_cont(&c->ret_int, c->mysql, ready);
        break;
    case M2_OP_SET_SERVER_OPTION:
        status = mysql_set_server_option_cont(&c->ret_int, c->mysql, ready);
        break;
    case M2_OP_STMT_CLOSE:
        status = mysql_stmt_close_cont(&c->ret_bool, c->op_stmt, ready);
        if (status == 0)
            c->op_stmt = NULL;
        break;
    default:
        status = cont_stmt(c, ready);
        break;
    }
    return step(c, status);
}

unsigned int m2_conn_timeout_ms(const m2_conn *c)
{
    return c->mysql ? mysql_get_timeout_value_ms(c->mysql) : 0;
}

unsigned int m2_conn_read_timeout_ms(const m2_conn *c)
{
    unsigned int seconds = 0;
    if (c->mysql && mysql_get_optionv(c->mysql, MYSQL_OPT_READ_TIMEOUT, &seconds) != 0)
        seconds = 0;
    return seconds > UINT_MAX / 1000 ? UINT_MAX : seconds * 1000;
}

/* Makes the socket number point at /dev/null so that closing the handle cannot reach the peer (a forked child,
 * an abandoned exchange). Returns whether it succeeded. */
static bool redirect_to_devnull(m2_conn *c)
{
    int fd = mysql_get_socket(c->mysql);
    if (fd < 0)
        return true;
    int nul = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (nul < 0)
        return false;
    int rc = dup2(nul, fd);
    close(nul);
    return rc >= 0;
}

/* Frees the session's memory. `quit`: say COM_QUIT first (only for an idle session of the owning process). */
static void teardown(m2_conn *c, bool quit, m2_state final_state)
{
    if (c->stream)
        m2_conn_drop_stream(c);
    if (c->mysql) {
        if (!quit)
            redirect_to_devnull(c);
        mysql_close(c->mysql); /* also detaches every MYSQL_STMT of the session (stmt->mysql = NULL) */
        c->mysql = NULL;
    }
    m2_infile_close(&c->infile); /* a transfer interrupted mid-way leaves its file open */
    for (MYSQL_STMT *s; (s = m2_conn_pop_pending_stmt(c));)
        mysql_stmt_close(s); /* detached above: frees memory only */
    c->op = M2_OP_NONE;
    c->op_res = NULL;
    c->op_stmt = NULL;
    c->cancelled = false;
    c->owner_pid = 0; /* a reconnect in a forked child belongs to the child */
    c->session++;
    c->state = final_state;
}

/* Server errors after which the server closes the connection: the library keeps the socket open, but the
 * session is over (the next exchange would only find EOF). */
static bool server_ended_session(unsigned int err_no)
{
    switch (err_no) {
    case 1053: /* ER_SERVER_SHUTDOWN */
    case 1153: /* ER_NET_PACKET_TOO_LARGE */
    case 1927: /* ER_CONNECTION_KILLED */
    case 4031: /* ER_CLIENT_INTERACTION_TIMEOUT */
        return true;
    default:
        return false;
    }
}

bool m2_conn_check_lost(m2_conn *c)
{
    if (!c->mysql)
        return true;
    if (!c->cancelled && c->mysql->net.pvio != NULL && !server_ended_session(c->err_no))
        return false;
    teardown(c, false, M2_STATE_LOST);
    return true;
}

void m2_conn_abort(m2_conn *c)
{
    teardown(c, false, c->state == M2_STATE_CLOSED ? M2_STATE_CLOSED : M2_STATE_LOST);
}

void m2_conn_close(m2_conn *c)
{
    teardown(c, c->state == M2_STATE_READY && !m2_conn_inherited(c), M2_STATE_CLOSED);
}

void m2_conn_discard(m2_conn *c, m2_state final_state)
{
    teardown(c, false, final_state);
}

void m2_conn_cancel(m2_conn *c)
{
    int fd = c->mysql ? mysql_get_socket(c->mysql) : -1;
    if (fd >= 0)
        shutdown(fd, SHUT_RDWR);
    c->cancelled = true;
}

static void refresh_pid(void)
{
    current_pid = getpid();
}

void m2_conn_library_init(void)
{
    refresh_pid();
    pthread_atfork(NULL, NULL, refresh_pid);
}

bool m2_conn_inherited(const m2_conn *c)
{
    return c->mysql && c->owner_pid != 0 && c->owner_pid != current_pid;
}

int m2_conn_socket(const m2_conn *c)
{
    return c->mysql ? (int)mysql_get_socket(c->mysql) : -1;
}

MYSQL_RES *m2_conn_use_result(m2_conn *c)
{
    MYSQL_RES *res = mysql_use_result(c->mysql);
    if (res) {
        c->stream = res;
        c->stream_id++;
    } else {
        capture_error(c, NULL);
    }
    return res;
}

void m2_conn_drop_stream(m2_conn *c)
{
    if (!c->stream)
        return;
    if (c->mysql && c->mysql->status == MYSQL_STATUS_USE_RESULT)
        c->mysql->status = MYSQL_STATUS_READY;
    c->stream->handle = NULL; /* keeps mysql_free_result from reading the rest of the rows */
    mysql_free_result(c->stream);
    c->stream = NULL;
}

int m2_conn_defer_stmt_close(m2_conn *c, MYSQL_STMT *stmt)
{
    m2_pending_stmt *p = malloc(sizeof(*p));
    if (!p)
        return -1;
    p->stmt = stmt;
    p->next = c->pending_stmts;
    c->pending_stmts = p;
    return 0;
}

MYSQL_STMT *m2_conn_pop_pending_stmt(m2_conn *c)
{
    m2_pending_stmt *p = c->pending_stmts;
    if (!p)
        return NULL;
    MYSQL_STMT *s = p->stmt;
    c->pending_stmts = p->next;
    free(p);
    return s;
}

unsigned int m2_conn_errno(const m2_conn *c)
{
    return c->err_no;
}

const char *m2_conn_error(const m2_conn *c)
{
    return c->err_no ? c->err_msg : "";
}

const char *m2_conn_sqlstate(const m2_conn *c)
{
    return c->err_no ? c->sqlstate : "00000";
}
