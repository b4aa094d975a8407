/*
 * m2_charset: MySQL/MariaDB character sets and collation ids mapped to Ruby encoding names, both ways. Pure C,
 * no Ruby types; the tables are static and read-only (safe from any thread).
 */
#ifndef M2_CHARSET_H
#define M2_CHARSET_H

#include <stdbool.h>

/* Looks up a MySQL character set name (case-insensitive; "utf8" is utf8mb3). Returns the Ruby encoding name, or
 * NULL when the name is unknown or has no Ruby equivalent (dec8, hp8, swe7, armscii8, keybcs2, geostd8); sets
 * *canonical to the server's name for it ("utf8" -> "utf8mb3") when known. */
const char *m2_charset_ruby_name(const char *mysql_charset, const char **canonical);
/* The character set of a collation id (MYSQL_FIELD.charsetnr), or NULL when the id is unknown. */
const char *m2_collation_charset(unsigned int id);
/* The Ruby encoding name for a collation id, or NULL (unknown id, or no Ruby equivalent). */
const char *m2_collation_ruby_name(unsigned int id);
/* The MySQL character set to use for a Ruby encoding name (e.g. "UTF-8" -> "utf8mb4"), or NULL. */
const char *m2_charset_for_ruby(const char *ruby_name);

#endif
