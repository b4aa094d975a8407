/*
 * m2_tls.c: see m2_tls.h. Reaches the OpenSSL session through Connector/C's public pvio/tls headers
 * (ma_pvio.h, ma_tls.h); only when the library reports OpenSSL as its TLS backend.
 */
#include "m2_tls.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

/* The library's own view: protocol and cipher; identity_verified from the verify-server-cert option. Returns -1
 * when the session is not encrypted. */
static int library_info(MYSQL *mysql, m2_tls_info *info)
{
    const char *cipher = mysql_get_ssl_cipher(mysql);
    const char *version = NULL;
    if (!cipher)
        return -1;
    memset(info, 0, sizeof(*info));
    snprintf(info->cipher, sizeof(info->cipher), "%s", cipher);
    if (mariadb_get_infov(mysql, MARIADB_CONNECTION_TLS_VERSION, &version) == 0 && version)
        snprintf(info->version, sizeof(info->version), "%s", version);
    my_bool verify_identity = 0;
    if (mysql_get_optionv(mysql, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &verify_identity) == 0)
        info->identity_verified = verify_identity != 0; /* connected: the library's name check passed */
    return 0;
}

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
static void copy_name(X509_NAME *name, char *out, size_t len)
{
    if (!name || !X509_NAME_oneline(name, out, (int)len))
        out[0] = '\0';
}

static int64_t asn1_time_to_epoch(const ASN1_TIME *t)
{
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    if (!t || ASN1_TIME_to_tm(t, &tm) != 1)
        return 0;
    return (int64_t)timegm(&tm);
}

static void sha256_hex(X509 *cert, char out[65])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    out[0] = '\0';
    if (X509_digest(cert, EVP_sha256(), md, &n) != 1 || n != 32)
        return;
    for (unsigned int i = 0; i < n; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
}

static void peer_info(X509 *peer, m2_tls_info *info)
{
    info->has_peer = true;
    info->cert_version = X509_get_version(peer) + 1; /* OpenSSL counts from 0 */
    copy_name(X509_get_subject_name(peer), info->subject, sizeof(info->subject));
    copy_name(X509_get_issuer_name(peer), info->issuer, sizeof(info->issuer));
    sha256_hex(peer, info->fingerprint);
    info->not_before = asn1_time_to_epoch(X509_get0_notBefore(peer));
    info->not_after = asn1_time_to_epoch(X509_get0_notAfter(peer));
}

int m2_tls_info_get(MYSQL *mysql, m2_tls_info *info)
{
    if (library_info(mysql, info) != 0)
        return -1;
    SSL *ssl = session_ssl(mysql);
    if (!ssl)
        return 1;
    info->has_verify = true;
    info->verify_result = SSL_get_verify_result(ssl);
    info->identity_verified = info->identity_verified && info->verify_result == X509_V_OK;
    X509 *peer = SSL_get1_peer_certificate(ssl);
    if (peer) {
        peer_info(peer, info);
        X509_free(peer);
    }
    return 0;
}
#else

int m2_tls_info_get(MYSQL *mysql, m2_tls_info *info)
{
    return library_info(mysql, info) == 0 ? 1 : -1;
}

int m2_tls_verify_chain(MYSQL *mysql, char *msg, size_t len)
{
    (void)mysql;
    snprintf(msg, len, "this build has no OpenSSL headers, so the certificate cannot be checked");
    return -1;
}
#endif
