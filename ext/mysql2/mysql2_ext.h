/*
 * Umbrella header of the Ruby binding: Ruby, the pure-C connection layer, the class objects and the shared helpers.
 * Compatibility shims (if any are ever needed) go here and nowhere else.
 */
#ifndef MYSQL2_EXT_H
#define MYSQL2_EXT_H

#include <ruby.h>
#include <ruby/encoding.h>
#include <ruby/io.h>
#include <ruby/thread.h>

#include "m2_conn.h"

/* A Hash with room for n entries (rows are built at their final size). */
#if defined(HAVE_RB_HASH_NEW_CAPA)
#define m2r_hash_new_capa(n) rb_hash_new_capa(n)
#elif defined(HAVE_RB_HASH_NEW_WITH_SIZE)
VALUE rb_hash_new_with_size(st_index_t size); /* exported by Ruby before 3.2, declared only in its internals */
#define m2r_hash_new_capa(n) rb_hash_new_with_size(n)
#else
#define m2r_hash_new_capa(n) rb_hash_new()
#endif

extern VALUE mMysql2, cMysql2Client, cMysql2Result, cMysql2Error, cMysql2ConnectionError, cMysql2TimeoutError;
extern VALUE cDate, cDateTime, cBigDecimal; /* loaded by Init_mysql2 */

void init_mysql2_error(void);
void init_mysql2_client(void);
void init_mysql2_client_options(void);
void init_mysql2_client_command(void);
void init_mysql2_client_constants(void);
void init_mysql2_client_tls(void);
void init_mysql2_result(void);

/* error.c: every raise goes through these. Messages are UTF-8; error_number/sql_state are nil unless given. */
void m2r_raise(VALUE klass, const char *fmt, ...) __attribute__((noreturn, format(printf, 2, 3)));
/* Raises the error captured on `conn` by its last operation, as Mysql2::Error.new_with_args (the subclass comes
 * from the error number). The message is UTF-8, decoded from `conn_enc` (the connection's encoding) when the
 * session is established. */
void m2r_raise_conn_error(const m2_conn *conn, rb_encoding *conn_enc) __attribute__((noreturn));
void m2r_raise_not_connected(void) __attribute__((noreturn));

/* Monotonic clock in seconds. */
double m2r_now(void);

/* `str` (a String) in the connection's encoding `enc`, for sending to the server: converted when it is in another
 * encoding, unchanged when it is binary (ASCII-8BIT) or already in `enc` (its bytes are then the caller's). A
 * character `enc` cannot represent, or an invalid byte sequence met while converting, raises
 * Encoding::UndefinedConversionError / InvalidByteSequenceError: never are unconverted bytes sent. */
VALUE m2r_str_to_conn_enc(VALUE str, rb_encoding *enc);

#endif
