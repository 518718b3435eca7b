/* ui: the interactive face of upscope (ncursesw): session list, session detail, ladder,
 * payload, help. ui_run() owns the terminal until the user quits; the capture thread goes on
 * meanwhile and is never blocked by drawing. */
#ifndef UPSCOPE_UI_H
#define UPSCOPE_UI_H

struct app;

/* Runs the UI on the terminal until the user quits (or the app is asked to stop). */
void ui_run(struct app *a);

#endif
