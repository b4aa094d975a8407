/*
 * mysql2_ext.c: the extension's entry point. Each class initialises itself in its own file.
 */
#include "statement.h"

VALUE mMysql2, cDate, cDateTime, cBigDecimal;

/* The standard-library classes that cells are cast to and binds are converted from. */
static void init_library_classes(void)
{
    rb_require("date");
    rb_require("bigdecimal");
    cDate = rb_path2class("Date");
    cDateTime = rb_path2class("DateTime");
    cBigDecimal = rb_path2class("BigDecimal");
    rb_gc_register_mark_object(cDate);
    rb_gc_register_mark_object(cDateTime);
    rb_gc_register_mark_object(cBigDecimal);
}

RUBY_FUNC_EXPORTED void Init_mysql2(void);
RUBY_FUNC_EXPORTED void Init_mysql2(void)
{
    if (mysql_library_init(0, NULL, NULL) != 0)
        rb_raise(rb_eRuntimeError, "Could not initialize MySQL client library");
    m2_conn_library_init();
    mMysql2 = rb_define_module("Mysql2");
    init_library_classes();
    init_mysql2_error();
    init_mysql2_client();
    init_mysql2_client_options();
    init_mysql2_client_command();
    init_mysql2_client_constants();
    init_mysql2_client_tls();
    init_mysql2_result();
    init_mysql2_query_options();
    init_mysql2_cast();
    init_mysql2_statement();
}
