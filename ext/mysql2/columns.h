/*
 * columns: the metadata of a result's columns, copied out of the library's MYSQL_FIELD array so that it outlives
 * the MYSQL_RES (field_types, tables and dbs work after the rows are freed), shared by Result and Statement.
 */
#ifndef MYSQL2_COLUMNS_H
#define MYSQL2_COLUMNS_H

#include "mysql2_ext.h"

typedef struct column {
    enum enum_field_types type;
    unsigned int flags, charsetnr, decimals;
    unsigned long length;
    bool json;         /* MariaDB extended metadata names the format "json" */
    rb_encoding *enc;  /* the encoding of its String values (mysql2's rules: binary, then charsetnr, then the
                          connection's) before force_encoding / default_internal */
    const char *name;  /* NUL-terminated, cut at the first NUL; these three live in the same block */
    const char *table; /* the alias, as MYSQL_FIELD.table */
    const char *db;
    unsigned long name_length, table_length, db_length;
} column;

/* Blocks of columns are reference counted (with the GVL held, or from a GC free function): each function that
 * returns one gives the caller one reference, which columns_release drops; the last frees the block. */

/* Copies `n` fields into one new block. `conn_enc` is the fallback encoding. */
column *columns_new(MYSQL_FIELD *fields, unsigned int n, rb_encoding *conn_enc);
/* `prev` (a block, or NULL) again, with one more reference, if it holds exactly what columns_new would copy from
 * these fields under conn_enc (the same query again); else a new block. Comparing costs about a third of copying. */
column *columns_reuse(column *prev, MYSQL_FIELD *fields, unsigned int n, rb_encoding *conn_enc);
column *columns_retain(column *cols);
void columns_release(column *cols); /* NULL: nothing */
/* A number no other block of this process had: for caches keyed on a block, which a freed block's address is not.
 * 0 for NULL (a Result without columns). */
uint64_t columns_id(const column *cols);
/* The field_types string of a column ("int(11)", "varchar(13)", "decimal(10,2)", ...) into buf; returns buf. */
const char *column_type_name(const column *col, char *buf, size_t size);

#endif
