/*
 * row_binary: rows of the binary protocol (Statement#execute). The result binds of a statement: integer and
 * floating-point columns are fetched as C numbers and DATE/DATETIME/TIMESTAMP/TIME as MYSQL_TIME under full
 * casting; everything else (and every column under cast: false / :fast) as text that the library formats, decoded
 * by row_text's decoders, so both protocols give the same values. Buffers grow to fit and are reused across executes.
 */
#ifndef MYSQL2_ROW_BINARY_H
#define MYSQL2_ROW_BINARY_H

#include "row_text.h"

/* Decoders of native binds (the text decoders of row_text.h are below 16). */
enum { DEC_BIN_INT = 16, DEC_BIN_UINT, DEC_BIN_BOOL, DEC_BIN_FLOAT, DEC_BIN_DOUBLE, DEC_BIN_TEMPORAL };

typedef enum { BIND_STRING, BIND_LONGLONG, BIND_FLOAT, BIND_DOUBLE, BIND_TEMPORAL } bind_kind;

typedef struct bind_cell {
    bind_kind kind;
    unsigned long length; /* bytes of the value (may exceed capacity: truncated) */
    my_bool is_null, error;
    union {
        long long i;
        float f;
        double d;
        MYSQL_TIME t;
    } num;
    char *text; /* xmalloc'd, `capacity` bytes (BIND_STRING) */
    unsigned long capacity;
} bind_cell;

typedef struct result_binds {
    unsigned int n;
    cast_mode cast;    /* the casting the kinds were chosen for */
    MYSQL_BIND *binds; /* n, pointing into cells */
    bind_cell *cells;
} result_binds;

/* Chooses the kind of each column for this cast mode and points the binds at the cells (buffers are kept when
 * the shape allows). `max_lengths` (may be NULL) sizes the text buffers exactly. */
void result_binds_prepare(result_binds *b, const column *cols, unsigned int n, cast_mode cast,
                          const unsigned long *max_lengths);
void result_binds_free(result_binds *b);
/* After a fetch: re-reads every text column whose value did not fit, into a grown buffer. Returns true when the
 * binds changed (the caller must mysql_stmt_bind_result again before the next fetch). */
bool result_binds_fit(result_binds *b, MYSQL_STMT *stmt);

/* One decoder per column for these options, consistent with the kinds chosen at prepare. */
void row_binary_decoders(const result_binds *b, const column *cols, const query_options *opts, unsigned char *out);
/* Builds a Hash (or Array) from the fetched cells. */
VALUE row_binary_build(cast_ctx *x, const row_shape *shape, const result_binds *b);

#endif
