/*
 * m2_tls: checks on a connected TLS session that MariaDB Connector/C 3.3 cannot express as options. Pure C.
 */
#ifndef M2_TLS_H
#define M2_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mysql.h>

/* Verifies the server's certificate chain against the CA the session was configured with, without looking at the
 * host name (ssl_mode: :verify_ca). Returns 0 when it verifies; otherwise writes the reason into msg and returns
 * non-zero. */
int m2_tls_verify_chain(MYSQL *mysql, char *msg, size_t len);

/* What m2_tls_info() reports about a connected TLS session; plain values, owned by the caller. */
typedef struct m2_tls_info {
    char version[32];       /* protocol, e.g. "TLSv1.3" */
    char cipher[128];       /* e.g. "TLS_AES_256_GCM_SHA384" */
    bool has_verify;        /* verify_result is meaningful (OpenSSL is the library's TLS backend) */
    long verify_result;     /* OpenSSL's verdict on the server's chain: 0 (X509_V_OK) or an X509_V_ERR_* code */
    bool identity_verified; /* the library checked the chain and the host name (verify_identity), and both passed */
    bool has_peer;          /* the server sent a certificate; the fields below describe it */
    long cert_version;      /* 3 for an X.509 v3 certificate */
    char subject[512];      /* one-line form, "/CN=..." (as OpenSSL::X509::Name#to_s) */
    char issuer[512];
    char fingerprint[65]; /* SHA-256 of the DER certificate, lowercase hex */
    int64_t not_before;   /* validity, seconds since the epoch (UTC) */
    int64_t not_after;
} m2_tls_info;

/* Fills *info for the connected session. Returns 0; -1 when the session is not encrypted (info is then untouched);
 * 1 when it is encrypted but not with OpenSSL: only version and cipher are filled (from the library). Only reads
 * state kept by the library and OpenSSL: no I/O. */
int m2_tls_info_get(MYSQL *mysql, m2_tls_info *info);

#endif
