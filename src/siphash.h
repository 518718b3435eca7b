/* siphash: SipHash-2-4, a keyed hash for the flow table (and the decoder's tunnel identities
 * and fragment table).
 *
 * The flow table hashes attacker-chosen addresses and ports; with a secret random key an attacker
 * cannot aim many flows at one bucket. OpenSSL offers SipHash only through EVP_MAC objects, far
 * too heavy to set up per packet, so the ~50-line reference algorithm lives here. */
#ifndef UPSCOPE_SIPHASH_H
#define UPSCOPE_SIPHASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

uint64_t siphash24(const uint8_t key[16], const void *data, size_t len);

/* A fresh random key (getrandom, else /dev/urandom); false if neither answers. */
bool siphash_secret(uint8_t key[16]);

#endif
