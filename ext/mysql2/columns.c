/*
 * columns.c: see columns.h.
 */
#include <string.h>
#include "columns.h"
#include "m2_charset.h"

#define BINARY_CHARSET 63

/* The Ruby encoding for a collation id, cached per process (read and written under the GVL). */
static rb_encoding *collation_encoding(unsigned int id, rb_encoding *fallback)
{
    static int cache[2048]; /* encoding index + 1; 0: not looked up yet; -1: none */
    int *slot = id < 2048 ? &cache[id] : NULL;
    if (slot && *slot > 0)
        return rb_enc_from_index(*slot - 1);
    if (slot && *slot < 0)
        return fallback;
    const char *name = m2_collation_ruby_name(id);
    int index = name ? rb_enc_find_index(name) : -1;
    if (slot)
        *slot = index >= 0 ? index + 1 : -1;
    return index >= 0 ? rb_enc_from_index(index) : fallback;
}

static rb_encoding *column_encoding(const MYSQL_FIELD *f, rb_encoding *conn_enc)
{
    if (((f->flags & BINARY_FLAG) && f->charsetnr == BINARY_CHARSET) || f->charsetnr == 0)
        return rb_ascii8bit_encoding();
    return collation_encoding(f->charsetnr, conn_enc);
}

/* MySQL's JSON type, or MariaDB's (a string or blob column whose extended metadata names the format "json"). */
static bool field_is_json(const MYSQL_FIELD *f)
{
    MARIADB_CONST_STRING format = {0};
    switch (f->type) {
    case MYSQL_TYPE_JSON:
        return true;
    case MYSQL_TYPE_STRING:
    case MYSQL_TYPE_VAR_STRING:
    case MYSQL_TYPE_VARCHAR:
    case MYSQL_TYPE_TINY_BLOB:
    case MYSQL_TYPE_MEDIUM_BLOB:
    case MYSQL_TYPE_LONG_BLOB:
    case MYSQL_TYPE_BLOB:
        break;
    default:
        return false; /* numbers and dates: no need to ask the library */
    }
    return mariadb_field_attr(&format, f, MARIADB_FIELD_ATTR_FORMAT_NAME) == 0 && format.length == 4 &&
           memcmp(format.str, "json", 4) == 0;
}

/* The bytes of a name up to its first NUL (the library's length counts past one). */
static size_t name_size(const char *s, unsigned int length)
{
    return s ? strnlen(s, length) : 0;
}

/* At least name_size: what the block reserves for a name (a name is read once, when it is copied). */
static size_t name_bound(const char *s, unsigned int length)
{
    return s ? length : 0;
}

static char *copy_name(char **cursor, const char *s, size_t len)
{
    char *out = *cursor;
    if (len)
        memcpy(out, s, len);
    out[len] = '\0';
    *cursor += len + 1;
    return out;
}

column *columns_new(MYSQL_FIELD *fields, unsigned int n, rb_encoding *conn_enc)
{
    size_t bytes = n * sizeof(column);
    for (unsigned int i = 0; i < n; i++)
        bytes += name_bound(fields[i].name, fields[i].name_length) +
                 name_bound(fields[i].table, fields[i].table_length) + name_bound(fields[i].db, fields[i].db_length) +
                 3;
    column *cols = xmalloc(bytes ? bytes : 1);
    char *strings = (char *)(cols + n);
    for (unsigned int i = 0; i < n; i++) {
        const MYSQL_FIELD *f = &fields[i];
        column *c = &cols[i];
        *c = (column){.type = f->type,
                      .flags = f->flags,
                      .charsetnr = f->charsetnr,
                      .decimals = f->decimals,
                      .length = f->length,
                      .json = field_is_json(f),
                      .enc = column_encoding(f, conn_enc)};
        c->name_length = name_size(f->name, f->name_length);
        c->name = copy_name(&strings, f->name, c->name_length);
        c->table = copy_name(&strings, f->table, name_size(f->table, f->table_length));
        c->db = copy_name(&strings, f->db, name_size(f->db, f->db_length));
    }
    return cols;
}

static const char *blob_type_name(const column *col, char *buf, size_t size)
{
    if (col->charsetnr == BINARY_CHARSET)
        return col->length <= 255        ? "tinyblob"
               : col->length <= 65535    ? "blob"
               : col->length <= 16777215 ? "mediumblob"
                                         : "longblob";
    switch (col->length) {
    case 255 * 3:
        return "tinytext";
    case 65535 * 3:
        return "text";
    case 16777215UL * 3:
        return "mediumtext";
    case 4294967295UL:
        return "longtext";
    }
    snprintf(buf, size, "text(%lu)", col->length);
    return buf;
}

static const char *string_type_name(const column *col, char *buf, size_t size, bool var)
{
    if (col->json)
        return "json";
    if (col->flags & ENUM_FLAG)
        return "enum";
    if (col->flags & SET_FLAG)
        return "set";
    if (col->charsetnr == BINARY_CHARSET)
        snprintf(buf, size, var ? "varbinary(%lu)" : "binary(%lu)", col->length);
    else
        snprintf(buf, size, var ? "varchar(%lu)" : "char(%lu)", col->length / 3);
    return buf;
}

static const char *sized(char *buf, size_t size, const char *name, unsigned long length)
{
    snprintf(buf, size, "%s(%lu)", name, length);
    return buf;
}

const char *column_type_name(const column *col, char *buf, size_t size)
{
    unsigned int scale = col->decimals;
    switch (col->type) {
    case MYSQL_TYPE_NULL:
        return "null";
    case MYSQL_TYPE_TINY:
        return sized(buf, size, "tinyint", col->length);
    case MYSQL_TYPE_SHORT:
        return sized(buf, size, "smallint", col->length);
    case MYSQL_TYPE_INT24:
        return sized(buf, size, "mediumint", col->length);
    case MYSQL_TYPE_LONG:
        return sized(buf, size, "int", col->length);
    case MYSQL_TYPE_LONGLONG:
        return sized(buf, size, "bigint", col->length);
    case MYSQL_TYPE_YEAR:
        return sized(buf, size, "year", col->length);
    case MYSQL_TYPE_FLOAT:
    case MYSQL_TYPE_DOUBLE:
        snprintf(buf, size, "%s(%lu,%u)", col->type == MYSQL_TYPE_FLOAT ? "float" : "double", col->length, scale);
        return buf;
    case MYSQL_TYPE_DECIMAL:
    case MYSQL_TYPE_NEWDECIMAL:
        snprintf(buf, size, "decimal(%lu,%u)", col->length - (scale > 0 ? 2 : 1), scale);
        return buf;
    case MYSQL_TYPE_DATE:
    case MYSQL_TYPE_NEWDATE:
        return "date";
    case MYSQL_TYPE_DATETIME:
        return "datetime";
    case MYSQL_TYPE_TIMESTAMP:
        return "timestamp";
    case MYSQL_TYPE_TIME:
        return "time";
    case MYSQL_TYPE_STRING:
        return string_type_name(col, buf, size, false);
    case MYSQL_TYPE_VAR_STRING:
    case MYSQL_TYPE_VARCHAR:
        return string_type_name(col, buf, size, true);
    case MYSQL_TYPE_TINY_BLOB:
    case MYSQL_TYPE_MEDIUM_BLOB:
    case MYSQL_TYPE_LONG_BLOB:
    case MYSQL_TYPE_BLOB:
        return col->json ? "json" : blob_type_name(col, buf, size);
    case MYSQL_TYPE_BIT:
        return sized(buf, size, "bit", col->length);
    case MYSQL_TYPE_ENUM:
        return "enum";
    case MYSQL_TYPE_SET:
        return "set";
    case MYSQL_TYPE_GEOMETRY:
        return "geometry";
    case MYSQL_TYPE_JSON:
        return "json";
    default:
        return (int)col->type == 242 ? "vector" : "unknown";
    }
}
