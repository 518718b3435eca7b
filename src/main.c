/* main: the command line. Parses options, installs the stop signals, runs the app. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "capture.h"
#include "options.h"

/* The one process-wide pointer: a signal handler has no other way to reach the running app. */
static struct app *running_app;

static void on_stop_signal(int sig)
{
    (void)sig;
    if (running_app)
        app_request_stop(running_app);
}

static void install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL); /* a closed terminal: finish cleanly, remove the spool */
    signal(SIGPIPE, SIG_IGN);
}

int main(int argc, char **argv)
{
    struct options opt;
    enum options_result r = options_parse(&opt, argc, argv);
    if (r != OPTIONS_RUN) {
        options_free(&opt);
        return r == OPTIONS_EXIT_OK ? EXIT_OK : EXIT_FATAL;
    }
    if (opt.list_ifaces) {
        char err[CAPTURE_ERR_LEN];
        bool ok = capture_list_interfaces(stdout, err);
        if (!ok)
            fprintf(stderr, "upscope: %s\n", err);
        options_free(&opt);
        return ok ? EXIT_OK : EXIT_FATAL;
    }
    static struct app app;
    running_app = &app;
    install_signals();
    int status = app_run(&app, &opt);
    running_app = NULL;
    options_free(&opt);
    return status;
}
