/*
 * client.h: the Mysql2::Client struct and the command chokepoint shared by client*.c and result.c.
 */
#ifndef MYSQL2_CLIENT_H
#define MYSQL2_CLIENT_H

#include "mysql2_ext.h"
#include "row_hash.h"
#include "columns.h"

typedef struct client {
    m2_conn *conn; /* one reference, dropped by the GC free */
    VALUE io;      /* IO over the socket of session `io_session` (autoclose off), or Qnil */
    uint64_t io_session;
    VALUE guard;          /* the Fiber that owns the connection during a command, or Qnil */
    bool async_pending;   /* query(async: true) sent: the guard stays with its fiber until async_result */
    double async_sent_at; /* when that query was sent (monotonic seconds), for Result#query_time */
    int in_body;          /* a command body is running (in the guard's fiber): close() then cancels it */
    bool reconnect;       /* reconnect when the session was lost (never after close) */
    bool automatic_close;
    double query_timeout;  /* seconds; 0 = none */
    rb_encoding *encoding; /* the connection's character set as a Ruby encoding */
    uint64_t affected_rows;
    bool has_affected_rows;
    /* The last result's field names (interned Strings, a hidden Array), or Qnil: reused by the next result with the
     * same names (interning them is most of a small result's cost); and the last template Hash rows were copied
     * from (row_hash.h), for the first row of the next result with those keys. */
    VALUE field_names;
    uint64_t field_names_cols;    /* columns_id of the block they were made from untranscoded, or 0 */
    rb_encoding *field_names_enc; /* and the encoding they were made in */
    row_template row_template;
    column *last_cols; /* one reference to the last result's columns (columns_reuse), or NULL */
} client_t;

client_t *client_get(VALUE self);
/* The columns of a new result (one reference): the Client's last block again when these fields are the same, else a
 * new one, which becomes the last. */
column *client_columns(client_t *cl, MYSQL_FIELD *fields, unsigned int n);
/* For accessors that read values stored on the handle (no guard): the connection, or raises "MySQL client is not
 * connected" unless a session exists. */
m2_conn *client_live_conn(VALUE self);
/* Frees the guard (and forgets a pending async query). */
void client_guard_release(client_t *cl);

/* Flags for client_command(). */
enum {
    CMD_ASYNC_RESULT = 1, /* async_result: continues the exchange started by query(async: true) */
    CMD_STREAM_FETCH = 2, /* a row fetch of the open stream: do not drain it first */
    CMD_NO_RECONNECT = 4, /* connect itself */
    CMD_TIMED = 8         /* subject to :query_timeout */
};

typedef struct command command_t;
typedef VALUE (*command_body)(command_t *cmd);

struct command {
    VALUE self; /* the Client */
    client_t *cl;
    m2_conn *conn;
    const char *name; /* for messages: "query", "ping", ... */
    int flags;
    command_body body;
    void *data;       /* the body's arguments */
    bool keep_guard;  /* set by the body: the exchange continues in a later command (async query) */
    double timeout;   /* :query_timeout for this command (seconds, 0 = none) */
    double deadline;  /* monotonic time when :query_timeout expires (0 = none) */
    bool killed;      /* KILL QUERY was sent after the deadline */
    bool drain_async; /* took the guard over from a dead fiber that left an async query's result unread */
    m2_op timeout_op; /* the operation that read/write/connect_timeout ended, if any (in the library's wait, or
                       * M2_OP_READ_RESULT for command_read_reply's) */
    unsigned int timeout_ms;
    bool in_body;    /* counted in cl->in_body */
    bool unfinished; /* the exchange is half done outside a library operation: a reply or rows are unread
                      * (command_read_reply's wait, result_fill); an exception now tears the session down */
};

/*
 * The chokepoint: every command passes through here. Claims the guard (raising "in use" errors), refuses or
 * reconnects a closed, lost or inherited connection, does the deferred work (drains an abandoned stream, closes
 * statements queued by GC), then runs body(cmd) under rb_ensure. The ensure releases the guard on every exit path
 * and, if the body left an exchange unfinished (an interrupt or exception during a wait), tears the session down
 * (the next command raises "MySQL client is not connected", or reconnects).
 */
VALUE client_command(VALUE self, const char *name, int flags, command_body body, void *data);

/* Inside a body: drives the operation that m2_conn_*_start returned `status` for until it finishes, waiting on the
 * socket through the wait primitive (threads and fibers run meanwhile; interrupts raise from here). */
void command_drive(command_t *cmd, int status);
/* Client-side work that needs the request sent but not its reply (command_read_reply, command_drive_with). */
typedef void (*command_meanwhile)(command_t *cmd);
/* command_drive for an operation that sends a request and reads the reply (statement execute): runs `meanwhile`
 * once the start call returned, before the first wait (or at once if the operation never waited), so that its
 * work overlaps the server's. An exception from `meanwhile` tears the session down. */
void command_drive_with(command_t *cmd, int status, command_meanwhile meanwhile);
/* Inside a body, after mysql_send_query finished: runs `meanwhile` while the server works on the statement, then waits
 * until the reply arrives and reads its header (mysql_read_query_result) into c->ret_bool. An exception from
 * `meanwhile` tears the session down like an interrupted wait. Waiting first spares the library a read that would fail
 * with EAGAIN (the reply is rarely there right after the send): one system call less per query. The library's
 * read_timeout bounds the wait as it bounds its own. */
void command_read_reply(command_t *cmd, command_meanwhile meanwhile);
/* Inside a body: connects (or reconnects) with the stored parameters; raises ConnectionError on failure. */
void command_connect(command_t *cmd);
/* Inside a body, after an operation failed: raises the right error (closed during the command, lost connection,
 * timeout, or the server's error), tearing a broken session down first. */
void command_raise(command_t *cmd) __attribute__((noreturn));

#endif
