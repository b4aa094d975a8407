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

void m2r_raise_conn_error(const m2_conn *conn)
{
    VALUE msg = rb_utf8_str_new_cstr(m2_conn_error(conn));
    VALUE state = rb_usascii_str_new_cstr(m2_conn_sqlstate(conn));
    VALUE version = Qnil;
    if (conn->mysql && conn->state == M2_STATE_READY)
        version = ULONG2NUM(mysql_get_server_version(conn->mysql));
    VALUE args[4] = {msg, version, UINT2NUM(m2_conn_errno(conn)), state};
    rb_exc_raise(rb_funcallv(cMysql2Error, id_new_with_args, 4, args));
}

void m2r_raise_not_connected(void)
{
    m2r_raise(cMysql2ConnectionError, "MySQL client is not connected");
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
