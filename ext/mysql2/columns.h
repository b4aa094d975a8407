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
    unsigned long name_length;
} column;

/* Copies `n` fields into one xmalloc'd block (free it with xfree). `conn_enc` is the fallback encoding. */
column *columns_new(MYSQL_FIELD *fields, unsigned int n, rb_encoding *conn_enc);
/* The field_types string of a column ("int(11)", "varchar(13)", "decimal(10,2)", ...) into buf; returns buf. */
const char *column_type_name(const column *col, char *buf, size_t size);

#endif
