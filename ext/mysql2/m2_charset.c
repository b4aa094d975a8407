/*
 * m2_charset.c: see m2_charset.h. The collation table is generated (rake charsets); the character set table is
 * written by hand. Where several MySQL character sets map to one Ruby encoding, the first entry is the preferred
 * one for the Ruby -> MySQL direction.
 */
#include "m2_charset.h"

#include <stddef.h>
#include <strings.h>

#include "m2_collations.h"

typedef struct charset_entry {
    const char *mysql;
    const char *ruby; /* NULL: no Ruby equivalent */
} charset_entry;

static const charset_entry charsets[] = {
    {"utf8mb4", "UTF-8"},
    {"utf8mb3", "UTF-8"},
    {"binary", "ASCII-8BIT"},
    {"ascii", "US-ASCII"},
    {"latin1", "ISO-8859-1"},
    {"latin2", "ISO-8859-2"},
    {"latin5", "ISO-8859-9"},
    {"latin7", "ISO-8859-13"},
    {"greek", "ISO-8859-7"},
    {"hebrew", "ISO-8859-8"},
    {"cp1250", "Windows-1250"},
    {"cp1251", "Windows-1251"},
    {"cp1256", "Windows-1256"},
    {"cp1257", "Windows-1257"},
    {"cp850", "CP850"},
    {"cp852", "CP852"},
    {"cp866", "IBM866"},
    {"koi8r", "KOI8-R"},
    {"koi8u", "KOI8-U"},
    {"macce", "macCentEuro"},
    {"macroman", "macRoman"},
    {"tis620", "TIS-620"},
    {"sjis", "Shift_JIS"},
    {"cp932", "Windows-31J"},
    {"ujis", "eucJP-ms"},
    {"eucjpms", "eucJP-ms"},
    {"euckr", "EUC-KR"},
    {"big5", "Big5"},
    {"gb2312", "GB2312"},
    {"gbk", "GBK"},
    {"gb18030", "GB18030"},
    {"ucs2", "UTF-16BE"},
    {"utf16", "UTF-16"},
    {"utf16le", "UTF-16LE"},
    {"utf32", "UTF-32"},
    {"dec8", NULL},
    {"hp8", NULL},
    {"swe7", NULL},
    {"armscii8", NULL},
    {"keybcs2", NULL},
    {"geostd8", NULL},
};

#define N_CHARSETS   (sizeof(charsets) / sizeof(charsets[0]))
#define N_COLLATIONS (sizeof(m2_collations) / sizeof(m2_collations[0]))

static const charset_entry *charset_find(const char *name)
{
    if (!name)
        return NULL;
    if (strcasecmp(name, "utf8") == 0)
        name = "utf8mb3";
    for (size_t i = 0; i < N_CHARSETS; i++)
        if (strcasecmp(charsets[i].mysql, name) == 0)
            return &charsets[i];
    return NULL;
}

const char *m2_charset_ruby_name(const char *mysql_charset, const char **canonical)
{
    const charset_entry *e = charset_find(mysql_charset);
    if (canonical)
        *canonical = e ? e->mysql : NULL;
    return e ? e->ruby : NULL;
}

const char *m2_collation_charset(unsigned int id)
{
    size_t lo = 0, hi = N_COLLATIONS;
    while (lo < hi) { /* the table is sorted by id */
        size_t mid = lo + (hi - lo) / 2;
        if (m2_collations[mid].id == id)
            return m2_collations[mid].charset;
        if (m2_collations[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    /* MySQL 8 numbers that MariaDB does not use: the gb18030 and utf8mb4_0900 families. */
    if (id >= 248 && id <= 250)
        return "gb18030";
    if (id >= 255 && id <= 323)
        return "utf8mb4";
    return NULL;
}

const char *m2_collation_ruby_name(unsigned int id)
{
    return m2_charset_ruby_name(m2_collation_charset(id), NULL);
}

const char *m2_charset_for_ruby(const char *ruby_name)
{
    if (!ruby_name)
        return NULL;
    for (size_t i = 0; i < N_CHARSETS; i++)
        if (charsets[i].ruby && strcasecmp(charsets[i].ruby, ruby_name) == 0)
            return charsets[i].mysql;
    return NULL;
}
