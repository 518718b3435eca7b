/* privdrop: setgroups, setgid, setuid to an unprivileged user, verified (see privdrop.h). */
#include "privdrop.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

bool privdrop_to(const char *user, char *err, size_t errlen)
{
    struct passwd *pw = getpwnam(user);
    if (!pw) {
        snprintf(err, errlen, "-Z %s: no such user", user);
        return false;
    }
    if (geteuid() != 0) {
        snprintf(err, errlen, "-Z %s: not running as root, there is nothing to drop", user);
        return false;
    }
    /* groups first: once the uid is gone, changing them is no longer allowed */
    if (initgroups(pw->pw_name, pw->pw_gid) != 0 || setgid(pw->pw_gid) != 0 ||
        setuid(pw->pw_uid) != 0) {
        snprintf(err, errlen, "-Z %s: %s", user, strerror(errno));
        return false;
    }
    /* a successful drop cannot be undone */
    if (setuid(0) == 0 || geteuid() != pw->pw_uid || getegid() != pw->pw_gid) {
        snprintf(err, errlen, "-Z %s: privileges could not be dropped for good", user);
        return false;
    }
    return true;
}
