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

/* What precedes a block's columns. */
typedef struct columns_head {
    unsigned long refs;
    uint64_t id;
    unsigned int n;
    rb_encoding *conn_enc;
} columns_head;

static columns_head *head_of(const column *cols)
{
    return (columns_head *)cols - 1;
}

column *columns_new(MYSQL_FIELD *fields, unsigned int n, rb_encoding *conn_enc)
{
    static uint64_t last_id; /* with the GVL held */
    size_t bytes = sizeof(columns_head) + n * sizeof(column);
    for (unsigned int i = 0; i < n; i++)
        bytes += name_bound(fields[i].name, fields[i].name_length) +
                 name_bound(fields[i].table, fields[i].table_length) + name_bound(fields[i].db, fields[i].db_length) +
                 3;
    columns_head *head = xmalloc(bytes);
    *head = (columns_head){.refs = 1, .id = ++last_id, .n = n, .conn_enc = conn_enc};
    column *cols = (column *)(head + 1);
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
        c->table_length = name_size(f->table, f->table_length);
        c->db_length = name_size(f->db, f->db_length);
        c->name = copy_name(&strings, f->name, c->name_length);
        c->table = copy_name(&strings, f->table, c->table_length);
        c->db = copy_name(&strings, f->db, c->db_length);
    }
    return cols;
}

column *columns_retain(column *cols)
{
    head_of(cols)->refs++;
    return cols;
}

void columns_release(column *cols)
{
    if (cols && --head_of(cols)->refs == 0)
        xfree(head_of(cols));
}

uint64_t columns_id(const column *cols)
{
    return cols ? head_of(cols)->id : 0;
}

/* Whether `copy` (copy_len bytes, no NUL among them) is the name copy_name makes of s: the library's length counts
 * up to the first NUL, or past one (name_size). */
static bool same_name(const char *copy, unsigned long copy_len, const char *s, unsigned int length)
{
    if (!s || length < copy_len)
        return copy_len == 0;
    return (length == copy_len || s[copy_len] == '\0') && memcmp(copy, s, copy_len) == 0;
}

/* Whether c is what columns_new copies from f. Its encoding follows from the flags and charsetnr compared here and
 * the block's conn_enc (compared by the caller). */
static bool same_column(const column *c, const MYSQL_FIELD *f)
{
    return c->type == f->type && c->flags == f->flags && c->charsetnr == f->charsetnr && c->decimals == f->decimals &&
           c->length == f->length && same_name(c->name, c->name_length, f->name, f->name_length) &&
           same_name(c->table, c->table_length, f->table, f->table_length) &&
           same_name(c->db, c->db_length, f->db, f->db_length) && c->json == field_is_json(f);
}

column *columns_reuse(column *prev, MYSQL_FIELD *fields, unsigned int n, rb_encoding *conn_enc)
{
    if (!prev || head_of(prev)->n != n || head_of(prev)->conn_enc != conn_enc)
        return columns_new(fields, n, conn_enc);
    for (unsigned int i = 0; i < n; i++) {
        if (!same_column(&prev[i], &fields[i]))
            return columns_new(fields, n, conn_enc);
    }
    return columns_retain(prev);
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
