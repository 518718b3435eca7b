/* ui_payload: one message's payload as the application sees it (unmasked, decompressed for
 * permessage-deflate, HTTP/2 headers decoded; HTTP/2 SETTINGS, WINDOW_UPDATE and GOAWAY
 * decoded field by field) — as escaped text, then as a hex dump. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nghttp2/nghttp2.h>

#include "h2_settings.h"
#include "ui_doc.h"
#include "ui_internal.h"
#include "ui_text.h"

struct payload {
    uint64_t id;
    int event;
    struct doc doc;
};

static void add_text(struct ui *ui, struct doc *d, const uint8_t *p, size_t n)
{
    doc_add(d, PAIR_NONE, "Text");
    size_t start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && p[i] != '\n' && i - start < 100)
            continue;
        char line[320];
        ui_escape(line, sizeof line, p + start, i - start, ui->ascii);
        doc_add(d, PAIR_NONE, "  %s", line);
        start = i < n && p[i] == '\n' ? i + 1 : i;
    }
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static bool starts(const char *label, const char *word)
{
    size_t n = strlen(word);
    return strncmp(label, word, n) == 0 && (label[n] == ' ' || label[n] == '\0');
}

/* The fields of an HTTP/2 frame whose payload is not text. n: the bytes kept (a payload cut
 * short by the history's cap decodes as far as it goes). True if it was one of them. */
static bool add_h2_fields(struct ui *ui, struct doc *d, const char *label, const uint8_t *p,
                          size_t n)
{
    if (starts(label, "SETTINGS")) { /* RFC 9113 §6.5.1: 6-byte identifier/value pairs */
        doc_add(d, PAIR_NONE, "SETTINGS");
        for (size_t off = 0; off + 6 <= n; off += 6) {
            char buf[16];
            uint16_t id = (uint16_t)(p[off] << 8 | p[off + 1]);
            doc_add(d, PAIR_NONE, "  %s = %u", h2_setting_name(id, buf), be32(p + off + 2));
        }
        if (n % 6)
            doc_add(d, PAIR_WARNING, "  %zu byte(s) left over: not a whole setting", n % 6);
    } else if (starts(label, "WINDOW_UPDATE")) { /* RFC 9113 §6.9: R bit, 31-bit increment */
        if (n < 4)
            return false;
        doc_add(d, PAIR_NONE, "WINDOW_UPDATE");
        doc_add(d, PAIR_NONE, "  window size increment %u%s", be32(p) & 0x7fffffffu,
                p[0] & 0x80 ? "  (reserved bit set)" : "");
    } else if (starts(label, "GOAWAY")) { /* RFC 9113 §6.8: last stream, error, debug data */
        if (n < 8)
            return false;
        uint32_t code = be32(p + 4);
        doc_add(d, PAIR_NONE, "GOAWAY");
        doc_add(d, PAIR_NONE, "  last stream id %u", be32(p) & 0x7fffffffu);
        doc_add(d, code ? PAIR_WARNING : PAIR_NONE, "  error code %u (%s)", code,
                nghttp2_http2_strerror(code));
        if (n > 8) {
            char debug[320];
            ui_escape(debug, sizeof debug, p + 8, n - 8 > 100 ? 100 : n - 8, ui->ascii);
            doc_add(d, PAIR_NONE, "  debug data: %s", debug);
        }
    } else {
        return false;
    }
    return true;
}

static void add_hex(struct doc *d, const uint8_t *p, size_t n)
{
    doc_add(d, PAIR_NONE, "%s", "");
    doc_add(d, PAIR_NONE, "Hex");
    for (size_t off = 0; off < n; off += 16) {
        char hex[64] = "", asc[20] = "";
        for (size_t i = 0; i < 16; i++) {
            if (off + i < n) {
                snprintf(hex + i * 3, sizeof hex - i * 3, "%02x ", p[off + i]);
                asc[i] = p[off + i] >= 0x20 && p[off + i] < 0x7f ? (char)p[off + i] : '.';
            } else {
                snprintf(hex + i * 3, sizeof hex - i * 3, "   ");
                asc[i] = ' ';
            }
        }
        asc[16] = '\0';
        doc_add(d, PAIR_NONE, "  %06zx  %s %s", off, hex, asc);
    }
}

void ui_payload_build(struct ui *ui, struct doc *d, const struct session *s, int event)
{
    doc_clear(d);
    if (!s || !s->events || event < 0 || (uint32_t)event >= s->events->n) {
        doc_add(d, PAIR_DIM, "This message is no longer kept.");
        return;
    }
    const struct session_event *e = &s->events->v[event];
    char label[300];
    ui_escape(label, sizeof label, e->label, strlen(e->label), ui->ascii);
    doc_add(d, PAIR_NONE, "%s  (%s)", label, dir_name(e->dir));
    doc_add(d, PAIR_DIM, "%llu byte(s)%s", (unsigned long long)e->full_len,
            e->full_len > e->payload_len ? ", the first ones kept" : "");
    doc_add(d, PAIR_NONE, "%s", "");
    if (!e->payload_len) {
        doc_add(d, PAIR_DIM, "No payload.");
        return;
    }
    if (e->proto != PROTO_HTTP2 || !add_h2_fields(ui, d, e->label, e->payload, e->payload_len))
        add_text(ui, d, e->payload, e->payload_len);
    add_hex(d, e->payload, e->payload_len);
}

static void payload_refresh(struct screen *sc, struct ui *ui)
{
    struct payload *pl = sc->state;
    ui_payload_build(ui, &pl->doc, store_find(&ui->app->store, pl->id), pl->event);
}

static void payload_draw(struct screen *sc, struct ui *ui)
{
    struct payload *pl = sc->state;
    doc_draw(&pl->doc, ui, sc->win);
}

static enum key_result payload_key(struct screen *sc, struct ui *ui, enum ui_action act)
{
    struct payload *pl = sc->state;
    (void)ui;
    return doc_key(&pl->doc, act) ? KEY_HANDLED : KEY_UNHANDLED;
}

static void payload_destroy(void *state)
{
    struct payload *pl = state;
    doc_free(&pl->doc);
    free(pl);
}

static const struct screen_ops payload_ops = {
    .name = "payload",
    .update = payload_refresh,
    .draw = payload_draw,
    .key = payload_key,
    .destroy = payload_destroy,
};

struct screen *ui_payload_new(struct ui *ui, uint64_t session_id, int event)
{
    (void)ui;
    struct payload *pl = calloc(1, sizeof *pl);
    if (!pl)
        return NULL;
    pl->id = session_id;
    pl->event = event;
    return ui_screen_new(&payload_ops, pl);
}
