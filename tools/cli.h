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

/* Consumes argv[*i] and its value if it is --precision fp32|fp16: returns
 * 1 and sets *out. 0 for any other argument; -1 for a missing or unknown
 * value (reported on stderr, prefixed with "vkcnn COMMAND"). */
int cli_precision_flag(const char *command, int argc, char **argv, int *i, vkcnn_precision *out);

#define CLI_PRECISION_HELP                                                                         \
    "  --precision P    fp32 (default) or fp16: weights stored as fp16, arithmetic fp32\n"

#define CLI_DEVICE_FLAGS_HELP                                                                      \
    "  --device D       device index or name substring (default: VKCNN_DEVICE, then\n"             \
    "                   discrete > integrated > virtual > CPU)\n"                                  \
    "  --cache-dir DIR  shader cache directory (default: VKCNN_CACHE_DIR, then\n"                  \
    "                   $XDG_CACHE_HOME/vkcnn, then $HOME/.cache/vkcnn)\n"                         \
    "  --no-cache       do not read or write the shader cache\n"

#endif
