/* readloop: the ceiling for reading a capture file — libpcap's read loop that touches each
 * packet's length and does nothing else. bench/run builds it (cc -O2 readloop.c -lpcap). */
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>

static void count(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
    uint64_t *n = (uint64_t *)user;
    n[0]++;
    n[1] += h->caplen + bytes[0] * 0; /* read the header, as any reader must */
}

int main(int argc, char **argv)
{
    char err[PCAP_ERRBUF_SIZE];
    if (argc != 2) {
        fprintf(stderr, "usage: readloop FILE\n");
        return 1;
    }
    pcap_t *p = pcap_open_offline(argv[1], err);
    if (!p) {
        fprintf(stderr, "readloop: %s\n", err);
        return 1;
    }
    uint64_t n[2] = { 0, 0 };
    if (pcap_loop(p, -1, count, (u_char *)n) == -1) {
        fprintf(stderr, "readloop: %s: %s\n", argv[1], pcap_geterr(p));
        return 1;
    }
    printf("%llu packets, %llu bytes\n", (unsigned long long)n[0], (unsigned long long)n[1]);
    pcap_close(p);
    return 0;
}
