/*
 * row_hash: Hash rows copied from a template. Inserting n keys into a new Hash hashes every key again for every
 * row; from the second row of an each on, the keys sit once in a template Hash, the row's cells are written into
 * its values in place, and the row is a copy of it (Hash#dup copies the table as it is, hashes and all).
 */
#ifndef MYSQL2_ROW_HASH_H
#define MYSQL2_ROW_HASH_H

#include "mysql2_ext.h"

/* Zero-initialised by its owner, which keeps it on its stack (the GC finds and pins tmpl and keys there) for the
 * rows of one each. */
typedef struct row_hash {
    VALUE tmpl;         /* a Hash of class Hash with the keys (values: the last row's cells), never given out; or 0 */
    VALUE keys;         /* a hidden Array of the keys tmpl was built from: rebuilt when the row's keys differ */
    bool usable;        /* false when the keys repeat (the later duplicate must win) or one is not stable */
    unsigned long rows; /* rows asked for so far: the first is left to the caller (one-row results stay cheap) */
} row_hash;

/* The Hash of keys[i] => cells[i] (n pairs; a later duplicate key wins). Copied from h's template from the second
 * row on, unless the keys repeat or are not stable (see stable_key) or this Ruby lacks st_foreach_with_replace;
 * built key by key when h is NULL. Allocates the row, and h's template once per set of keys. */
VALUE row_hash_build(row_hash *h, const VALUE *keys, const VALUE *cells, unsigned int n);

#endif
