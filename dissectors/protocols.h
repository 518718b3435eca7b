/* protocols: the list of protocol modules — adding a protocol is adding its folder and one line
 * here. X(ID, name): ID makes PROTO_ID, name the module's descriptor name_dissector (in its
 * folder) and, in this order, the order in which reports show each protocol's part of a
 * session. No dependencies: session.h and dissector.h both include it. */
#ifndef UPSCOPE_PROTOCOLS_H
#define UPSCOPE_PROTOCOLS_H

#define UPSCOPE_PROTOCOLS(X) \
    X(HTTP1, http1) \
    X(WEBSOCKET, websocket) \
    X(HTTP2, http2) \
    X(TLS, tls) \
    X(CONNECT, connect)

enum proto {
    PROTO_UNKNOWN,       /* not decided yet */
    PROTO_NONE,          /* decided: nothing upscope inspects */
#define UPSCOPE_PROTO_ENUM(id, name) PROTO_##id,
    UPSCOPE_PROTOCOLS(UPSCOPE_PROTO_ENUM)
#undef UPSCOPE_PROTO_ENUM
    PROTO_COUNT
};

#endif
