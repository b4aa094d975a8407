/*
 * row_hash.c: see row_hash.h.
 */
#include "row_hash.h"

#include <string.h>

/* keys[i] => cells[i] inserted into a new Hash (later duplicates win). */
static VALUE insert_all(const VALUE *keys, const VALUE *cells, unsigned int n)
{
    VALUE tmp;
    VALUE *pairs = ALLOCV_N(VALUE, tmp, 2 * (size_t)n);
    for (unsigned int i = 0; i < n; i++) {
        pairs[2 * i] = keys[i];
        pairs[2 * i + 1] = cells[i];
    }
    VALUE out = m2r_hash_new_capa(n);
    rb_hash_bulk_insert(2 * (long)n, pairs, out);
    ALLOCV_END(tmp);
    return out;
}

#ifdef HAVE_RB_ST_FOREACH_WITH_REPLACE

/* Whether a key hashes the same for every row: a Symbol, nil or a frozen String (not a String the caller put into
 * the fields Array and may change in place between rows, which a new row must see). */
static bool stable_key(VALUE key)
{
    return RB_SYMBOL_P(key) || NIL_P(key) || (RB_TYPE_P(key, T_STRING) && RB_OBJ_FROZEN(key));
}

/* Builds the template for these keys; not usable when two keys are the same (eql?) or one is not stable. */
static void build_template(row_hash *h, const VALUE *keys, const VALUE *cells, unsigned int n)
{
    h->tmpl = insert_all(keys, cells, n);
    h->keys = rb_obj_hide(rb_ary_new_from_values(n, keys));
    /* RHASH_TBL makes the table an st_table, which Hash#dup then copies as it is; copy_template writes the values
     * into it without the write barrier, so the template is unprotected from it (the rows are not). */
    bool usable = RHASH_SIZE(h->tmpl) == n;
    for (unsigned int i = 0; usable && i < n; i++)
        usable = stable_key(keys[i]);
    h->usable = usable;
    if (usable)
        (void)RHASH_TBL(h->tmpl);
    RB_OBJ_WB_UNPROTECT(h->tmpl);
}

typedef struct cursor {
    const VALUE *cells;
    unsigned int i;
} cursor;

static int replace_every(st_data_t key, st_data_t value, st_data_t arg, int error)
{
    (void)key, (void)value, (void)arg, (void)error;
    return ST_REPLACE;
}

/* Entries are in insertion order, which is the keys' order: entry i gets cell i. */
static int next_cell(st_data_t *key, st_data_t *value, st_data_t arg, int existing)
{
    (void)key, (void)existing;
    cursor *c = (cursor *)arg;
    *value = (st_data_t)c->cells[c->i++];
    return ST_CONTINUE;
}

/* The row copied from the template, or Qundef when it cannot be. */
static VALUE copy_template(row_hash *h, const VALUE *keys, const VALUE *cells, unsigned int n)
{
    if (h->rows++ == 0)
        return Qundef;
    if (!h->keys || memcmp(RARRAY_CONST_PTR(h->keys), keys, n * sizeof(VALUE)) != 0) /* n: the same for an each */
        build_template(h, keys, cells, n);
    /* the table is asked for again, and its size checked, every row: ObjectSpace can reach the template, and a
     * rehash or a clear there would have freed or changed the table (the rows would only be built key by key) */
    if (!h->usable || RHASH_SIZE(h->tmpl) != n)
        return Qundef;
    cursor c = {.cells = cells, .i = 0};
    st_foreach_with_replace(RHASH_TBL(h->tmpl), replace_every, next_cell, (st_data_t)&c);
    return rb_hash_dup(h->tmpl);
}

#else

static VALUE copy_template(row_hash *h, const VALUE *keys, const VALUE *cells, unsigned int n)
{
    (void)h, (void)keys, (void)cells, (void)n;
    return Qundef;
}

#endif

VALUE row_hash_build(row_hash *h, const VALUE *keys, const VALUE *cells, unsigned int n)
{
    VALUE out = h ? copy_template(h, keys, cells, n) : Qundef;
    return out != Qundef ? out : insert_all(keys, cells, n);
}
