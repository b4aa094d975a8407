/*
 * raw_rows: the text-protocol rows of a buffered result, copied out of the library as they arrive
 * (mysql_use_result + mysql_fetch_row), so that rows can be cast while the server is still sending the rest and
 * built again later with other options. Pure C, no Ruby types; the memory is malloc'd and owned by the raw_rows.
 */
#ifndef MYSQL2_RAW_ROWS_H
#define MYSQL2_RAW_ROWS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <mysql.h>

typedef struct raw_rows raw_rows;

/* An empty store for rows of `nfields` cells; NULL when out of memory. */
raw_rows *raw_rows_new(unsigned int nfields);
/* Copies one row (NULL cells stay NULL). False when out of memory, or for a cell of 4 GiB or more, which the
 * server cannot send (max_allowed_packet is at most 1 GiB); the store is unchanged. */
bool raw_rows_append(raw_rows *rr, MYSQL_ROW row, const unsigned long *lengths);
uint64_t raw_rows_count(const raw_rows *rr);
/* Row `i` into the caller's arrays of nfields: cells[j] points at the cell's text, NUL-terminated like the
 * library's, or is NULL; lengths[j] is its length. The text stays valid until the row is released or the store
 * freed. False (nothing filled) for a row that was released or is past the end. */
bool raw_rows_get(const raw_rows *rr, uint64_t i, char **cells, unsigned long *lengths);
/* Promises that no row before `upto` will be read again: frees the memory that holds only such rows. */
void raw_rows_release(raw_rows *rr, uint64_t upto);
/* Bytes held. */
size_t raw_rows_memsize(const raw_rows *rr);
void raw_rows_free(raw_rows *rr);

#endif
