/* findings: the catalogue table (see findings.h). */
#include "findings.h"

#include <string.h>

static const struct finding_info catalogue[FINDING_COUNT] = {
#define UPSCOPE_FINDING_ROW(id, sev, rfc, title) [F_##id] = { #id, SEV_##sev, rfc, title },
    UPSCOPE_FINDINGS(UPSCOPE_FINDING_ROW)
#undef UPSCOPE_FINDING_ROW
};

static const char *const severity_names[SEV_COUNT] = { "info", "warning", "error" };

const struct finding_info *finding_info(enum finding_id id)
{
    return id < FINDING_COUNT ? &catalogue[id] : NULL;
}

const char *severity_name(enum severity s)
{
    return s < SEV_COUNT ? severity_names[s] : "?";
}

int severity_parse(const char *s, enum severity *out)
{
    for (int i = 0; i < SEV_COUNT; i++) {
        if (strcmp(s, severity_names[i]) == 0) {
            *out = (enum severity)i;
            return 1;
        }
    }
    return 0;
}
