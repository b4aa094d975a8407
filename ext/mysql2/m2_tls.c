/*
 * m2_tls.c: see m2_tls.h. Reaches the OpenSSL session through Connector/C's public pvio/tls headers
 * (ma_pvio.h, ma_tls.h); only when the library reports OpenSSL as its TLS backend.
 */
#include "m2_tls.h"

#include <stdio.h>
#include <string.h>

#ifdef HAVE_OPENSSL_SSL_H
#define HAVE_TLS 1           /* ma_pvio.h then declares the TLS member of the pvio with its real type */
typedef unsigned char uchar; /* what ma_tls.h expects from the library's private ma_global.h */
#define MY_GLOBAL_INCLUDED 1 /* ...and keeps ma_pvio.h from declaring it a second time */
#include <ma_pvio.h>
#include <ma_tls.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

static SSL *session_ssl(MYSQL *mysql)
{
    const char *library = NULL;
    if (mariadb_get_infov(mysql, MARIADB_TLS_LIBRARY, &library) != 0 || !library || strncmp(library, "OpenSSL", 7) != 0)
        return NULL;
    MARIADB_PVIO *pvio = mysql->net.pvio;
    if (!pvio || !pvio->ctls)
        return NULL;
    return pvio->ctls->ssl;
}

int m2_tls_verify_chain(MYSQL *mysql, char *msg, size_t len)
{
    SSL *ssl = session_ssl(mysql);
    if (!ssl) {
        snprintf(msg, len, "the connection is not encrypted with OpenSSL, so the certificate cannot be checked");
        return -1;
    }
    X509 *peer = SSL_get1_peer_certificate(ssl);
    if (!peer) {
        snprintf(msg, len, "the server sent no certificate");
        return -1;
    }
    X509_free(peer);
    long result = SSL_get_verify_result(ssl);
    if (result == X509_V_OK)
        return 0;
    snprintf(msg, len, "%s", X509_verify_cert_error_string(result));
    return (int)result;
}
#else

int m2_tls_verify_chain(MYSQL *mysql, char *msg, size_t len)
{
    (void)mysql;
    snprintf(msg, len, "this build has no OpenSSL headers, so the certificate cannot be checked");
    return -1;
}
#endif
