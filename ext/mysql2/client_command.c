/*
 * client_command.c: the command chokepoint and the one wait primitive (doc/adr/0001-connection-engine.md).
 *
 * Everything here runs with the GVL held. The only place that gives it up is wait_socket(): without a Fiber
 * scheduler it releases the GVL and polls the socket (interruptible by Thread#raise/kill, Timeout and signal traps);
 * under a scheduler it calls rb_io_wait, which yields the fiber to the scheduler's io_wait.
 */
#include "client.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <string.h>

#include <ruby/fiber/scheduler.h>

#include "m2_poll.h"

static ID id_autoclose_set;

/* Grace period after KILL QUERY for the server's "interrupted" reply before the session is given up. */
#define KILL_GRACE_SECONDS 2.0
/* Upper bound for a side connection that sends KILL. */
#define SIDE_CONNECTION_SECONDS 5.0

/* ---- the wait primitive ---------------------------------------------------------------------------------- */

/* Where a Ruby IO over a session's socket is cached for waits under a Fiber scheduler: *io, made for session
 * *session; `owner` is the object that references *io (for the write barrier), or Qnil. */
typedef struct io_ref {
    VALUE owner;
    VALUE *io;
    uint64_t *session;
} io_ref;

/* Returns an IO over the socket of the current session, cached in the io_ref (created with autoclose off: the
 * library owns the descriptor). */
static VALUE socket_io(m2_conn *conn, io_ref ref)
{
    VALUE owner = ref.owner, *io = ref.io;
    uint64_t *io_session = ref.session;
    if (NIL_P(*io) || *io_session != conn->session) {
        int fd = m2_conn_socket(conn);
        if (fd < 0)
            m2r_raise_not_connected();
        VALUE new_io = rb_io_fdopen(fd, O_RDWR, NULL);
        rb_funcall(new_io, id_autoclose_set, 1, Qfalse);
        if (NIL_P(owner))
            *io = new_io;
        else
            RB_OBJ_WRITE(owner, io, new_io);
        *io_session = conn->session;
    }
    return *io;
}

static VALUE io_events(int status)
{
    int events = 0;
    if (status & M2_WAIT_READ)
        events |= RUBY_IO_READABLE;
    if (status & M2_WAIT_WRITE)
        events |= RUBY_IO_WRITABLE;
    if (status & M2_WAIT_EXCEPT)
        events |= RUBY_IO_PRIORITY;
    return INT2NUM(events);
}

static int ready_mask(VALUE events)
{
    int ev = NUM2INT(events), ready = 0;
    if (ev & RUBY_IO_READABLE)
        ready |= M2_WAIT_READ;
    if (ev & RUBY_IO_WRITABLE)
        ready |= M2_WAIT_WRITE;
    if (ev & RUBY_IO_PRIORITY)
        ready |= M2_WAIT_EXCEPT;
    return ready;
}

/* The library's timeout for the wait it asked for; outside an operation (command_read_reply), read_timeout. */
static unsigned int library_timeout_ms(const m2_conn *conn)
{
    return conn->op == M2_OP_NONE ? m2_conn_read_timeout_ms(conn) : m2_conn_timeout_ms(conn);
}

typedef struct native_wait {
    int fd, status, timeout_ms; /* in */
    int ready, err;             /* out: m2_poll's result and errno */
} native_wait;

/* Runs without the GVL: touches only *p and the descriptor. */
static void *native_wait_nogvl(void *p)
{
    native_wait *w = p;
    w->ready = m2_poll(w->fd, w->status, w->timeout_ms);
    w->err = w->ready < 0 ? errno : 0;
    return NULL;
}

/*
 * The wait without a Fiber scheduler: polls the session's socket with the GVL released. Thread#raise, kill,
 * Timeout and signal traps wake the poll through RUBY_UBF_IO and are raised (or run) by
 * rb_thread_call_without_gvl when it takes the GVL back; a signal that raises nothing polls again for what is
 * left of `timeout` (seconds, < 0 = no limit). Returns the ready mask, or 0 when the time passed. Same behaviour
 * as rb_io_wait without a scheduler, without its bookkeeping (and the getpid(2) it makes on every call).
 */
static int wait_native(int fd, int status, double timeout)
{
    double until = timeout < 0 ? 0 : m2r_now() + timeout;
    for (;;) {
        native_wait w = {fd, status, timeout < 0 ? -1 : (int)fmin(ceil(timeout * 1000.0), INT_MAX), 0, 0};
        rb_thread_call_without_gvl(native_wait_nogvl, &w, RUBY_UBF_IO, NULL);
        if (w.ready >= 0)
            return w.ready;
        if (w.err != EINTR && w.err != EAGAIN && w.err != ENOMEM)
            rb_syserr_fail(w.err, "poll() on the MySQL socket");
        if (timeout >= 0 && (timeout = until - m2r_now()) <= 0)
            return 0;
    }
}

/*
 * The wait primitive: waits until the socket is ready as `status` asks, the library's own timeout passes
 * (M2_WAIT_TIMEOUT) or `deadline` (monotonic seconds, 0 = none) passes. Returns the ready mask for m2_conn_cont,
 * or -1 when `deadline` passed first. Raises whatever interrupts the wait (Thread#raise, kill, Timeout).
 */
static int wait_socket(m2_conn *conn, io_ref io, int status, double deadline)
{
    double timeout = -1;
    bool by_deadline = false;
    if (status & M2_WAIT_TIMEOUT)
        timeout = library_timeout_ms(conn) / 1000.0;
    if (deadline > 0) {
        double left = deadline - m2r_now();
        if (left <= 0)
            return -1;
        if (timeout < 0 || left < timeout) {
            timeout = left;
            by_deadline = true;
        }
    }
    int ready = 0;
    if (!(status & (M2_WAIT_READ | M2_WAIT_WRITE | M2_WAIT_EXCEPT))) { /* nothing to wait for but the clock */
        rb_thread_wait_for(rb_time_interval(DBL2NUM(timeout < 0 ? 0 : timeout)));
    } else if (NIL_P(rb_fiber_scheduler_current())) {
        int fd = m2_conn_socket(conn);
        if (fd < 0)
            m2r_raise_not_connected();
        ready = wait_native(fd, status, timeout);
    } else {
        VALUE events = rb_io_wait(socket_io(conn, io), io_events(status), timeout < 0 ? Qnil : DBL2NUM(timeout));
        ready = RTEST(events) ? ready_mask(events) : 0;
    }
    if (ready == 0)
        return by_deadline ? -1 : M2_WAIT_TIMEOUT;
    return ready;
}

/* ---- side connections (KILL) ----------------------------------------------------------------------------- */

typedef struct side_kill {
    m2_conn *conn; /* owned: released by side_kill_cleanup */
    VALUE io;
    uint64_t io_session;
    char sql[64];
} side_kill;

static void side_drive(side_kill *sk, int status, double deadline)
{
    while (status != 0) {
        int ready = wait_socket(sk->conn, (io_ref){Qnil, &sk->io, &sk->io_session}, status, deadline);
        if (ready < 0) {
            m2_conn_abort(sk->conn);
            return;
        }
        status = m2_conn_cont(sk->conn, ready);
    }
}

static VALUE side_kill_run(VALUE arg)
{
    side_kill *sk = (side_kill *)arg;
    double deadline = m2r_now() + SIDE_CONNECTION_SECONDS;
    side_drive(sk, m2_conn_connect_start(sk->conn), deadline);
    if (sk->conn->state != M2_STATE_READY)
        return Qfalse;
    side_drive(sk, m2_conn_real_query_start(sk->conn, sk->sql, strlen(sk->sql)), deadline);
    if (sk->conn->state == M2_STATE_READY && sk->conn->op == M2_OP_NONE)
        m2_conn_close(sk->conn);
    return Qtrue;
}

static VALUE side_kill_cleanup(VALUE arg)
{
    side_kill *sk = (side_kill *)arg;
    m2_conn_release(sk->conn);
    RB_GC_GUARD(sk->io);
    return Qnil;
}

/* Sends `KILL [QUERY] <id>` from a short-lived connection with the same options as `like`. Waits through the wait
 * primitive; gives up silently after SIDE_CONNECTION_SECONDS. The side connection is always released. */
static void side_kill_send(const m2_conn *like, unsigned long thread_id, bool query_only)
{
    side_kill sk = {.io = Qnil};
    snprintf(sk.sql, sizeof(sk.sql), "KILL %s%lu", query_only ? "QUERY " : "", thread_id);
    sk.conn = m2_conn_new_like(like);
    if (!sk.conn)
        return;
    rb_ensure(side_kill_run, (VALUE)&sk, side_kill_cleanup, (VALUE)&sk);
}

typedef struct orphan_kill {
    m2_conn *like; /* a reference, released by the thread */
    unsigned long thread_id;
} orphan_kill;

static VALUE orphan_kill_run(VALUE arg)
{
    orphan_kill *ok = (orphan_kill *)arg;
    side_kill_send(ok->like, ok->thread_id, false);
    return Qnil;
}

static VALUE orphan_kill_thread(void *arg)
{
    orphan_kill *ok = arg;
    int state = 0;
    rb_protect(orphan_kill_run, (VALUE)ok, &state);
    m2_conn_release(ok->like);
    xfree(ok);
    if (state)
        rb_set_errinfo(Qnil);
    return Qnil;
}

/* After an interrupted query on a client with :query_timeout: kill the server-side session from a background
 * thread, so the interrupted thread is free at once and the orphaned query stops. */
static void orphan_kill_spawn(m2_conn *conn, unsigned long thread_id)
{
    orphan_kill *ok = ALLOC(orphan_kill);
    ok->like = conn;
    ok->thread_id = thread_id;
    m2_conn_retain(conn);
    rb_thread_create(orphan_kill_thread, ok);
}

/* ---- the chokepoint -------------------------------------------------------------------------------------- */

static void guard_claim(command_t *cmd)
{
    client_t *cl = cmd->cl;
    VALUE fiber = rb_fiber_current();
    if (NIL_P(cl->guard)) {
        RB_OBJ_WRITE(cmd->self, &cl->guard, fiber);
        return;
    }
    if (cl->guard == fiber) {
        if ((cmd->flags & CMD_ASYNC_RESULT) && cl->async_pending)
            return;
        m2r_raise(cMysql2Error, "This connection is still waiting for a result, try again once you have the result");
    }
    if (RTEST(rb_fiber_alive_p(cl->guard)))
        rb_raise(cMysql2Error, "This connection is in use by: %" PRIsVALUE, rb_inspect(cl->guard));
    RB_OBJ_WRITE(cmd->self, &cl->guard, fiber); /* the holder died without releasing: take over */
    cmd->drain_async = cl->async_pending;
    cl->async_pending = false;
}

void client_guard_release(client_t *cl)
{
    cl->guard = Qnil;
    cl->async_pending = false;
}

void command_connect(command_t *cmd)
{
    command_drive(cmd, m2_conn_connect_start(cmd->conn));
    if (cmd->conn->state != M2_STATE_READY)
        command_raise(cmd);
}

/* The session cannot be used as it is: raise, or reconnect when that is asked for and allowed. */
static void ensure_connected(command_t *cmd)
{
    m2_conn *c = cmd->conn;
    if (m2_conn_inherited(c)) {
        int owner = (int)c->owner_pid;
        m2_conn_discard(c, M2_STATE_LOST); /* releases only this process's copy of the socket */
        if (!cmd->cl->reconnect)
            rb_raise(cMysql2ConnectionError,
                     "This connection was inherited across fork() and must be reopened in this process "
                     "(connected in pid %d, now pid %d)",
                     owner, (int)getpid());
    }
    if (c->state == M2_STATE_READY || (cmd->flags & CMD_NO_RECONNECT))
        return;
    if (c->state == M2_STATE_CLOSED || !cmd->cl->reconnect)
        m2r_raise_not_connected();
    command_connect(cmd);
}

/* Reads and drops every result of an async query whose fiber died before async_result. */
static void drain_async_results(command_t *cmd)
{
    m2_conn *c = cmd->conn;
    command_drive(cmd, m2_conn_read_result_start(c));
    for (;;) {
        if (c->state != M2_STATE_READY || m2_conn_errno(c) != 0)
            return;
        if (mysql_field_count(c->mysql) > 0) {
            command_drive(cmd, m2_conn_store_result_start(c));
            mysql_free_result(c->ret_res);
        }
        if (!mysql_more_results(c->mysql))
            return;
        command_drive(cmd, m2_conn_next_result_start(c));
    }
}

/* Deferred work left by dead fibers, GC or an abandoned stream, done before the command speaks. A row fetch of
 * the open stream is not a safe point: the stream's rows are still on the wire, so statements queued by GC stay
 * queued until the next other command. */
static void run_deferred(command_t *cmd)
{
    m2_conn *c = cmd->conn;
    if (cmd->drain_async)
        drain_async_results(cmd);
    if (c->stream && (cmd->flags & CMD_STREAM_FETCH))
        return;
    if (c->stream) {
        command_drive(cmd, m2_conn_free_result_start(c, c->stream));
        c->stream = NULL;
    }
    for (MYSQL_STMT *s; c->state == M2_STATE_READY && (s = m2_conn_pop_pending_stmt(c));)
        command_drive(cmd, m2_conn_stmt_close_start(c, s));
}

static VALUE command_run(VALUE arg)
{
    command_t *cmd = (command_t *)arg;
    ensure_connected(cmd);
    run_deferred(cmd);
    if (cmd->timeout > 0)
        cmd->deadline = m2r_now() + cmd->timeout;
    cmd->cl->in_body++;
    cmd->in_body = true;
    return cmd->body(cmd);
}

/* Tears down a session whose exchange was left half done (an interrupt, or close() from another fiber). When
 * :query_timeout is set, the server-side session is killed too, from a background thread. */
static void command_abandon(command_t *cmd, m2_state final_state)
{
    m2_conn *c = cmd->conn;
    unsigned long id = c->mysql ? mysql_thread_id(c->mysql) : 0;
    bool kill = (cmd->flags & CMD_TIMED) && cmd->cl->query_timeout > 0 && id != 0 && !m2_conn_inherited(c);
    m2_conn_discard(c, final_state);
    if (kill)
        orphan_kill_spawn(c, id);
}

static VALUE command_end(VALUE arg)
{
    command_t *cmd = (command_t *)arg;
    m2_conn *c = cmd->conn;
    if (cmd->in_body)
        cmd->cl->in_body--;
    if (c->cancelled)
        command_abandon(cmd, M2_STATE_CLOSED); /* close() came from another fiber during the command */
    else if (c->op != M2_OP_NONE || cmd->unfinished)
        command_abandon(cmd, M2_STATE_LOST); /* unwound out of a wait: the exchange is half done */
    if (!cmd->keep_guard || c->state != M2_STATE_READY)
        client_guard_release(cmd->cl);
    return Qnil;
}

VALUE client_command(VALUE self, const char *name, int flags, command_body body, void *data)
{
    client_t *cl = client_get(self);
    command_t cmd = {
        .self = self, .cl = cl, .conn = cl->conn, .name = name, .flags = flags, .body = body, .data = data};
    if (flags & CMD_TIMED)
        cmd.timeout = cl->query_timeout;
    if (cl->conn->state == M2_STATE_CLOSED && !(flags & CMD_NO_RECONNECT))
        m2r_raise_not_connected();
    guard_claim(&cmd);
    return rb_ensure(command_run, (VALUE)&cmd, command_end, (VALUE)&cmd);
}

/* :query_timeout passed during `cmd`: KILL QUERY from a side connection, then allow a grace period for the
 * server's "interrupted" reply, which keeps the session usable. */
static void command_deadline_passed(command_t *cmd)
{
    if (cmd->killed)
        rb_raise(cMysql2TimeoutError, "Query exceeded :query_timeout of %g seconds and the server did not stop it",
                 cmd->timeout);
    cmd->killed = true;
    side_kill_send(cmd->conn, mysql_thread_id(cmd->conn->mysql), true);
    cmd->deadline = m2r_now() + KILL_GRACE_SECONDS;
}

/* One wait of a command for what `status` asks: returns the ready mask (M2_WAIT_TIMEOUT once the library's
 * timeout passed, recorded for command_raise); sends KILL QUERY and keeps waiting when :query_timeout passes. */
static int command_wait(command_t *cmd, int status)
{
    m2_conn *c = cmd->conn;
    for (;;) {
        int ready = wait_socket(c, (io_ref){cmd->self, &cmd->cl->io, &cmd->cl->io_session}, status, cmd->deadline);
        if (m2_conn_inherited(c)) /* the process forked while this fiber waited */
            rb_raise(cMysql2ConnectionError, "This connection was inherited across fork() during %s", cmd->name);
        if (ready < 0) {
            command_deadline_passed(cmd);
            continue;
        }
        if (ready == M2_WAIT_TIMEOUT) {
            cmd->timeout_op = c->op == M2_OP_NONE ? M2_OP_READ_RESULT : c->op;
            cmd->timeout_ms = library_timeout_ms(c);
        }
        return ready;
    }
}

void command_drive(command_t *cmd, int status)
{
    while (status != 0)
        status = m2_conn_cont(cmd->conn, command_wait(cmd, status));
}

void command_drive_with(command_t *cmd, int status, command_meanwhile meanwhile)
{
    bool unfinished = cmd->unfinished;
    cmd->unfinished = true; /* the reply may be there already, unread: an exception must not leave it so */
    meanwhile(cmd);
    cmd->unfinished = unfinished;
    command_drive(cmd, status);
}

void command_read_reply(command_t *cmd, command_meanwhile meanwhile)
{
    m2_conn *c = cmd->conn;
    cmd->unfinished = true;
    meanwhile(cmd);
    int ready = command_wait(cmd, M2_WAIT_READ | (m2_conn_read_timeout_ms(c) > 0 ? M2_WAIT_TIMEOUT : 0));
    cmd->unfinished = false;
    int status = m2_conn_read_result_start(c);
    if (ready == M2_WAIT_TIMEOUT) {
        if (status != 0)
            status = m2_conn_cont(c, M2_WAIT_TIMEOUT); /* the read timeout passed during the wait above */
        else
            cmd->timeout_op = M2_OP_NONE; /* the reply came just after all: any error now is not a timeout */
    }
    command_drive(cmd, status);
}

void command_raise(command_t *cmd)
{
    m2_conn *c = cmd->conn;
    if (c->cancelled) {
        command_abandon(cmd, M2_STATE_CLOSED);
        rb_raise(cMysql2ConnectionError, "MySQL client was closed while the command (%s) was in progress", cmd->name);
    }
    m2_conn_check_lost(c);
    if (cmd->killed)
        rb_raise(cMysql2TimeoutError, "Query exceeded :query_timeout of %g seconds and was killed (%s)", cmd->timeout,
                 m2_conn_error(c));
    if (cmd->timeout_op != M2_OP_NONE && cmd->timeout_op != M2_OP_CONNECT)
        rb_raise(cMysql2TimeoutError, "Timeout waiting for a response from the last query. (waited %u seconds)",
                 (cmd->timeout_ms + 999) / 1000);
    m2r_raise_conn_error(c, cmd->cl->encoding);
}

void init_mysql2_client_command(void)
{
    id_autoclose_set = rb_intern("autoclose=");
}
