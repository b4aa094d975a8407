/*
 * result.h: what the Client hands a new Mysql2::Result.
 */
#ifndef MYSQL2_RESULT_H
#define MYSQL2_RESULT_H

#include "client.h"
#include "query_options.h"
#include "columns.h"

typedef struct result_origin {
    VALUE options;             /* the merged query-options Hash: the Result's @query_options */
    const query_options *opts; /* the same, parsed (opts->stream: `res` is the connection's stream) */
    double query_time;         /* seconds from sending the query to its first response; negative: unknown */
    bool lazy;   /* cast nothing while reading (store_result, async_result: abandon_results! frees them unread) */
    VALUE shell; /* a Result from result_prealloc for result_new to complete, or 0: result_new makes one */
} result_origin;

/* A Result with the origin's options and no columns or rows yet, made while the server works on the query (so
 * that its allocation overlaps the wait); result_new completes it. Until then, or if the query has no result
 * set and it is dropped, it is a Result whose rows were freed (ObjectSpace can reach it); what another thread
 * cached on it meanwhile (fields, field_types, ...) is forgotten when it is completed. Runs no Ruby code. */
VALUE result_prealloc(VALUE client, const result_origin *origin);

/* A Result over `res` (from m2_conn_use_result): names the connection's stream when origin->opts->stream, else
 * is an empty buffered result for result_fill. Copies the column metadata. Completes origin->shell if set. */
VALUE result_new(VALUE client, m2_conn *conn, MYSQL_RES *res, const result_origin *origin);
/* Inside the query command, with cmd->unfinished set: reads every row of `res` into the buffered `result` (copying
 * the text, and casting the cells with the query's options when rows are cached and the origin was not lazy),
 * then lets go of the connection's stream and clears cmd->unfinished. Raises the connection's error if the read
 * failed; any exception leaves cmd->unfinished set, so the session is torn down. */
void result_fill(command_t *cmd, VALUE result, MYSQL_RES *res);
/* The rows a buffered result read (before any each frees them). */
uint64_t result_row_count(VALUE result);

/* The rows of a statement's execute number `execution`; takes the caller's reference to `cols`. Streaming
 * (origin->opts->stream): rows are fetched from the statement's cursor by each. Otherwise the caller, inside its
 * execute command, calls result_materialize at once. */
VALUE result_new_statement(VALUE statement, VALUE client, m2_conn *conn, column *cols, unsigned int n,
                           uint64_t execution, const result_origin *origin);
/* Inside the execute command: builds and caches every row of a stored statement result. */
void result_materialize(command_t *cmd, VALUE result);

#endif
