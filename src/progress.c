/* progress: the progress line of long offline runs (see progress.h). */
#include "progress.h"

#include <sys/time.h>
#include <unistd.h>

#include "capture.h"

#define PROGRESS_AFTER_MS 1000   /* short runs show nothing */
#define PROGRESS_EVERY_MS 500

static uint64_t now_ms(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (uint64_t)tv.tv_sec * 1000u + (uint64_t)tv.tv_usec / 1000u;
}

void progress_start(struct progress *p, bool on, FILE *out)
{
    p->out = on && isatty(fileno(out)) ? out : NULL;
    p->start_ms = p->last_ms = now_ms();
    p->shown = false;
}

static void human(uint64_t b, char *buf, size_t n)
{
    if (b >= 1u << 30)
        snprintf(buf, n, "%.1f GiB", (double)b / (1u << 30));
    else
        snprintf(buf, n, "%.1f MiB", (double)b / (1u << 20));
}

void progress_update(struct progress *p, struct capture *c, uint64_t packets)
{
    if (!p->out || (packets & 1023) != 0)
        return;
    uint64_t now = now_ms(), done, total;
    if (now < p->start_ms + PROGRESS_AFTER_MS || now < p->last_ms + PROGRESS_EVERY_MS)
        return;
    p->last_ms = now;
    if (!capture_progress(c, &done, &total))
        return;
    double secs = (double)(now - p->start_ms) / 1000.0;
    double frac = (double)done / (double)total;
    char size[32];
    human(total, size, sizeof size);
    /* \r and erase-to-end-of-line: our own control sequence, no capture bytes in the line */
    if (fprintf(p->out, "\rupscope: %.0f%% of %s read, %.0f pkt/s, about %.0f s left\033[K",
                frac * 100.0, size, (double)packets / secs,
                frac > 0 ? secs * (1.0 - frac) / frac : 0.0) < 0 || fflush(p->out) != 0) {
        p->out = NULL; /* the terminal went away: stop, say nothing more */
        return;
    }
    p->shown = true;
}

void progress_end(struct progress *p)
{
    if (p->out && p->shown) {
        fputs("\r\033[K", p->out);
        fflush(p->out);
    }
    p->shown = false;
    p->out = NULL;
}
