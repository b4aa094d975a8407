/*
 * m2_infile: the client side of LOAD DATA LOCAL INFILE. Pure C.
 *
 * Replaces Connector/C's default handler so that a file that cannot be opened is reported the way mysql2 does,
 * "<strerror>: <path>" (e.g. "No such file or directory: this/file/is/not/here") with error number 2000
 * (CR_UNKNOWN_ERROR), instead of "File '...' not found (Errcode: 2)" with the errno as the error number. Whether
 * the client may send files at all is still the local_infile option (MYSQL_OPT_LOCAL_INFILE).
 *
 * The handlers run inside the library's query step, with no Ruby involved; they read a local file with plain
 * read(2) calls, as the default handler does.
 */
#ifndef M2_INFILE_H
#define M2_INFILE_H

#include <mysql.h>

/* The state of one transfer; one per connection (one LOAD DATA at a time). */
typedef struct m2_infile {
    int fd;          /* the open file, -1 when none */
    char path[384];  /* its name, for messages (truncated if longer) */
    char error[512]; /* the library passes at most MYSQL_ERRMSG_SIZE (512) bytes on */
} m2_infile;

/* An idle state (no file open). */
void m2_infile_reset(m2_infile *f);
/* Installs the handlers on a fresh handle; `f` must outlive it. */
void m2_infile_install(MYSQL *mysql, m2_infile *f);
/* Closes a file left open by a transfer that was never finished (the session was torn down under it). */
void m2_infile_close(m2_infile *f);

#endif
