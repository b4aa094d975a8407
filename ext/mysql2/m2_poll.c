/*
 * m2_poll.c: waiting for a socket without Ruby. See m2_poll.h.
 */
#include "m2_poll.h"

#include <errno.h>
#include <poll.h>

#include "m2_conn.h"

int m2_poll(int fd, int status, int timeout_ms)
{
    struct pollfd pfd = {.fd = fd, .events = 0, .revents = 0};
    if (status & M2_WAIT_READ)
        pfd.events |= POLLIN;
    if (status & M2_WAIT_WRITE)
        pfd.events |= POLLOUT;
    if (status & M2_WAIT_EXCEPT)
        pfd.events |= POLLPRI;
    int n = poll(&pfd, 1, timeout_ms);
    if (n <= 0)
        return n;
    int asked = status & (M2_WAIT_READ | M2_WAIT_WRITE | M2_WAIT_EXCEPT);
    if (pfd.revents & POLLNVAL) { /* not an open descriptor: as rb_io_wait, an error rather than a ready mask */
        errno = EBADF;
        return -1;
    }
    if (pfd.revents & (POLLHUP | POLLERR))
        return asked;
    int ready = 0;
    if (pfd.revents & POLLIN)
        ready |= M2_WAIT_READ;
    if (pfd.revents & POLLOUT)
        ready |= M2_WAIT_WRITE;
    if (pfd.revents & POLLPRI)
        ready |= M2_WAIT_EXCEPT;
    return ready & asked;
}
