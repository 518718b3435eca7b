/* siphash: SipHash-2-4 and SipHash-1-3, keyed hashes for the flow table (1-3) and the decoder's
 * tunnel identities and fragment table (2-4).
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

/* SipHash-1-3: one compression round per word and three to finish, where 2-4 has two and
 * four; about half the work. Rust's HashMap and CPython's str/bytes hash use it for the same
 * purpose (keys an attacker picks, a secret seed). The flow table hashes every packet. */
uint64_t siphash13(const uint8_t key[16], const void *data, size_t len);

/* A fresh random key (getrandom, else /dev/urandom); false if neither answers. */
bool siphash_secret(uint8_t key[16]);

#endif
