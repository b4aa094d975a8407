/*
 * row_hash.c: see row_hash.h.
 */
#include "row_hash.h"

#include <string.h>

/* keys[i] => cells[i] (nil if cells is NULL) inserted into a new Hash (later duplicates win). */
static VALUE insert_all(const VALUE *keys, const VALUE *cells, unsigned int n)
{
    VALUE tmp;
    VALUE *pairs = ALLOCV_N(VALUE, tmp, 2 * (size_t)n);
    for (unsigned int i = 0; i < n; i++) {
        pairs[2 * i] = keys[i];
        pairs[2 * i + 1] = cells ? cells[i] : Qnil;
    }
    VALUE out = m2r_hash_new_capa(n);
    rb_hash_bulk_insert(2 * (long)n, pairs, out);
    ALLOCV_END(tmp);
    return out;
}

#ifdef HAVE_RB_ST_FOREACH_WITH_REPLACE

/* Ruby keeps a Hash of up to 8 pairs in an array (RHASH_AR_TABLE_MAX_SIZE, internal), a bigger one in an st_table. */
#define AR_TABLE_MAX 8

/* Whether a key hashes the same for every row: a Symbol, nil or a frozen String (not a String the caller put into
 * the fields Array and may change in place between rows, which a new row must see). */
static bool stable_key(VALUE key)
{
    return RB_SYMBOL_P(key) || NIL_P(key) || (RB_TYPE_P(key, T_STRING) && RB_OBJ_FROZEN(key));
}

/* Whether t is a template for exactly these keys (the same objects, in order). */
static inline bool same_keys(const row_template *t, const VALUE *keys, unsigned int n)
{
    return t->tmpl && RARRAY_LEN(t->keys) == (long)n && memcmp(RARRAY_CONST_PTR(t->keys), keys, n * sizeof(VALUE)) == 0;
}

/* A template for these keys (values nil); not usable when two keys are the same (eql?) or one is not stable. */
static row_template build_template(const VALUE *keys, unsigned int n)
{
    row_template t = {.tmpl = insert_all(keys, NULL, n), .keys = rb_obj_hide(rb_ary_new_from_values(n, keys))};
    /* RHASH_TBL makes the table an st_table, which Hash#dup then copies as it is; fill writes the values into it
     * without the write barrier (or a frozen check), so the template is unprotected from it (the rows are not). */
    bool usable = RHASH_SIZE(t.tmpl) == n;
    for (unsigned int i = 0; usable && i < n; i++)
        usable = stable_key(keys[i]);
    t.usable = usable;
    if (usable)
        (void)RHASH_TBL(t.tmpl);
    RB_OBJ_WB_UNPROTECT(t.tmpl);
    rb_obj_freeze(t.tmpl); /* against a change through ObjectSpace; Hash#dup does not copy the flag */
    return t;
}

/* The template this row is copied from: the one in use if the keys are still its own, else the Client's if it is
 * for them, else a new one (published to the Client) from the second row on, or from the first for a repeat. */
static bool find_template(row_hash *h, const VALUE *keys, unsigned int n)
{
    bool first = h->rows++ == 0;
    if (same_keys(&h->cur, keys, n))
        return true;
    if (first && n <= AR_TABLE_MAX)
        return false; /* a small Hash is an array of pairs: a copy of a template costs more than the inserts */
    if (h->kept && same_keys(h->kept, keys, n)) {
        h->cur = *h->kept;
        return true;
    }
    if (first && !h->repeat)
        return false; /* a one-row result of a new shape stays cheap */
    h->cur = build_template(keys, n);
    if (h->kept) {
        RB_OBJ_WRITE(h->owner, &h->kept->tmpl, h->cur.tmpl);
        RB_OBJ_WRITE(h->owner, &h->kept->keys, h->cur.keys);
        h->kept->usable = h->cur.usable;
    }
    return true;
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

static int set_nil(st_data_t *key, st_data_t *value, st_data_t arg, int existing)
{
    (void)key, (void)arg, (void)existing;
    *value = (st_data_t)Qnil;
    return ST_CONTINUE;
}

/* Writes the cells (nil for every value if cells is NULL) into the template's values. The table is asked for again,
 * and its size checked, every time: ObjectSpace can reach the template (frozen, but a C extension could change it). */
static bool fill(const row_template *t, const VALUE *cells, unsigned int n)
{
    if (!t->usable || RHASH_SIZE(t->tmpl) != n)
        return false;
    cursor c = {.cells = cells, .i = 0};
    st_foreach_with_replace(RHASH_TBL(t->tmpl), replace_every, cells ? next_cell : set_nil, (st_data_t)&c);
    return true;
}

static bool bulky(const VALUE *cells, unsigned int n)
{
    for (unsigned int i = 0; i < n; i++) {
        if (RB_TYPE_P(cells[i], T_STRING) && RSTRING_LEN(cells[i]) > ROW_HASH_BULKY)
            return true;
    }
    return false;
}

/* The row copied from a template, or Qundef when it cannot be. */
static VALUE copy_template(row_hash *h, const VALUE *keys, const VALUE *cells, unsigned int n)
{
    if (!find_template(h, keys, n) || !fill(&h->cur, cells, n))
        return Qundef;
    h->bulky = h->long_columns && bulky(cells, n);
    return rb_hash_dup(h->cur.tmpl);
}

void row_hash_done(row_hash *h)
{
    if (h->cur.tmpl && h->bulky)
        fill(&h->cur, NULL, (unsigned int)RARRAY_LEN(h->cur.keys));
}

#else

static VALUE copy_template(row_hash *h, const VALUE *keys, const VALUE *cells, unsigned int n)
{
    (void)h, (void)keys, (void)cells, (void)n;
    return Qundef;
}

void row_hash_done(row_hash *h)
{
    (void)h;
}

#endif

VALUE row_hash_build(row_hash *h, const VALUE *keys, const VALUE *cells, unsigned int n)
{
    VALUE out = h ? copy_template(h, keys, cells, n) : Qundef;
    return out != Qundef ? out : insert_all(keys, cells, n);
}
