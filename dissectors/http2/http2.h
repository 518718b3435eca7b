/* http2: the HTTP/2 dissector (after an h2c upgrade, or with prior knowledge). */
#ifndef UPSCOPE_HTTP2_H
#define UPSCOPE_HTTP2_H

#include "dissector.h"

extern const struct dissector http2_dissector;

#endif
