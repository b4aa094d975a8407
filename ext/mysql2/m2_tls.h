/*
 * m2_tls: checks on a connected TLS session that MariaDB Connector/C 3.3 cannot express as options. Pure C.
 */
#ifndef M2_TLS_H
#define M2_TLS_H

#include <stddef.h>

#include <mysql.h>

/* Verifies the server's certificate chain against the CA the session was configured with, without looking at the
 * host name (ssl_mode: :verify_ca). Returns 0 when it verifies; otherwise writes the reason into msg and returns
 * non-zero. */
int m2_tls_verify_chain(MYSQL *mysql, char *msg, size_t len);

#endif
