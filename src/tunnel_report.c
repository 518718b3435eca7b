/* tunnel_report: the "encapsulation" key and the summary's tunnel lines (see tunnel_report.h). */
#include "tunnel_report.h"

#include <string.h>

/* Layer i as the client's packets showed it; from the server's side, addresses swapped,
 * when the client's were never seen. */
static struct tunnel_layer client_view(const struct tunnel_pair *p, unsigned i)
{
    if (p->seen[0])
        return *tunnel_pair_layer(p, 0, i);
    struct tunnel_layer l = *tunnel_pair_layer(p, 1, i);
    struct ip_addr a = l.src;
    l.src = l.dst;
    l.dst = a;
    return l;
}

static json_t *teid_of(const struct tunnel_pair *p, int side, unsigned i)
{
    return p->seen[side] ? json_integer(tunnel_pair_layer(p, side, i)->id) : json_null();
}

static json_t *layer_json(const struct tunnel_pair *p, unsigned i)
{
    struct tunnel_layer l = client_view(p, i);
    char src[64], dst[64];
    report_ip(l.family, &l.src, src, sizeof src);
    report_ip(l.family, &l.dst, dst, sizeof dst);
    json_t *o = json_pack("{s:s, s:s, s:s}", "type", tunnel_kind_name((enum tunnel_kind)l.kind),
                          "outer_src", src, "outer_dst", dst);
    switch (l.kind) {
    case TUNNEL_VXLAN:
    case TUNNEL_GENEVE:
        json_object_set_new(o, "vni", json_integer(l.id));
        break;
    case TUNNEL_GRE:
        json_object_set_new(o, "key", l.has_id ? json_integer(l.id) : json_null());
        break;
    case TUNNEL_ERSPAN:
        json_object_set_new(o, "version", json_integer(l.version));
        json_object_set_new(o, "session_id", l.has_id ? json_integer(l.id) : json_null());
        break;
    case TUNNEL_IPIP: {
        char mode[24];
        snprintf(mode, sizeof mode, "%uin%u", (unsigned)l.version, (unsigned)l.family);
        json_object_set_new(o, "mode", json_string(mode));
        break;
    }
    case TUNNEL_GTPU:
        json_object_set_new(o, "teid", json_pack("{s:o, s:o}", "client", teid_of(p, 0, i),
                                                 "server", teid_of(p, 1, i)));
        break;
    }
    return o;
}

json_t *tunnel_report_json(const struct tunnel_pair *p)
{
    json_t *a = json_array();
    for (unsigned i = 0; p && i < p->n; i++)
        json_array_append_new(a, layer_json(p, i));
    return a;
}

void tunnel_report_text(const struct text_out *o, const struct tunnel_pair *p)
{
    for (unsigned i = 0; p && i < p->n; i++) {
        struct tunnel_layer l = client_view(p, i);
        char src[64], dst[64];
        report_ip(l.family, &l.src, src, sizeof src);
        report_ip(l.family, &l.dst, dst, sizeof dst);
        text_label(o, i == 0 ? "tunnel" : "");
        fputs(tunnel_kind_name((enum tunnel_kind)l.kind), o->out);
        if (l.kind == TUNNEL_VXLAN || l.kind == TUNNEL_GENEVE)
            fprintf(o->out, " vni %u", (unsigned)l.id);
        else if ((l.kind == TUNNEL_GRE && l.has_id))
            fprintf(o->out, " key %u", (unsigned)l.id);
        else if (l.kind == TUNNEL_ERSPAN)
            fprintf(o->out, " type %u session %u", (unsigned)l.version, (unsigned)l.id);
        else if (l.kind == TUNNEL_IPIP)
            fprintf(o->out, " %uin%u", (unsigned)l.version, (unsigned)l.family);
        else if (l.kind == TUNNEL_GTPU && p->seen[0] && p->seen[1])
            fprintf(o->out, " teid 0x%08x/0x%08x", (unsigned)tunnel_pair_layer(p, 0, i)->id,
                    (unsigned)tunnel_pair_layer(p, 1, i)->id);
        else if (l.kind == TUNNEL_GTPU)
            fprintf(o->out, " teid 0x%08x", (unsigned)l.id);
        fprintf(o->out, "  %s -> %s\n", src, dst);
    }
}
