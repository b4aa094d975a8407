/*
 * m2_infile.c: see m2_infile.h.
 */
#include "m2_infile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <errmsg.h>

void m2_infile_reset(m2_infile *f)
{
    f->fd = -1;
    f->path[0] = '\0';
    f->error[0] = '\0';
}

void m2_infile_close(m2_infile *f)
{
    if (f->fd >= 0)
        close(f->fd);
    m2_infile_reset(f);
}

/* Library callback: opens `filename` for the transfer. Returns 0, or non-zero with the reason kept for
 * infile_error. */
static int infile_init(void **ptr, const char *filename, void *userdata)
{
    m2_infile *f = userdata;
    *ptr = f;
    m2_infile_close(f);
    snprintf(f->path, sizeof(f->path), "%s", filename);
    f->fd = open(filename, O_RDONLY | O_CLOEXEC);
    if (f->fd >= 0)
        return 0;
    snprintf(f->error, sizeof(f->error), "%s: %s", strerror(errno), f->path);
    return 1;
}

/* Library callback: the next chunk. Returns the bytes read, 0 at the end, -1 on an error. */
static int infile_read(void *ptr, char *buf, unsigned int len)
{
    m2_infile *f = ptr;
    ssize_t n;
    do {
        n = read(f->fd, buf, len);
    } while (n < 0 && errno == EINTR);
    if (n < 0)
        snprintf(f->error, sizeof(f->error), "%s: %s", strerror(errno), f->path);
    return (int)n;
}

/* Library callback: the transfer is over (also after a failed init). */
static void infile_end(void *ptr)
{
    m2_infile_close(ptr);
}

/* Library callback: the message for a failed init or read, and the client error number to report. */
static int infile_error(void *ptr, char *msg, unsigned int len)
{
    m2_infile *f = ptr;
    snprintf(msg, len, "%s", f->error[0] ? f->error : "LOAD DATA LOCAL INFILE failed");
    return CR_UNKNOWN_ERROR;
}

void m2_infile_install(MYSQL *mysql, m2_infile *f)
{
    mysql_set_local_infile_handler(mysql, infile_init, infile_read, infile_end, infile_error, f);
}
