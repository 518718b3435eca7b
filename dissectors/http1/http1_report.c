/* http1_report: the checklist rows of the HTTP/1.1 upgrade mechanism itself, shown for every
 * session whatever protocol it asked for (RFC 9110 §7.8, RFC 9112). HTTP/1.1 has no part of
 * its own: the request and response heads belong to the session. */
#include "http1.h"

const struct check_row http1_checks[] = {
    { F_HTTP_MALFORMED, NEED_REQUEST_H1, "HTTP/1.1 messages well formed", NULL },
    { F_UPGRADE_CONNECTION_TOKEN_MISSING, NEED_UPGRADE, "Connection lists the upgrade option",
      NULL },
    { F_UPGRADE_IN_HTTP10, NEED_UPGRADE, "request is HTTP/1.1 or later", NULL },
    { F_UPGRADE_101_NOT_REQUESTED, NEED_101, "101 answers an upgrade request", NULL },
    { F_UPGRADE_101_PROTOCOL_NOT_OFFERED, NEED_101,
      "101 switches to a protocol the client offered", NULL },
    { F_UPGRADE_101_UPGRADE_HEADER_MISSING, NEED_101, "101 carries Upgrade", NULL },
    { F_CLIENT_DATA_BEFORE_SWITCH, NEED_101, "client waited for the 101", NULL },
    { 0, 0, NULL, NULL },
};
