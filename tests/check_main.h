/* check_main: the shared main() of the Check test programs — runs one suite, reports in TAP
 * (so automake's TAP driver counts every test case), exits non-zero on any failure. */
#ifndef UPSCOPE_CHECK_MAIN_H
#define UPSCOPE_CHECK_MAIN_H

#include <check.h>
#include <stdlib.h>

static int run_suite(Suite *s)
{
    SRunner *sr = srunner_create(s);
    srunner_set_tap(sr, "-");
    srunner_run_all(sr, CK_SILENT);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

#endif
