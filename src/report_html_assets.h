/* report_html_assets: the --html page's style sheet and script, as C strings. The page's
 * Content-Security-Policy allows exactly these two by their SHA-256 hashes, computed when the
 * page is written, so changing them needs no other edit. */
#ifndef UPSCOPE_REPORT_HTML_ASSETS_H
#define UPSCOPE_REPORT_HTML_ASSETS_H

extern const char report_html_css[];
extern const char report_html_js[];

#endif
