/*
 * m2_conn: the pure-C connection layer under Mysql2::Client, Result and Statement.
 *
 * No Ruby types and no Ruby calls live here (see doc/adr/0001-connection-engine.md). The layer wraps MariaDB
 * Connector/C's non-blocking API: every operation is started with an m2_*_start() call and, while it reports a
 * wait, continued with m2_conn_cont(). The caller (the Ruby layer) decides how to wait and what to raise.
 *
 * Step results: 0 means the operation is finished (look at its result and m2_conn_errno()); otherwise the value is
 * a mask of M2_WAIT_READ / M2_WAIT_WRITE / M2_WAIT_EXCEPT, plus M2_WAIT_TIMEOUT when the library wants to be woken
 * after m2_conn_timeout_ms() milliseconds even without I/O readiness.
 *
 * Ownership: an m2_conn is reference counted. Whoever holds a pointer owns one reference and drops it with
 * m2_conn_release(); the last release tears the session down without speaking the protocol and frees everything.
 * None of these functions block: they never wait for the network. None of them may be called concurrently on the
 * same m2_conn (the Ruby layer's guard and the GVL serialise them).
 */
#ifndef M2_CONN_H
#define M2_CONN_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <mysql.h>

#include "m2_infile.h"

enum {
    M2_WAIT_READ = MYSQL_WAIT_READ,
    M2_WAIT_WRITE = MYSQL_WAIT_WRITE,
    M2_WAIT_EXCEPT = MYSQL_WAIT_EXCEPT,
    M2_WAIT_TIMEOUT = MYSQL_WAIT_TIMEOUT
};

/* The operation suspended inside the library, if any. */
typedef enum m2_op {
    M2_OP_NONE = 0,
    M2_OP_CONNECT,
    M2_OP_REAL_QUERY,
    M2_OP_SEND_QUERY,
    M2_OP_READ_RESULT,
    M2_OP_STORE_RESULT,
    M2_OP_FETCH_ROW,
    M2_OP_FREE_RESULT,
    M2_OP_NEXT_RESULT,
    M2_OP_PING,
    M2_OP_SELECT_DB,
    M2_OP_SET_SERVER_OPTION,
    M2_OP_STMT_PREPARE,
    M2_OP_STMT_EXECUTE,
    M2_OP_STMT_STORE_RESULT,
    M2_OP_STMT_FETCH,
    M2_OP_STMT_FREE_RESULT,
    M2_OP_STMT_RESET,
    M2_OP_STMT_CLOSE
} m2_op;

/* Where the session is. */
typedef enum m2_state {
    M2_STATE_INIT = 0, /* options may be set; not connected yet */
    M2_STATE_READY,    /* connected */
    M2_STATE_LOST,     /* torn down because the exchange broke (interrupt, cancel, I/O error); may reconnect */
    M2_STATE_CLOSED    /* torn down on purpose (close, discard!) */
} m2_state;

/* How an option's argument is stored in the option log (replayed on reconnect and for side connections). */
typedef enum m2_arg { M2_ARG_NONE, M2_ARG_UINT, M2_ARG_BOOL, M2_ARG_STR, M2_ARG_STR2 } m2_arg;

typedef struct m2_option {
    enum mysql_option option;
    m2_arg kind;
    unsigned int uint_value;
    char *str1; /* owned */
    char *str2; /* owned */
} m2_option;

/* Connection parameters, owned copies (NULL when not given). */
typedef struct m2_params {
    char *host, *user, *password, *database, *socket;
    unsigned int port;
    unsigned long flags;
} m2_params;

/* A statement whose owner was garbage-collected: closed at the next safe point or dropped with the session. */
typedef struct m2_pending_stmt {
    MYSQL_STMT *stmt;
    struct m2_pending_stmt *next;
} m2_pending_stmt;

typedef struct m2_conn {
    MYSQL *mysql; /* owned; NULL once the session is torn down (connect re-creates it) */
    m2_state state;
    pid_t owner_pid;   /* the process that connected; 0 before the first connect */
    unsigned int refs; /* references held (see the ownership note above) */
    uint64_t session;  /* incremented at every successful connect: lets callers drop per-session caches */
    bool cancelled;    /* m2_conn_cancel() shut the socket down under a command in flight */
    bool require_tls;  /* after the handshake, refuse a session the server did not encrypt (ssl_mode >= required) */
    bool verify_chain; /* after the handshake, require the server's chain to verify against the CA (verify_ca) */

    m2_op op;            /* operation suspended in the library, M2_OP_NONE when idle */
    MYSQL_RES *op_res;   /* operand of FETCH_ROW / FREE_RESULT */
    MYSQL_STMT *op_stmt; /* operand of the STMT_* operations */
    int ret_int;         /* results of the last finished operation */
    my_bool ret_bool;
    MYSQL *ret_mysql;
    MYSQL_RES *ret_res;
    MYSQL_ROW ret_row;

    MYSQL_RES *stream;  /* open unbuffered result (mysql_use_result), owned here; NULL when none */
    uint64_t stream_id; /* identifies the current stream; Results compare it with their own */
    m2_pending_stmt *pending_stmts;

    unsigned int err_no; /* error of the last finished operation (0: none), captured before any teardown */
    char err_msg[512];
    char sqlstate[6];

    m2_infile infile; /* LOAD DATA LOCAL INFILE transfer state (handlers installed on every fresh handle) */

    m2_params params;
    m2_option *options; /* option log, replayed onto a fresh MYSQL */
    size_t n_options, cap_options;
} m2_conn;

/* Allocates a connection with one reference, in M2_STATE_INIT. Returns NULL when out of memory. */
m2_conn *m2_conn_new(void);
/* A new connection (one reference) with the same options and parameters as src, except init_command: for side
 * connections. */
m2_conn *m2_conn_new_like(const m2_conn *src);
void m2_conn_retain(m2_conn *c);
/* Drops a reference; the last one discards the session (no protocol) and frees all memory. */
void m2_conn_release(m2_conn *c);

/* Sets an option on the handle and records it for replay. Returns 0, or non-zero if the library refused it. */
int m2_conn_set_option(m2_conn *c, enum mysql_option option, m2_arg kind, unsigned int value, const char *s1,
                       const char *s2);
/* Stores copies of the connection parameters (any string may be NULL). Returns 0, or -1 when out of memory. */
int m2_conn_set_params(m2_conn *c, const m2_params *p);

/* Starts connecting with the stored parameters. On a torn-down connection, re-initialises the handle and replays
 * the option log first (reconnect). */
int m2_conn_connect_start(m2_conn *c);
/* Starting steps of the other commands; their result lands in ret_int / ret_bool / ret_res / ret_row. */
int m2_conn_real_query_start(m2_conn *c, const char *sql, unsigned long len);
int m2_conn_send_query_start(m2_conn *c, const char *sql, unsigned long len);
int m2_conn_read_result_start(m2_conn *c);
int m2_conn_store_result_start(m2_conn *c);
int m2_conn_fetch_row_start(m2_conn *c, MYSQL_RES *res);
int m2_conn_free_result_start(m2_conn *c, MYSQL_RES *res);
int m2_conn_next_result_start(m2_conn *c);
int m2_conn_ping_start(m2_conn *c);
int m2_conn_select_db_start(m2_conn *c, const char *db);
int m2_conn_set_server_option_start(m2_conn *c, enum enum_mysql_set_option option);
int m2_conn_stmt_prepare_start(m2_conn *c, MYSQL_STMT *stmt, const char *sql, unsigned long len);
int m2_conn_stmt_execute_start(m2_conn *c, MYSQL_STMT *stmt);
int m2_conn_stmt_store_result_start(m2_conn *c, MYSQL_STMT *stmt);
int m2_conn_stmt_fetch_start(m2_conn *c, MYSQL_STMT *stmt);
int m2_conn_stmt_free_result_start(m2_conn *c, MYSQL_STMT *stmt);
int m2_conn_stmt_reset_start(m2_conn *c, MYSQL_STMT *stmt);
int m2_conn_stmt_close_start(m2_conn *c, MYSQL_STMT *stmt);
/* Continues the suspended operation with the events that became ready (M2_WAIT_TIMEOUT when the wait timed out). */
int m2_conn_cont(m2_conn *c, int ready);
/* Milliseconds the library allows for the current wait (meaningful when M2_WAIT_TIMEOUT was reported). */
unsigned int m2_conn_timeout_ms(const m2_conn *c);
/* The read_timeout option in milliseconds (0 = none): bounds a wait for a reply made outside the library. */
unsigned int m2_conn_read_timeout_ms(const m2_conn *c);

/* Called after an operation finished: if it broke the session (the library dropped the socket, or the socket was
 * cancelled, or the server reported an error after which it closes the connection: packet too large, killed,
 * shutdown), tears it down into M2_STATE_LOST and returns true. */
bool m2_conn_check_lost(m2_conn *c);
/* Marks an operation that will never be continued (its caller was interrupted) and tears the session down
 * without speaking the protocol: M2_STATE_LOST. */
void m2_conn_abort(m2_conn *c);

/* Idle close by the owning process: COM_QUIT, then free the session: M2_STATE_CLOSED. Must not be called while
 * an operation is suspended. Writes one small packet; does not wait for a reply. */
void m2_conn_close(m2_conn *c);
/* Drops the session without speaking the protocol (no COM_QUIT, no TLS close_notify, no shutdown): the socket
 * is replaced by /dev/null before the library closes it. Safe in a forked child. Sets `final_state`. */
void m2_conn_discard(m2_conn *c, m2_state final_state);
/* For close() from another thread while an operation is suspended: shutdown(SHUT_RDWR) wakes the waiter at once.
 * Frees nothing; the waiter's command tears the session down when it ends. Not to be used in a forked child. */
void m2_conn_cancel(m2_conn *c);

/* True when the session was connected by another process (this one is a forked child). */
bool m2_conn_inherited(const m2_conn *c);
/* Once, before any connection: caches the pid and installs a fork handler that refreshes it in the child. */
void m2_conn_library_init(void);
int m2_conn_socket(const m2_conn *c);

/* Streams: the connection owns the MYSQL_RES of mysql_use_result until it is exhausted or dropped. */
MYSQL_RES *m2_conn_use_result(m2_conn *c);
/* Frees the stream's client memory without reading the rest of it from the socket (the session must be torn
 * down or the rows otherwise accounted for). */
void m2_conn_drop_stream(m2_conn *c);

/* Queues a statement for close at the next safe point. Never does I/O; safe from a GC finalizer. Returns -1 when
 * out of memory (the statement is then freed without a network close). */
int m2_conn_defer_stmt_close(m2_conn *c, MYSQL_STMT *stmt);
/* Pops one queued statement (NULL when none). */
MYSQL_STMT *m2_conn_pop_pending_stmt(m2_conn *c);

unsigned int m2_conn_errno(const m2_conn *c);
const char *m2_conn_error(const m2_conn *c);
const char *m2_conn_sqlstate(const m2_conn *c);

#endif
