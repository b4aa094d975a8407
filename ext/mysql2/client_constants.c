/*
 * client_constants.c: Mysql2::Client's constants, taken from the client library's headers. A flag the library
 * does not define is left out, except the three that mysql2 always defines (as 0 when missing).
 */
#include "client.h"

#ifndef CLIENT_LONG_PASSWORD
#define CLIENT_LONG_PASSWORD 0 /* MariaDB names bit 0 CLIENT_MYSQL; mysql2 defines the constant as 0 then */
#endif

typedef struct named_flag {
    const char *name;
    unsigned long value;
} named_flag;

static const named_flag flags[] = {
    {"LONG_PASSWORD", CLIENT_LONG_PASSWORD},
    {"FOUND_ROWS", CLIENT_FOUND_ROWS},
    {"LONG_FLAG", CLIENT_LONG_FLAG},
    {"CONNECT_WITH_DB", CLIENT_CONNECT_WITH_DB},
    {"NO_SCHEMA", CLIENT_NO_SCHEMA},
    {"COMPRESS", CLIENT_COMPRESS},
    {"ODBC", CLIENT_ODBC},
    {"LOCAL_FILES", CLIENT_LOCAL_FILES},
    {"IGNORE_SPACE", CLIENT_IGNORE_SPACE},
    {"PROTOCOL_41", CLIENT_PROTOCOL_41},
    {"INTERACTIVE", CLIENT_INTERACTIVE},
    {"SSL", CLIENT_SSL},
    {"IGNORE_SIGPIPE", CLIENT_IGNORE_SIGPIPE},
    {"TRANSACTIONS", CLIENT_TRANSACTIONS},
    {"RESERVED", CLIENT_RESERVED},
    {"SECURE_CONNECTION", CLIENT_SECURE_CONNECTION},
    {"MULTI_STATEMENTS", CLIENT_MULTI_STATEMENTS},
    {"MULTI_RESULTS", CLIENT_MULTI_RESULTS},
    {"PS_MULTI_RESULTS", CLIENT_PS_MULTI_RESULTS},
    {"SSL_VERIFY_SERVER_CERT", CLIENT_SSL_VERIFY_SERVER_CERT},
    {"REMEMBER_OPTIONS", CLIENT_REMEMBER_OPTIONS},
    {"CONNECT_ATTRS", CLIENT_CONNECT_ATTRS},
    {"SESSION_TRACKING", CLIENT_SESSION_TRACKING},
#ifdef CLIENT_ALL_FLAGS
    {"ALL_FLAGS", CLIENT_ALL_FLAGS},
#endif
#ifdef CLIENT_BASIC_FLAGS
    {"BASIC_FLAGS", CLIENT_BASIC_FLAGS},
#endif
};

static const named_flag others[] = {
    {"OPTION_MULTI_STATEMENTS_ON", MYSQL_OPTION_MULTI_STATEMENTS_ON},
    {"OPTION_MULTI_STATEMENTS_OFF", MYSQL_OPTION_MULTI_STATEMENTS_OFF},
    {"SESSION_TRACK_SYSTEM_VARIABLES", SESSION_TRACK_SYSTEM_VARIABLES},
    {"SESSION_TRACK_SCHEMA", SESSION_TRACK_SCHEMA},
    {"SESSION_TRACK_STATE_CHANGE", SESSION_TRACK_STATE_CHANGE},
    {"SESSION_TRACK_GTIDS", SESSION_TRACK_GTIDS},
    {"SESSION_TRACK_TRANSACTION_CHARACTERISTICS", SESSION_TRACK_TRANSACTION_CHARACTERISTICS},
    {"SESSION_TRACK_TRANSACTION_STATE", SESSION_TRACK_TRANSACTION_STATE},
    /* TLS modes, mysql2's numbering (see client_set_ssl_mode for what MariaDB Connector/C can honour). */
    {"SSL_MODE_DISABLED", 1},
    {"SSL_MODE_PREFERRED", 2},
    {"SSL_MODE_REQUIRED", 3},
    {"SSL_MODE_VERIFY_CA", 4},
    {"SSL_MODE_VERIFY_IDENTITY", 5},
};

static void define_all(const named_flag *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        rb_define_const(cMysql2Client, list[i].name, ULONG2NUM(list[i].value));
}

void init_mysql2_client_constants(void)
{
    define_all(flags, sizeof(flags) / sizeof(flags[0]));
    define_all(others, sizeof(others) / sizeof(others[0]));
    rb_define_const(cMysql2Client, "SESSION_TRACK", Qtrue);
    rb_define_const(cMysql2Client, "TLS_VERSION_SUPPORTED", Qtrue);
    rb_define_const(cMysql2Client, "TLS_SNI_SUPPORTED", Qfalse);
    rb_define_const(cMysql2Client, "ESCAPE_QUOTE_SUPPORTED", Qfalse);
    rb_define_const(cMysql2Client, "TLS_PASSPHRASE_SUPPORTED", Qtrue);
    rb_define_const(cMysql2Client, "TLS_PEER_FINGERPRINT_SUPPORTED", Qfalse);
    rb_define_const(cMysql2Client, "TLS_PEER_IDENTITY_VERIFICATION", ID2SYM(rb_intern("native")));
}
