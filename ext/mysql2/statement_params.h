/*
 * statement_params: Ruby values converted into the parameter binds of a prepared statement, by class, as mysql2
 * documents it (Integer, Float, String, true/false, nil, Time, DateTime, Date, BigDecimal). Everything is checked
 * and converted before anything is sent: a value of any other class raises TypeError and the statement stays
 * usable.
 */
#ifndef MYSQL2_STATEMENT_PARAMS_H
#define MYSQL2_STATEMENT_PARAMS_H

#include "mysql2_ext.h"

typedef union param_value {
    long long i;
    double d;
    signed char tiny;
    MYSQL_TIME time;
} param_value;

typedef struct param_binds {
    unsigned long n;
    MYSQL_BIND *binds; /* n, reused across executes */
    param_value *values;
} param_binds;

/* Fills the binds from `args` (an Array of n values). Strings the binds point into are pushed onto *keep, an Array
 * made when the first one comes (0 until then: binds of numbers, times and nil need none), which the caller keeps
 * alive until the execute is done (on its stack). */
void param_binds_fill(param_binds *p, VALUE args, rb_encoding *conn_enc, VALUE *keep);
void param_binds_free(param_binds *p);

void init_mysql2_statement_params(void);

#endif
