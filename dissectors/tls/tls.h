/* tls: the TLS-after-upgrade dissector (RFC 2817): upgrade checks, records, hellos. */
#ifndef UPSCOPE_TLS_H
#define UPSCOPE_TLS_H

#include "dissector.h"

extern const struct dissector tls_dissector;

#endif
