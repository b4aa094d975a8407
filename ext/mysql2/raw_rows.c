/*
 * raw_rows.c: see raw_rows.h. Rows are packed into chunks that start small and double up to CHUNK_BYTES (a
 * one-row result costs little), or fit one bigger row; a row is one record:
 * cells[n] (pointers into the bytes that follow), lengths[n], then the bytes of each non-NULL cell and a NUL.
 * An index of record addresses, grown by doubling, gives row i in constant time.
 */
#include "raw_rows.h"

#include <stdlib.h>
#include <string.h>

#define FIRST_CHUNK_BYTES 512
#define CHUNK_BYTES       (64 * 1024)

typedef struct chunk {
    struct chunk *next;
    size_t used, size;
    max_align_t data[]; /* records, each aligned like max_align_t */
} chunk;

struct raw_rows {
    unsigned int nfields;
    chunk *chunks; /* newest first */
    void **index;  /* record of row i */
    uint64_t count, capacity;
    size_t bytes;
};

static size_t aligned(size_t n)
{
    size_t a = sizeof(max_align_t);
    return (n + a - 1) / a * a;
}

raw_rows *raw_rows_new(unsigned int nfields)
{
    raw_rows *rr = calloc(1, sizeof(*rr));
    if (rr)
        rr->nfields = nfields;
    return rr;
}

/* `size` bytes in the newest chunk, or in a new one; NULL when out of memory. */
static void *reserve(raw_rows *rr, size_t size)
{
    chunk *c = rr->chunks;
    if (!c || c->size - c->used < size) {
        size_t want = c ? (c->size < CHUNK_BYTES ? c->size * 2 : CHUNK_BYTES) : FIRST_CHUNK_BYTES;
        if (want < size)
            want = size;
        c = malloc(sizeof(chunk) + want);
        if (!c)
            return NULL;
        c->next = rr->chunks;
        c->used = 0;
        c->size = want;
        rr->chunks = c;
        rr->bytes += sizeof(chunk) + want;
    }
    void *p = (char *)c->data + c->used;
    c->used += size;
    return p;
}

static bool grow_index(raw_rows *rr)
{
    if (rr->count < rr->capacity)
        return true;
    uint64_t capacity = rr->capacity ? rr->capacity * 2 : 16;
    void **index = realloc(rr->index, (size_t)capacity * sizeof(void *));
    if (!index)
        return false;
    rr->bytes += (size_t)(capacity - rr->capacity) * sizeof(void *);
    rr->index = index;
    rr->capacity = capacity;
    return true;
}

bool raw_rows_append(raw_rows *rr, MYSQL_ROW row, const unsigned long *lengths)
{
    unsigned int n = rr->nfields;
    size_t head = n * (sizeof(unsigned long) + sizeof(char *)), size = head;
    for (unsigned int i = 0; i < n; i++)
        size += row[i] ? lengths[i] + 1 : 0;
    if (!grow_index(rr))
        return false;
    char *rec = reserve(rr, aligned(size));
    if (!rec)
        return false;
    char **cells = (char **)rec;
    unsigned long *lens = (unsigned long *)(rec + n * sizeof(char *));
    char *bytes = rec + head;
    for (unsigned int i = 0; i < n; i++) {
        lens[i] = row[i] ? lengths[i] : 0;
        cells[i] = row[i] ? bytes : NULL;
        if (row[i]) {
            memcpy(bytes, row[i], lengths[i]);
            bytes[lengths[i]] = '\0';
            bytes += lengths[i] + 1;
        }
    }
    rr->index[rr->count++] = rec;
    return true;
}

uint64_t raw_rows_count(const raw_rows *rr)
{
    return rr->count;
}

MYSQL_ROW raw_rows_get(const raw_rows *rr, uint64_t i, const unsigned long **lengths)
{
    char *rec = rr->index[i];
    *lengths = (const unsigned long *)(rec + rr->nfields * sizeof(char *));
    return (MYSQL_ROW)rec;
}

size_t raw_rows_memsize(const raw_rows *rr)
{
    return sizeof(*rr) + rr->bytes;
}

void raw_rows_free(raw_rows *rr)
{
    if (!rr)
        return;
    for (chunk *c = rr->chunks, *next; c; c = next) {
        next = c->next;
        free(c);
    }
    free(rr->index);
    free(rr);
}
