/* ui: the interactive face of upscope (ncursesw): session list, session detail, ladder,
 * payload, help. ui_run() owns the terminal until the user quits; the capture thread goes on
 * meanwhile and is never blocked by drawing. Keys are read from /dev/tty, never from standard
 * input (which may be the capture itself). */
#ifndef UPSCOPE_UI_H
#define UPSCOPE_UI_H

#include <stdbool.h>

struct app;

/* Runs the UI on the terminal until the user quits (or the app is asked to stop). False, with
 * a message printed, if the terminal could not be set up. */
bool ui_run(struct app *a);

#endif
