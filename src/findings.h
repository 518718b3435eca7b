/* findings: the catalogue of everything upscope can find wrong, or notable, in a session.
 *
 * Each finding has a stable ID (a contract: reports and scripts key on it; add IDs, never rename
 * or drop one), a severity, the RFC section it enforces and a one-line title. The table below is
 * the single source; docs/findings.md and upscope.1 describe every entry (a test checks). */
#ifndef UPSCOPE_FINDINGS_H
#define UPSCOPE_FINDINGS_H

enum severity { SEV_INFO, SEV_WARNING, SEV_ERROR, SEV_COUNT };

/* X(ID, SEVERITY, RFC, TITLE) */
#define UPSCOPE_FINDINGS(X) \
    X(UPGRADE_CONNECTION_TOKEN_MISSING, ERROR, "RFC 9110 §7.8", \
      "Upgrade sent without the \"upgrade\" option in Connection") \
    X(UPGRADE_IN_HTTP10, WARNING, "RFC 9110 §7.8", \
      "Upgrade in an HTTP/1.0 message, which a server must ignore") \
    X(UPGRADE_101_NOT_REQUESTED, ERROR, "RFC 9110 §15.2.2", \
      "101 Switching Protocols answering a request that asked for no upgrade") \
    X(UPGRADE_101_TO_HTTP10, ERROR, "RFC 9110 §7.8", \
      "101 Switching Protocols answering an HTTP/1.0 request, whose Upgrade must be ignored") \
    X(UPGRADE_101_PROTOCOL_NOT_OFFERED, ERROR, "RFC 9110 §7.8", \
      "101 switches to a protocol the client did not offer") \
    X(UPGRADE_101_UPGRADE_HEADER_MISSING, ERROR, "RFC 9110 §15.2.2", \
      "101 Switching Protocols without an Upgrade header") \
    X(UPGRADE_426_UPGRADE_HEADER_MISSING, ERROR, "RFC 9110 §15.5.22", \
      "426 Upgrade Required without an Upgrade header") \
    X(CLIENT_DATA_BEFORE_SWITCH, ERROR, "RFC 6455 §4.1, RFC 9110 §7.8", \
      "client sent new-protocol bytes before the server's 101") \
    X(HTTP_MALFORMED, ERROR, "RFC 9112", \
      "malformed HTTP/1.1 message") \
    X(HTTP_HEADER_TOO_LARGE, WARNING, "RFC 9112 §2.3", \
      "HTTP head larger than upscope's limit; not inspected") \
    X(WS_METHOD_NOT_GET, ERROR, "RFC 6455 §4.1", \
      "WebSocket handshake request method is not GET") \
    X(WS_HTTP_VERSION_TOO_OLD, ERROR, "RFC 6455 §4.1", \
      "WebSocket handshake request is not HTTP/1.1 or later") \
    X(WS_HOST_MISSING, ERROR, "RFC 6455 §4.1", \
      "WebSocket handshake request has no Host header") \
    X(WS_KEY_MISSING, ERROR, "RFC 6455 §4.1", \
      "WebSocket handshake request has no Sec-WebSocket-Key") \
    X(WS_KEY_INVALID, ERROR, "RFC 6455 §4.1", \
      "Sec-WebSocket-Key is not base64 of exactly 16 bytes") \
    X(WS_KEY_DUPLICATE, ERROR, "RFC 6455 §11.3.1", \
      "Sec-WebSocket-Key appears more than once") \
    X(WS_VERSION_MISSING, ERROR, "RFC 6455 §4.1", \
      "WebSocket handshake request has no Sec-WebSocket-Version") \
    X(WS_VERSION_UNSUPPORTED, ERROR, "RFC 6455 §4.1", \
      "Sec-WebSocket-Version is not 13") \
    X(WS_426_VERSION_MISSING, ERROR, "RFC 6455 §4.4", \
      "version refused (426, or an error to another version) without Sec-WebSocket-Version") \
    X(WS_ACCEPT_MISSING, ERROR, "RFC 6455 §4.2.2", \
      "101 for WebSocket without Sec-WebSocket-Accept") \
    X(WS_ACCEPT_MISMATCH, ERROR, "RFC 6455 §4.2.2", \
      "Sec-WebSocket-Accept does not match the key") \
    X(WS_RESPONSE_UPGRADE_INVALID, ERROR, "RFC 6455 §4.2.2", \
      "101 for WebSocket without Upgrade: websocket") \
    X(WS_RESPONSE_CONNECTION_INVALID, ERROR, "RFC 6455 §4.2.2", \
      "101 for WebSocket without Connection: Upgrade") \
    X(WS_SUBPROTOCOL_NOT_OFFERED, ERROR, "RFC 6455 §4.1", \
      "server chose a subprotocol the client did not offer") \
    X(WS_EXTENSION_NOT_OFFERED, ERROR, "RFC 6455 §9.1", \
      "server accepted an extension the client did not offer") \
    X(WS_DEFLATE_PARAMS_INVALID, ERROR, "RFC 7692 §7.1", \
      "invalid permessage-deflate parameters") \
    X(WS_ORIGIN_CROSS_SITE, INFO, "RFC 6455 §10.2", \
      "Origin differs from Host (a cross-site WebSocket)") \
    X(WS_CLIENT_FRAME_UNMASKED, ERROR, "RFC 6455 §5.1", \
      "client frame not masked") \
    X(WS_SERVER_FRAME_MASKED, ERROR, "RFC 6455 §5.1", \
      "server frame masked") \
    X(WS_RSV_BITS_SET, ERROR, "RFC 6455 §5.2, RFC 7692 §6", \
      "RSV bit set without an extension that defines it") \
    X(WS_OPCODE_RESERVED, ERROR, "RFC 6455 §5.2", \
      "reserved opcode") \
    X(WS_CONTROL_FRAME_TOO_LONG, ERROR, "RFC 6455 §5.5", \
      "control frame payload longer than 125 bytes") \
    X(WS_CONTROL_FRAME_FRAGMENTED, ERROR, "RFC 6455 §5.5", \
      "control frame without FIN") \
    X(WS_CONTINUATION_UNEXPECTED, ERROR, "RFC 6455 §5.4", \
      "continuation frame with no fragmented message in progress") \
    X(WS_FRAGMENT_INTERLEAVED, ERROR, "RFC 6455 §5.4", \
      "new data message while a fragmented one is unfinished") \
    X(WS_LENGTH_NOT_MINIMAL, ERROR, "RFC 6455 §5.2", \
      "payload length not in its minimal encoding") \
    X(WS_LENGTH_MSB_SET, ERROR, "RFC 6455 §5.2", \
      "64-bit payload length with its most significant bit set") \
    X(WS_TEXT_INVALID_UTF8, ERROR, "RFC 6455 §8.1", \
      "text message is not valid UTF-8") \
    X(WS_CLOSE_CODE_INVALID, ERROR, "RFC 6455 §7.4", \
      "close frame with a status code that must not be sent") \
    X(WS_CLOSE_PAYLOAD_INVALID, ERROR, "RFC 6455 §5.5.1", \
      "close frame payload malformed (1 byte, or reason not UTF-8)") \
    X(WS_DATA_AFTER_CLOSE, ERROR, "RFC 6455 §5.5.1", \
      "frame sent after the sender's close frame") \
    X(WS_DEFLATE_ERROR, ERROR, "RFC 7692 §6.2", \
      "permessage-deflate message does not decompress") \
    X(WS_FRAME_TRUNCATED, WARNING, "RFC 6455 §5.2", \
      "frame cut short by the end of the connection or capture") \
    X(WS_DEFLATE_CAPPED, INFO, "RFC 6455 §10.4", \
      "a message decompressed past upscope's limit; the rest of it was not inspected") \
    X(WS_SUBPROTOCOL_NOT_SPOKEN, WARNING, "RFC 6455 §1.9, §4.2.2", \
      "the messages are not the subprotocol both sides agreed on") \
    X(WS_CLOSED_WITHOUT_CLOSE_FRAME, WARNING, "RFC 6455 §7.1.5, §7.1.1", \
      "the WebSocket ended without a close frame: the application sees 1006") \
    X(WS_CLOSE_NOT_ANSWERED, WARNING, "RFC 6455 §5.5.1", \
      "a close frame was never answered by the peer's close") \
    X(WS_PING_UNANSWERED, WARNING, "RFC 6455 §5.5.2", \
      "a ping got no pong") \
    X(H2C_SETTINGS_MISSING, ERROR, "RFC 7540 §3.2.1", \
      "h2c upgrade request without HTTP2-Settings") \
    X(H2C_SETTINGS_DUPLICATE, ERROR, "RFC 7540 §3.2.1", \
      "HTTP2-Settings appears more than once") \
    X(H2C_SETTINGS_BAD_BASE64, ERROR, "RFC 7540 §3.2.1", \
      "HTTP2-Settings is not base64url") \
    X(H2C_SETTINGS_BAD_LENGTH, ERROR, "RFC 7540 §3.2.1, RFC 9113 §6.5", \
      "HTTP2-Settings payload is not a multiple of 6 bytes") \
    X(H2C_SETTINGS_FULL_FRAME, ERROR, "RFC 7540 §3.2.1", \
      "HTTP2-Settings holds a whole SETTINGS frame, header included, not its payload") \
    X(H2C_SETTINGS_VALUE_INVALID, ERROR, "RFC 9113 §6.5.2", \
      "a setting in HTTP2-Settings has an invalid value") \
    X(H2C_CONNECTION_OPTION_MISSING, ERROR, "RFC 7540 §3.2.1", \
      "HTTP2-Settings not listed as a Connection option") \
    X(H2C_SERVER_ACCEPTED_BAD_SETTINGS, ERROR, "RFC 7540 §3.2.1", \
      "server switched to h2c although HTTP2-Settings was missing, repeated or invalid") \
    X(H2C_UPGRADE_TOKEN_H2, WARNING, "RFC 7540 §3.2", \
      "\"h2\" (HTTP/2 over TLS only) in a cleartext Upgrade") \
    X(H2C_CLIENT_PREFACE_MISSING, ERROR, "RFC 9113 §3.4", \
      "client did not send the connection preface and SETTINGS") \
    X(H2C_SERVER_FIRST_FRAME_NOT_SETTINGS, ERROR, "RFC 9113 §3.4", \
      "server's first HTTP/2 frame is not SETTINGS") \
    X(H2C_SMUGGLING_SUSPECTED, WARNING, "RFC 9113 §3.1", \
      "h2c streams ask for other paths than the upgrade request (h2c smuggling pattern)") \
    X(H2_PRIOR_KNOWLEDGE, INFO, "RFC 9113 §3.3", \
      "HTTP/2 over cleartext without an upgrade (prior knowledge)") \
    X(H2_FRAME_INVALID, ERROR, "RFC 9113 §4-§6", \
      "HTTP/2 frame breaks a frame-size, stream or sequencing rule") \
    X(H2_HPACK_ERROR, ERROR, "RFC 7541, RFC 9113 §4.3", \
      "header block does not decode") \
    X(H2_CONNECTION_HEADER, ERROR, "RFC 9113 §8.2.2", \
      "connection-specific header (Connection, Upgrade, ...) in HTTP/2") \
    X(H2_HEADER_INVALID, ERROR, "RFC 9113 §8.2.1, §8.3", \
      "malformed HTTP/2 header list (case, pseudo-headers)") \
    X(WS_H2_CONNECT_WITHOUT_SETTING, ERROR, "RFC 8441 §3, §4", \
      "extended CONNECT before the server sent SETTINGS_ENABLE_CONNECT_PROTOCOL = 1") \
    X(WS_H2_SETTING_WITHDRAWN, ERROR, "RFC 8441 §3", \
      "SETTINGS_ENABLE_CONNECT_PROTOCOL sent as 0 after 1") \
    X(WS_H2_PSEUDO_HEADER_MISSING, ERROR, "RFC 8441 §4, §5", \
      "extended CONNECT without :scheme, :path or :authority") \
    X(WS_H2_FORBIDDEN_HEADER, ERROR, "RFC 8441 §5", \
      "Connection or Upgrade in a WebSocket over HTTP/2") \
    X(WS_H2_KEY_HEADER, WARNING, "RFC 8441 §5", \
      "Sec-WebSocket-Key or Sec-WebSocket-Accept in a WebSocket over HTTP/2, which does not use them") \
    X(WS_H2_BAD_STATUS, ERROR, "RFC 8441 §5, RFC 9113 §8.6", \
      "a WebSocket over HTTP/2 accepted by a status other than 200 (101 does not exist in HTTP/2)") \
    X(WS_H2_DATA_BEFORE_RESPONSE, ERROR, "RFC 6455 §4.1, RFC 8441 §5", \
      "client WebSocket data on the stream before the server's response") \
    X(WS_H2_DATA_AFTER_END_STREAM, ERROR, "RFC 9113 §5.1", \
      "DATA on a WebSocket stream after the sender's END_STREAM") \
    X(WS_H2_STREAM_RESET, INFO, "RFC 8441 §5", \
      "a WebSocket over HTTP/2 ended by RST_STREAM (the TCP RST of RFC 6455)") \
    X(TLS_UPGRADE_NOT_TLS, ERROR, "RFC 2817 §3.3", \
      "bytes after the 101 are not a TLS handshake record") \
    X(TLS_UPGRADE_SERVER_DATA_BEFORE_HELLO, ERROR, "RFC 2817 §3.3, RFC 8446 §4", \
      "server sent data before the client's ClientHello") \
    X(TLS_UPGRADE_REQUIRED, INFO, "RFC 2817 §4.2", \
      "server requires an upgrade to TLS (426)") \
    X(TLS_UPGRADE_MANDATORY_OPTIONS, INFO, "RFC 2817 §3.2", \
      "client asks for TLS with OPTIONS * (the mandatory-upgrade form)") \
    X(TLS_UPGRADE_OFFERED_BY_SERVER, INFO, "RFC 2817 §4.1", \
      "server advertises an upgrade to TLS on an ordinary response") \
    X(TLS_RECORD_AUTH_FAILED, WARNING, "RFC 8446 §5.2, RFC 5246 §6.2.3", \
      "a TLS record did not authenticate with the logged keys (a wrong key, or corruption)") \
    X(STREAM_GAP, INFO, "-", \
      "bytes missing from the capture; the stream was resynchronised") \
    X(TCP_OVERLAP_CONFLICT, WARNING, "RFC 9293 §3.10.7.4", \
      "retransmitted TCP bytes differ from the first copy (evasion or corruption)") \
    X(CONNECTION_IDLE_TIMEOUT_PATTERN, INFO, "-", \
      "sessions to this server keep ending after the same silence: an idle timeout") \
    X(TCP_RESET_WITH_DATA_IN_FLIGHT, INFO, "RFC 9293 §3.10.7.4, RFC 1122 §4.2.2.13", \
      "the connection was reset while the peer's bytes were unacknowledged: they were lost") \
    X(IP_FRAGMENT_OVERLAP_CONFLICT, WARNING, "RFC 5722 §4, RFC 1858 §4", \
      "overlapping IP fragments carried different bytes (evasion or corruption)") \
    X(CONNECT_TARGET_INVALID, ERROR, "RFC 9110 §9.3.6, RFC 9112 §3.2.3", \
      "a CONNECT request's target is not host:port (authority-form with the port)") \
    X(CONNECT_2XX_FRAMING_HEADER, WARNING, "RFC 9110 §9.3.6", \
      "a 2xx answer to CONNECT carries Content-Length or Transfer-Encoding")

enum finding_id {
#define UPSCOPE_FINDING_ENUM(id, sev, rfc, title) F_##id,
    UPSCOPE_FINDINGS(UPSCOPE_FINDING_ENUM)
#undef UPSCOPE_FINDING_ENUM
    FINDING_COUNT
};

struct finding_info {
    const char *id;          /* "WS_ACCEPT_MISMATCH" */
    enum severity severity;
    const char *rfc;         /* "RFC 6455 §4.2.2" */
    const char *title;
};

const struct finding_info *finding_info(enum finding_id id);
const char *severity_name(enum severity s);   /* "error", "warning", "info" */

/* Parses "error" / "warning" / "info"; false if none. */
int severity_parse(const char *s, enum severity *out);

#endif
