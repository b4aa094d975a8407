/*
 * client_options.c: the private option setters that Mysql2::Client#initialize calls before connecting, and the
 * private connect. Every option goes through m2_conn_set_option, which also records it for reconnect and for
 * side connections.
 */
#include "client.h"
#include "m2_charset.h"

#include <string.h>

static client_t *client_unconnected(VALUE self)
{
    client_t *cl = client_get(self);
    if (cl->conn->state == M2_STATE_READY)
        m2r_raise(cMysql2Error, "MySQL connection is already open");
    return cl;
}

static void set_option(VALUE self, enum mysql_option option, m2_arg kind, unsigned int value, const char *s1,
                       const char *s2)
{
    int rc = m2_conn_set_option(client_unconnected(self)->conn, option, kind, value, s1, s2);
    if (rc < 0)
        rb_raise(rb_eNoMemError, "failed to store a MySQL client option");
    if (rc > 0)
        m2r_raise(cMysql2Error, "the MySQL client library refused option %d", (int)option);
}

/* A timeout option in whole seconds: negative raises Mysql2::Error (mysql2's message), beyond UINT_MAX (a
 * Bignum included) ArgumentError. */
static unsigned int timeout_value(VALUE value, const char *name)
{
    if (RB_TYPE_P(value, T_BIGNUM))
        value = rb_big_sign(value) ? LONG2NUM(LONG_MAX) : LONG2NUM(-1);
    long seconds = NUM2LONG(value);
    if (seconds < 0)
        m2r_raise(cMysql2Error, "%s must be a positive integer, you passed %ld", name, seconds);
    if (seconds > (long)UINT_MAX)
        rb_raise(rb_eArgError, "%s is too large: %ld", name, seconds);
    return (unsigned int)seconds;
}

static VALUE client_set_connect_timeout(VALUE self, VALUE value)
{
    set_option(self, MYSQL_OPT_CONNECT_TIMEOUT, M2_ARG_UINT, timeout_value(value, "connect_timeout"), NULL, NULL);
    return value;
}

static VALUE client_set_read_timeout(VALUE self, VALUE value)
{
    set_option(self, MYSQL_OPT_READ_TIMEOUT, M2_ARG_UINT, timeout_value(value, "read_timeout"), NULL, NULL);
    return value;
}

static VALUE client_set_write_timeout(VALUE self, VALUE value)
{
    set_option(self, MYSQL_OPT_WRITE_TIMEOUT, M2_ARG_UINT, timeout_value(value, "write_timeout"), NULL, NULL);
    return value;
}

static VALUE client_set_local_infile(VALUE self, VALUE value)
{
    set_option(self, MYSQL_OPT_LOCAL_INFILE, M2_ARG_UINT, RTEST(value) ? 1 : 0, NULL, NULL);
    return value;
}

static VALUE client_set_init_command(VALUE self, VALUE value)
{
    set_option(self, MYSQL_INIT_COMMAND, M2_ARG_STR, 0, StringValueCStr(value), NULL);
    return value;
}

/* call-seq: client.reconnect = bool
 * Reconnect (and re-run init_command) before the next command when the session was lost; never after close.
 * Like every connect option, and as in mysql2, it raises "MySQL connection is already open" while connected;
 * it may be set before connect (the reconnect: option) and once the session was lost. */
static VALUE client_set_reconnect(VALUE self, VALUE value)
{
    client_unconnected(self)->reconnect = RTEST(value);
    return value;
}

/* Largest :query_timeout accepted (about 31 years): beyond it Ruby's waits cannot represent the timeout. */
#define QUERY_TIMEOUT_MAX 1e9

/* call-seq: client.query_timeout = seconds or nil
 * A wall-clock bound for each query: when it passes, KILL QUERY is sent from a side connection and the query
 * raises Mysql2::Error::TimeoutError. Also kills the server-side query when a query is interrupted. nil or 0: no
 * bound; negative, NaN, Infinity or more than QUERY_TIMEOUT_MAX seconds: ArgumentError. */
static VALUE client_set_query_timeout(VALUE self, VALUE value)
{
    double seconds = NIL_P(value) ? 0 : NUM2DBL(value);
    if (seconds < 0 || seconds != seconds)
        rb_raise(rb_eArgError, "query_timeout must be a positive number of seconds, you passed %" PRIsVALUE,
                 rb_inspect(value));
    if (seconds > QUERY_TIMEOUT_MAX)
        rb_raise(rb_eArgError, "query_timeout is too large: %" PRIsVALUE " (at most %.0f seconds)", rb_inspect(value),
                 QUERY_TIMEOUT_MAX);
    client_get(self)->query_timeout = seconds;
    return value;
}

/* call-seq: client.query_timeout -> Float or nil: the :query_timeout in seconds */
static VALUE client_query_timeout(VALUE self)
{
    double seconds = client_get(self)->query_timeout;
    return seconds > 0 ? DBL2NUM(seconds) : Qnil;
}

/* call-seq: client.charset_name = name
 * The connection character set (MYSQL_SET_CHARSET_NAME); Client#encoding becomes its Ruby encoding. */
static VALUE client_set_charset_name(VALUE self, VALUE value)
{
    const char *name = StringValueCStr(value);
    const char *ruby = m2_charset_ruby_name(name, NULL);
    int index = ruby ? rb_enc_find_index(ruby) : -1;
    if (index < 0)
        rb_raise(cMysql2Error, "Unsupported charset: '%" PRIsVALUE "'", rb_inspect(value));
    set_option(self, MYSQL_SET_CHARSET_NAME, M2_ARG_STR, 0, name, NULL);
    client_get(self)->encoding = rb_enc_from_index(index);
    return value;
}

static VALUE set_string(VALUE self, enum mysql_option option, VALUE value)
{
    if (!NIL_P(value))
        set_option(self, option, M2_ARG_STR, 0, StringValueCStr(value), NULL);
    return value;
}

static VALUE set_bool(VALUE self, enum mysql_option option, VALUE value)
{
    set_option(self, option, M2_ARG_BOOL, RTEST(value) ? 1 : 0, NULL, NULL);
    return value;
}

static VALUE client_set_default_file(VALUE self, VALUE value)
{
    return set_string(self, MYSQL_READ_DEFAULT_FILE, value);
}

static VALUE client_set_default_group(VALUE self, VALUE value)
{
    return set_string(self, MYSQL_READ_DEFAULT_GROUP, value);
}

static VALUE client_set_default_auth(VALUE self, VALUE value)
{
    return set_string(self, MYSQL_DEFAULT_AUTH, value);
}

static VALUE client_set_secure_auth(VALUE self, VALUE value)
{
    return set_bool(self, MYSQL_SECURE_AUTH, value);
}

static VALUE client_set_enable_cleartext_plugin(VALUE self, VALUE value)
{
    return set_bool(self, MYSQL_ENABLE_CLEARTEXT_PLUGIN, value);
}

/* MariaDB Connector/C fetches an RSA public key on its own; the MySQL option does not exist there. */
static VALUE client_set_get_server_public_key(VALUE self, VALUE value)
{
    (void)self;
    (void)value;
    rb_raise(cMysql2Error, "get-server-public-key is not available, you may need a newer MySQL client library");
}

static VALUE client_set_tls_version(VALUE self, VALUE value)
{
    return set_string(self, MARIADB_OPT_TLS_VERSION, value);
}

static VALUE client_set_tls_passphrase(VALUE self, VALUE value)
{
    return set_string(self, MARIADB_OPT_TLS_PASSPHRASE, value);
}

/* call-seq: client.ssl_set(key, cert, ca, capath, cipher) -> nil
 * Private. The TLS files and cipher list; nil leaves one unset. Asks for TLS when the server offers it. */
static VALUE client_ssl_set(VALUE self, VALUE key, VALUE cert, VALUE ca, VALUE capath, VALUE cipher)
{
    set_string(self, MYSQL_OPT_SSL_KEY, key);
    set_string(self, MYSQL_OPT_SSL_CERT, cert);
    set_string(self, MYSQL_OPT_SSL_CA, ca);
    set_string(self, MYSQL_OPT_SSL_CAPATH, capath);
    set_string(self, MYSQL_OPT_SSL_CIPHER, cipher);
    return Qnil;
}

/* call-seq: client.ssl_mode = mode (SSL_MODE_DISABLED .. SSL_MODE_VERIFY_IDENTITY)
 * Private. See doc/adr/0003-tls-modes.md. disabled: no TLS; preferred: TLS when the server offers it, else
 * plaintext (what Connector/C 3.3 makes of MYSQL_OPT_SSL_ENFORCE alone); required: TLS or fail (m2_conn checks
 * after the handshake that the session is encrypted); verify_ca: also the server's chain checked against the CA
 * (m2_tls.c); verify_identity: the library checks the chain and the certificate's name against the host. */
static VALUE client_set_ssl_mode(VALUE self, VALUE value)
{
    int mode = NUM2INT(value);
    if (mode < 1 || mode > 5)
        rb_raise(cMysql2Error,
                 "ssl_mode= takes DISABLED, PREFERRED, REQUIRED, VERIFY_CA, VERIFY_IDENTITY, you passed: %d", mode);
    if (mode == 1) /* disabled: Client#initialize passes no TLS option at all */
        return value;
    set_option(self, MYSQL_OPT_SSL_ENFORCE, M2_ARG_BOOL, 1, NULL, NULL);
    m2_conn *c = client_unconnected(self)->conn;
    c->require_tls = mode >= 3;
    c->verify_chain = mode == 4; /* the library would also check the host name; m2_tls checks the chain alone */
    if (mode == 5)
        set_option(self, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, M2_ARG_BOOL, 1, NULL, NULL);
    return value;
}

static char *optional_cstr(VALUE s)
{
    return NIL_P(s) ? NULL : StringValueCStr(s);
}

static VALUE connect_body(command_t *cmd)
{
    m2_params *p = cmd->data;
    if (m2_conn_set_params(cmd->conn, p) != 0)
        rb_raise(rb_eNoMemError, "failed to store the connection parameters");
    command_connect(cmd);
    return Qnil;
}

/*
 * call-seq: client.connect(user, pass, host, port, database, socket, flags, conn_attrs, tls_sni_name) -> nil
 *
 * Private. Connects with the options set so far; waits through the wait primitive (other threads and fibers run).
 * Raises Mysql2::Error::ConnectionError (with the server's error number) when it fails.
 */
static int add_connect_attr(VALUE key, VALUE value, VALUE self)
{
    rb_encoding *enc = client_get(self)->encoding;
    VALUE k = rb_str_export_to_enc(rb_obj_as_string(key), enc);
    VALUE v = rb_str_export_to_enc(rb_obj_as_string(value), enc);
    set_option(self, MYSQL_OPT_CONNECT_ATTR_ADD, M2_ARG_STR2, 0, StringValueCStr(k), StringValueCStr(v));
    return ST_CONTINUE;
}

static void set_connect_attrs(VALUE self, VALUE conn_attrs)
{
    if (NIL_P(conn_attrs))
        return;
    Check_Type(conn_attrs, T_HASH);
    set_option(self, MYSQL_OPT_CONNECT_ATTR_RESET, M2_ARG_NONE, 0, NULL, NULL);
    rb_hash_foreach(conn_attrs, add_connect_attr, self);
}

static VALUE client_connect(VALUE self, VALUE user, VALUE pass, VALUE host, VALUE port, VALUE database, VALUE socket,
                            VALUE flags, VALUE conn_attrs, VALUE tls_sni_name)
{
    if (!NIL_P(tls_sni_name))
        rb_raise(cMysql2Error, "tls_sni_name is not available, you may need a newer MySQL client library (added in "
                               "MySQL 8.1; not supported on MariaDB)");
    client_unconnected(self);
    set_connect_attrs(self, conn_attrs);
    m2_params p = {.user = optional_cstr(user),
                   .password = optional_cstr(pass),
                   .host = optional_cstr(host),
                   .database = optional_cstr(database),
                   .socket = optional_cstr(socket)};
    p.port = NIL_P(port) ? 0 : NUM2UINT(port);
    p.flags = NIL_P(flags) ? 0 : NUM2ULONG(flags);
    client_command(self, "connect", CMD_NO_RECONNECT, connect_body, &p);
    return Qnil;
}

static VALUE client_connect_m(int argc, VALUE *argv, VALUE self)
{
    rb_check_arity(argc, 9, 9);
    return client_connect(self, argv[0], argv[1], argv[2], argv[3], argv[4], argv[5], argv[6], argv[7], argv[8]);
}

static VALUE client_initialize_ext(VALUE self)
{
    client_get(self);
    return Qnil;
}

void init_mysql2_client_options(void)
{
    rb_define_private_method(cMysql2Client, "initialize_ext", client_initialize_ext, 0);
    rb_define_private_method(cMysql2Client, "connect_timeout=", client_set_connect_timeout, 1);
    rb_define_private_method(cMysql2Client, "read_timeout=", client_set_read_timeout, 1);
    rb_define_private_method(cMysql2Client, "write_timeout=", client_set_write_timeout, 1);
    rb_define_private_method(cMysql2Client, "local_infile=", client_set_local_infile, 1);
    rb_define_private_method(cMysql2Client, "init_command=", client_set_init_command, 1);
    rb_define_private_method(cMysql2Client, "charset_name=", client_set_charset_name, 1);
    rb_define_private_method(cMysql2Client, "connect", client_connect_m, -1);
    rb_define_private_method(cMysql2Client, "default_file=", client_set_default_file, 1);
    rb_define_private_method(cMysql2Client, "default_group=", client_set_default_group, 1);
    rb_define_private_method(cMysql2Client, "default_auth=", client_set_default_auth, 1);
    rb_define_private_method(cMysql2Client, "secure_auth=", client_set_secure_auth, 1);
    rb_define_private_method(cMysql2Client, "enable_cleartext_plugin=", client_set_enable_cleartext_plugin, 1);
    rb_define_private_method(cMysql2Client, "get_server_public_key=", client_set_get_server_public_key, 1);
    rb_define_private_method(cMysql2Client, "tls_version=", client_set_tls_version, 1);
    rb_define_private_method(cMysql2Client, "tls_passphrase=", client_set_tls_passphrase, 1);
    rb_define_private_method(cMysql2Client, "ssl_set", client_ssl_set, 5);
    rb_define_private_method(cMysql2Client, "ssl_mode=", client_set_ssl_mode, 1);
    rb_define_method(cMysql2Client, "reconnect=", client_set_reconnect, 1);
    rb_define_method(cMysql2Client, "query_timeout=", client_set_query_timeout, 1);
    rb_define_method(cMysql2Client, "query_timeout", client_query_timeout, 0);
}
