/*
 * row_hash: Hash rows copied from a template. Inserting n keys into a new Hash hashes every key again for every
 * row; once the keys sit in a template Hash, the row's cells are written into its values in place and the row is a
 * copy of it (Hash#dup copies the table as it is, hashes and all). A Client keeps the last template it built, so
 * that the first row of the next result with the same keys (the same query again) is copied too.
 */
#ifndef MYSQL2_ROW_HASH_H
#define MYSQL2_ROW_HASH_H

#include "mysql2_ext.h"

/* Bytes beyond which a String cell is not left in a Client's template (row_hash_done). */
#define ROW_HASH_BULKY 4096

/* A template and the keys it was built from. Zero: none. */
typedef struct row_template {
    VALUE tmpl;  /* a Hash of class Hash with the keys (values: the last row's cells, or nil), never given out */
    VALUE keys;  /* a hidden Array of the keys, in order */
    bool usable; /* false when the keys repeat (the later duplicate must win) or one is not stable */
} row_template;

/* What the rows of one each build Hashes with. Zero-initialised by its owner, which keeps it on its stack (the GC
 * finds and pins cur's tmpl and keys there). */
typedef struct row_hash {
    row_template cur;   /* the template this each copies from, or zero */
    row_template *kept; /* the Client's, which cur is taken from and published to; NULL: none */
    VALUE owner;        /* the Client that holds `kept` (its write barrier) */
    bool repeat;        /* the keys are the Client's previous result's: worth a template from the first row */
    bool long_columns;  /* set by the owner: some column's values can be longer than ROW_HASH_BULKY bytes */
    bool bulky;         /* and the last cells written into cur hold such a String (see row_hash_done) */
    unsigned long rows; /* rows asked for so far */
} row_hash;

/* The Hash of keys[i] => cells[i] (n pairs; a later duplicate key wins). Copied from a template for the keys: the
 * Client's if it has one for them, else one this each builds at its second row (at its first when h->repeat) and
 * publishes to the Client. Built key by key when the keys repeat or are not stable (see stable_key), when this Ruby
 * lacks st_foreach_with_replace, or when h is NULL. Allocates the row, and a template once per set of keys. */
VALUE row_hash_build(row_hash *h, const VALUE *keys, const VALUE *cells, unsigned int n);
/* At the end of an each: if the last row written into the template it used holds a String of more than
 * ROW_HASH_BULKY bytes, sets
 * the template's values to nil, so that the Client's template keeps no big cell alive (small ones stay until the
 * next row copied from it: clearing costs about what a row's copy does). An each that raises, or that a block breaks
 * out of, leaves the last row's cells there until then, or until the Client is collected. */
void row_hash_done(row_hash *h);

#endif
