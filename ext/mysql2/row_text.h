/*
 * row_text: rows of the text protocol (Client#query). Each column gets one decoder, chosen once per each from its
 * type and the options; a row is then one pass over the cells, with no temporary objects.
 */
#ifndef MYSQL2_ROW_TEXT_H
#define MYSQL2_ROW_TEXT_H

#include "cast.h"
#include "columns.h"
#include "row_hash.h"

/* What a cell becomes. */
typedef enum {
    DEC_NULL,      /* nil (a column of type NULL) */
    DEC_STRING,    /* String in the column's encoding */
    DEC_INTEGER,   /* Integer (also DECIMAL with scale 0) */
    DEC_BOOL_TEXT, /* cast_booleans TINYINT(1): first character is not '0' */
    DEC_BOOL_BIT,  /* cast_booleans BIT(1): the byte is 1 */
    DEC_DECIMAL,   /* BigDecimal */
    DEC_FLOAT,     /* Float */
    DEC_DATE,      /* Date */
    DEC_DATETIME,  /* Time / DateTime */
    DEC_TIME       /* TIME as a duration from 2000-01-01 */
} text_decoder;

/* One decoder per column for these options into out[n]. */
void row_text_decoders(const column *cols, unsigned int n, const query_options *opts, unsigned char *out);
/* The decoder of one column under full or :fast casting (the column is not of type NULL). */
unsigned char row_text_decoder(const column *col, const query_options *opts);

/* The row shape: column metadata, decoders and the keys (field names) of Hash rows. */
typedef struct row_shape {
    const column *cols;
    const unsigned char *decoders;
    unsigned int n;
    const VALUE *keys; /* n names (the Result's fields Array, kept alive by the Result) */
    row_hash *hash;    /* Hash rows: the template the rows after the first are copied from (NULL: none) */
    bool as_array;
} row_shape;

/* One cell of text `p` (len bytes, not NULL) through `decoder`. With x->no_raise, Qundef instead of a DATE or
 * DATETIME that Date/Time could refuse (a zero month or day, a day past the 28th whose validity is not certain,
 * the Julian-Gregorian gap of 1582): nothing is raised for it. */
VALUE row_text_cell(cast_ctx *x, const column *col, unsigned char decoder, const char *p, long len);

/* The value of a DATE (DEC_DATE), DATETIME/TIMESTAMP (DEC_DATETIME) or TIME (DEC_TIME) cell already parsed into
 * `t`, with row_text_cell's x->no_raise rule. `raw` is the cell's text for an error message (NULL: formatted from
 * `t`). Shared by both protocols so they give the same values and errors. */
VALUE row_temporal_value(cast_ctx *x, const column *col, unsigned char decoder, const m2_temporal *t, const char *raw,
                         long raw_len);

/* A row from its cells: an Array, or a Hash keyed by shape->keys (later duplicates win). */
VALUE row_assemble(const row_shape *shape, const VALUE *cells);
/* Builds a Hash (or Array) from a text-protocol row (`lengths` from mysql_fetch_lengths). */
VALUE row_text_build(cast_ctx *x, const row_shape *shape, MYSQL_ROW row, const unsigned long *lengths);

#endif
