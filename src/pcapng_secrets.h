/* pcapng_secrets: the TLS key logs a pcapng file carries in Decryption Secrets Blocks (what
 * `editcap --inject-secrets tls,keys.txt` writes), so one file can hold a capture and its keys.
 * libpcap does not hand these blocks out, so the file is walked block by block first. */
#ifndef UPSCOPE_PCAPNG_SECRETS_H
#define UPSCOPE_PCAPNG_SECRETS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Calls fn with the text of every TLS key log block of the pcapng file at path; returns how
 * many there were (0 for a pcap file). False (err set) only if a pcapng file is damaged. */
bool pcapng_secrets(const char *path, void (*fn)(void *user, const char *text, size_t n),
                    void *user, size_t *count, char *err, size_t errlen);

/* The same, from an open file read once from where it stands (name: for messages). */
bool pcapng_secrets_read(FILE *f, const char *name,
                         void (*fn)(void *user, const char *text, size_t n), void *user,
                         size_t *count, char *err, size_t errlen);

#endif
