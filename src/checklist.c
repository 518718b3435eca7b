/* checklist: which check rows apply to a session and how each came out (see checklist.h). */
#include "checklist.h"

static bool can_judge(const struct session *s, enum check_need need)
{
    bool h2 = s->request && s->request->major == 2; /* a WebSocket over HTTP/2 (RFC 8441) */
    switch (need) {
    case NEED_REQUEST: return s->request != NULL;
    case NEED_UPGRADE: return s->request && s->transition != TRANSITION_CONNECT;
    case NEED_REQUEST_H1: return s->request && !h2;
    case NEED_REQUEST_H2: return h2;
    case NEED_REFUSAL: return s->response && s->response->status != 101 && !h2;
    case NEED_101: return s->response && s->response->status == 101 && !h2;
    case NEED_ACCEPTED: return s->response && s->outcome == OUTCOME_SWITCHED;
    case NEED_RESPONSE_H2: return h2 && s->response;
    case NEED_SPOKEN: return session_spoke(s);
    }
    return false;
}

void checklist_walk(const struct session *s,
                    void (*fn)(void *user, const struct check_row *row, enum check_mark mark),
                    void *user)
{
    /* pass 0: the rows of modules that judge every session (HTTP/1.1's upgrade mechanism);
     * pass 1: those of the protocol the session switched to, or asked for */
    for (int pass = 0; pass < 2; pass++) {
        for (int p = 0; p < PROTO_COUNT; p++) {
            const struct dissector *m = dissector_get((enum proto)p);
            if (!m || !m->checks)
                continue;
            bool general = m->transition == TRANSITION_NONE;
            if (pass == 0 ? !general : general || m->transition != s->transition)
                continue;
            for (const struct check_row *c = m->checks; c->label; c++)
                fn(user, c, session_has_finding(s, c->id) ? CHECK_FAILED
                            : can_judge(s, c->need) ? CHECK_PASSED : CHECK_NA);
        }
    }
}
