/*
 * m2_poll.h: waiting for a socket without Ruby (doc/adr/0001-connection-engine.md, "One wait primitive").
 */
#ifndef M2_POLL_H
#define M2_POLL_H

/*
 * Waits until `fd` is ready for what `status` asks (M2_WAIT_READ / M2_WAIT_WRITE / M2_WAIT_EXCEPT; other bits
 * are ignored) or `timeout_ms` passes (-1 = no limit). Returns the mask of the asked events that are ready
 * (hang-up and error count as every asked event ready, so the library's next call sees them), 0 when the time
 * passed, or -1 with errno set (EINTR when a signal interrupted it, EBADF when `fd` is not open).
 *
 * Touches nothing but its arguments and the descriptor: safe to run without the GVL while another thread owns
 * the session. Blocks; the caller decides how to be woken (a signal, or shutdown() of the socket by close).
 */
int m2_poll(int fd, int status, int timeout_ms);

#endif
