/* checklist: a session's validation checklist, without a terminal — the check rows the protocol
 * modules list (dissector.h `checks`): the upgrade mechanism's rows for every session, then
 * those of the protocol it switched to or asked for, each passed, failed (the session has the
 * row's finding) or not applicable (what it judges was not seen). The UI's detail screen and
 * the HTML report draw the same rows. */
#ifndef UPSCOPE_CHECKLIST_H
#define UPSCOPE_CHECKLIST_H

#include "dissector.h"

enum check_mark { CHECK_PASSED, CHECK_FAILED, CHECK_NA };

/* Calls fn for each row that applies to s, in registry order. */
void checklist_walk(const struct session *s,
                    void (*fn)(void *user, const struct check_row *row, enum check_mark mark),
                    void *user);

#endif
