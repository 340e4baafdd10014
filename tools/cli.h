/* Flags shared by the commands that touch a device. */
#ifndef VKCNN_TOOLS_CLI_H
#define VKCNN_TOOLS_CLI_H

#include "vkcnn.h"

/* Consumes argv[*i] (and its value) if it is --device D, --cache-dir DIR or
 * --no-cache: returns 1. Returns 0 for any other argument, and -1 when the
 * flag lacks its value (a usage error, already reported on stderr). */
int cli_device_flag(int argc, char **argv, int *i, vkcnn_context_desc *desc);

/* Creates a context from desc, printing the error and returning NULL on
 * failure. */
vkcnn_context *cli_context(const char *command, const vkcnn_context_desc *desc);

#define CLI_DEVICE_FLAGS_HELP                                                                      \
    "  --device D       device index or name substring (default: VKCNN_DEVICE, then\n"             \
    "                   discrete > integrated > virtual > CPU)\n"                                  \
    "  --cache-dir DIR  shader cache directory (default: VKCNN_CACHE_DIR, then\n"                  \
    "                   $XDG_CACHE_HOME/vkcnn, then $HOME/.cache/vkcnn)\n"                         \
    "  --no-cache       do not read or write the shader cache\n"

#endif
