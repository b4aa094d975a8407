/*
 * statement.h: what Result needs from Mysql2::Statement to read a statement's rows.
 */
#ifndef MYSQL2_STATEMENT_H
#define MYSQL2_STATEMENT_H

#include "client.h"
#include "row_binary.h"

extern VALUE cMysql2Statement;

/* True once the statement was closed (by itself, or with its connection). */
bool statement_closed(VALUE statement);
/* Decoders for the statement's current result binds under these options. When the execute numbered `execution`
 * left a cursor open (stream: true) and these options cast otherwise than its binds were made for, rebinds the
 * cursor's rows to come first (client-side only), so an each(cast: false / :fast) of a stream gets the library's
 * text as an execute with that option would. */
void statement_decoders(VALUE statement, uint64_t execution, const column *cols, const query_options *opts,
                        unsigned char *out);
/* Inside a command: fetches the next row of the execute numbered `execution` and builds it. Returns nil at the
 * end, Qundef when that execute's rows are gone (re-executed or closed). */
VALUE statement_fetch_row(command_t *cmd, VALUE statement, uint64_t execution, cast_ctx *x, const row_shape *shape);

void init_mysql2_statement(void);

#endif
