/*
 * error.c: raising Mysql2::Error and its subclasses from C. The classes are defined in lib/mysql2/error.rb and
 * resolved once at load time.
 */
#include "mysql2_ext.h"

#include <stdarg.h>
#include <time.h>

VALUE cMysql2Error, cMysql2ConnectionError, cMysql2TimeoutError;
static ID id_new_with_args;

void m2r_raise(VALUE klass, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    VALUE msg = rb_vsprintf(fmt, ap);
    va_end(ap);
    rb_enc_associate(msg, rb_utf8_encoding());
    rb_exc_raise(rb_exc_new_str(klass, msg));
}

/* The message as UTF-8. On an established session the server writes messages in the connection's character set
 * (character_set_results): decode them from there when they are valid in it. During the handshake, and for a
 * binary connection, take the bytes as UTF-8 (Mysql2::Error replaces what is invalid). */
static VALUE error_message(const char *text, rb_encoding *conn_enc)
{
    if (!conn_enc || conn_enc == rb_ascii8bit_encoding() || conn_enc == rb_utf8_encoding())
        return rb_utf8_str_new_cstr(text);
    VALUE msg = rb_enc_str_new_cstr(text, conn_enc);
    if (rb_enc_str_coderange(msg) == ENC_CODERANGE_BROKEN)
        return rb_utf8_str_new_cstr(text);
    return rb_str_conv_enc(msg, conn_enc, rb_utf8_encoding());
}

void m2r_raise_conn_error(const m2_conn *conn, rb_encoding *conn_enc)
{
    bool ready = conn->mysql && conn->state == M2_STATE_READY;
    VALUE msg = error_message(m2_conn_error(conn), ready ? conn_enc : NULL);
    VALUE state = rb_usascii_str_new_cstr(m2_conn_sqlstate(conn));
    VALUE version = Qnil;
    if (ready)
        version = ULONG2NUM(mysql_get_server_version(conn->mysql));
    VALUE args[4] = {msg, version, UINT2NUM(m2_conn_errno(conn)), state};
    rb_exc_raise(rb_funcallv(cMysql2Error, id_new_with_args, 4, args));
}

void m2r_raise_not_connected(void)
{
    m2r_raise(cMysql2ConnectionError, "MySQL client is not connected");
}

VALUE m2r_str_to_conn_enc(VALUE str, rb_encoding *enc)
{
    VALUE out = rb_str_export_to_enc(str, enc); /* returns `str` itself when the conversion fails */
    if (rb_enc_get(out) == enc || rb_enc_get(str) == rb_ascii8bit_encoding())
        return out;
    return rb_str_encode(str, rb_enc_from_encoding(enc), 0, Qnil); /* raises the conversion error */
}

double m2r_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void init_mysql2_error(void)
{
    cMysql2Error = rb_const_get(mMysql2, rb_intern("Error"));
    cMysql2ConnectionError = rb_const_get(cMysql2Error, rb_intern("ConnectionError"));
    cMysql2TimeoutError = rb_const_get(cMysql2Error, rb_intern("TimeoutError"));
    rb_global_variable(&cMysql2Error);
    rb_global_variable(&cMysql2ConnectionError);
    rb_global_variable(&cMysql2TimeoutError);
    id_new_with_args = rb_intern("new_with_args");
}
