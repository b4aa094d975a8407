/*
 * mysql2_ext.c: the extension's entry point. Each class initialises itself in its own file.
 */
#include "mysql2_ext.h"

VALUE mMysql2;

RUBY_FUNC_EXPORTED void Init_mysql2(void);
RUBY_FUNC_EXPORTED void Init_mysql2(void)
{
    if (mysql_library_init(0, NULL, NULL) != 0)
        rb_raise(rb_eRuntimeError, "Could not initialize MySQL client library");
    mMysql2 = rb_define_module("Mysql2");
    init_mysql2_error();
    init_mysql2_client();
    init_mysql2_client_options();
    init_mysql2_client_command();
    init_mysql2_client_constants();
    init_mysql2_client_tls();
    init_mysql2_result();
}
