/*
 * result.h: what the Client hands a new Mysql2::Result.
 */
#ifndef MYSQL2_RESULT_H
#define MYSQL2_RESULT_H

#include "client.h"
#include "query_options.h"

typedef struct result_origin {
    VALUE options;             /* the merged query-options Hash: the Result's @query_options */
    const query_options *opts; /* the same, parsed (opts->stream: `res` is the connection's stream) */
    double query_time;         /* seconds from sending the query to its first response; negative: unknown */
} result_origin;

/* Takes ownership of a buffered `res`, or names the connection's stream; copies the column metadata. */
VALUE result_new(VALUE client, m2_conn *conn, MYSQL_RES *res, const result_origin *origin);

#endif
