/*
 * client_tls.c: Mysql2::Client#tls_info, a Ruby Hash over what m2_tls reads from the connected TLS session.
 */
#include "client.h"
#include "m2_tls.h"

#include <limits.h>

static VALUE sym(const char *name)
{
    return ID2SYM(rb_intern(name));
}

static VALUE utc_time(int64_t epoch)
{
    struct timespec ts = {.tv_sec = (time_t)epoch, .tv_nsec = 0};
    return rb_time_timespec_new(&ts, INT_MAX - 1); /* INT_MAX - 1: a UTC Time */
}

static VALUE peer_cert_hash(const m2_tls_info *info)
{
    VALUE cert = rb_hash_new();
    rb_hash_aset(cert, sym("version"), LONG2NUM(info->cert_version));
    rb_hash_aset(cert, sym("subject"), rb_utf8_str_new_cstr(info->subject));
    rb_hash_aset(cert, sym("issuer"), rb_utf8_str_new_cstr(info->issuer));
    rb_hash_aset(cert, sym("fingerprint"), rb_usascii_str_new_cstr(info->fingerprint));
    rb_hash_aset(cert, sym("not_before"), utc_time(info->not_before));
    rb_hash_aset(cert, sym("not_after"), utc_time(info->not_after));
    return cert;
}

/*
 * call-seq: client.tls_info -> Hash or nil
 *
 * nil when the connection is not encrypted. Otherwise
 *   {tls_version: "TLSv1.3", cipher: "...", verify_status: Integer or nil, identity_verified: true/false,
 *    peer_cert: {version:, subject:, issuer:, fingerprint:, not_before:, not_after:} or nil}
 * verify_status is OpenSSL's verdict on the server's chain against the configured CA (0 = OpenSSL::X509::V_OK,
 * else an X509_V_ERR_* code; computed for every mode, so :required without a CA reports why the chain is
 * untrusted); nil when the library does not use OpenSSL. identity_verified: the library checked the chain and
 * the host name (:verify_identity / sslverify). fingerprint is the lowercase hex SHA-256 of the DER certificate;
 * the times are UTC. Reads the session's state only: no command, no guard. Raises when not connected.
 */
static VALUE client_tls_info(VALUE self)
{
    m2_tls_info info;
    int rc = m2_tls_info_get(client_live_conn(self)->mysql, &info);
    if (rc < 0)
        return Qnil;
    VALUE h = rb_hash_new();
    rb_hash_aset(h, sym("tls_version"), info.version[0] ? rb_usascii_str_new_cstr(info.version) : Qnil);
    rb_hash_aset(h, sym("cipher"), rb_usascii_str_new_cstr(info.cipher));
    rb_hash_aset(h, sym("verify_status"), info.has_verify ? LONG2NUM(info.verify_result) : Qnil);
    rb_hash_aset(h, sym("identity_verified"), info.identity_verified ? Qtrue : Qfalse);
    rb_hash_aset(h, sym("peer_cert"), info.has_peer ? peer_cert_hash(&info) : Qnil);
    return h;
}

void init_mysql2_client_tls(void)
{
    rb_define_method(cMysql2Client, "tls_info", client_tls_info, 0);
}
