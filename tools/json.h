/* Minimal JSON output helpers for the CLI. */
#ifndef VKCNN_TOOLS_JSON_H
#define VKCNN_TOOLS_JSON_H

#include <stdio.h>

/* Writes s as a JSON string literal, quotes included. */
void json_string(FILE *f, const char *s);

#endif
