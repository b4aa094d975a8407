/*
 * raw_rows.c: see raw_rows.h. Rows are packed into chunks that start small and double up to CHUNK_BYTES (a
 * one-row result costs little), or fit one bigger row. A row is one record: a uint32_t per cell, its length or
 * NULL_CELL, then the bytes of each non-NULL cell and a NUL. Chunks are kept oldest first, so that the rows a
 * caller is done with can be freed a chunk at a time; an index of record addresses, grown by doubling, gives row
 * i in constant time.
 */
#include "raw_rows.h"

#include <stdlib.h>
#include <string.h>

#define FIRST_CHUNK_BYTES 512
#define CHUNK_BYTES       (64 * 1024)
#define NULL_CELL         UINT32_MAX /* a cell is at most max_allowed_packet (1 GiB) long */

typedef struct chunk {
    struct chunk *next; /* the next newer chunk */
    uint64_t rows_end;  /* one past the last row with a record here */
    size_t used, size;
    uint32_t data[]; /* records, each aligned like uint32_t */
} chunk;

struct raw_rows {
    unsigned int nfields;
    chunk *oldest, *newest;
    void **index;      /* record of row i; dangling for released rows */
    uint64_t released; /* rows before this one are freed */
    uint64_t count, capacity;
    size_t bytes;
};

static size_t aligned(size_t n)
{
    size_t a = sizeof(uint32_t);
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
    chunk *c = rr->newest;
    if (!c || c->size - c->used < size) {
        size_t want = c ? (c->size < CHUNK_BYTES ? c->size * 2 : CHUNK_BYTES) : FIRST_CHUNK_BYTES;
        if (want < size)
            want = size;
        c = malloc(sizeof(chunk) + want);
        if (!c)
            return NULL;
        c->next = NULL;
        c->used = 0;
        c->size = want;
        if (rr->newest)
            rr->newest->next = c;
        else
            rr->oldest = c;
        rr->newest = c;
        rr->bytes += sizeof(chunk) + want;
    }
    void *p = (char *)c->data + c->used;
    c->used += size;
    c->rows_end = rr->count + 1;
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
    size_t size = n * sizeof(uint32_t);
    for (unsigned int i = 0; i < n; i++) {
        if (row[i] && lengths[i] >= NULL_CELL)
            return false;
        size += row[i] ? lengths[i] + 1 : 0;
    }
    if (!grow_index(rr))
        return false;
    uint32_t *lens = reserve(rr, aligned(size));
    if (!lens)
        return false;
    char *bytes = (char *)(lens + n);
    for (unsigned int i = 0; i < n; i++) {
        lens[i] = row[i] ? (uint32_t)lengths[i] : NULL_CELL;
        if (row[i]) {
            memcpy(bytes, row[i], lengths[i]);
            bytes[lengths[i]] = '\0';
            bytes += lengths[i] + 1;
        }
    }
    rr->index[rr->count++] = lens;
    return true;
}

uint64_t raw_rows_count(const raw_rows *rr)
{
    return rr->count;
}

bool raw_rows_get(const raw_rows *rr, uint64_t i, char **cells, unsigned long *lengths)
{
    if (i < rr->released || i >= rr->count)
        return false;
    unsigned int n = rr->nfields;
    const uint32_t *lens = rr->index[i];
    char *bytes = (char *)(lens + n);
    for (unsigned int j = 0; j < n; j++) {
        if (lens[j] == NULL_CELL) {
            cells[j] = NULL;
            lengths[j] = 0;
        } else {
            cells[j] = bytes;
            lengths[j] = lens[j];
            bytes += lens[j] + 1;
        }
    }
    return true;
}

void raw_rows_release(raw_rows *rr, uint64_t upto)
{
    while (rr->oldest && rr->oldest->rows_end <= upto) {
        chunk *c = rr->oldest;
        rr->oldest = c->next;
        if (!rr->oldest)
            rr->newest = NULL;
        rr->bytes -= sizeof(chunk) + c->size;
        rr->released = c->rows_end;
        free(c);
    }
}

size_t raw_rows_memsize(const raw_rows *rr)
{
    return sizeof(*rr) + rr->bytes;
}

void raw_rows_free(raw_rows *rr)
{
    if (!rr)
        return;
    raw_rows_release(rr, UINT64_MAX);
    free(rr->index);
    free(rr);
}
