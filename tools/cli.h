/* Flags, checks and progress shared by the CLI's commands.
 *
 * Exit statuses (the CLI contract): 0 success; 1 a runtime, model or data
 * error (a file that cannot be read or is malformed included); 2 a usage
 * error (unknown flag, malformed or contradictory option value), always with
 * the reason on stderr. */
#ifndef VKCNN_TOOLS_CLI_H
#define VKCNN_TOOLS_CLI_H

#include <stdint.h>

#include "vkcnn.h"

/* Consumes argv[*i] (and its value) if it is --device D, --cache-dir DIR or
 * --no-cache: returns 1. Returns 0 for any other argument, and -1 on a
 * usage error, already reported on stderr: a missing or empty value, or
 * --cache-dir with --no-cache. */
int cli_device_flag(int argc, char **argv, int *i, vkcnn_context_desc *desc);

/* Creates a context from desc, printing the error and returning NULL on
 * failure. */
vkcnn_context *cli_context(const char *command, const vkcnn_context_desc *desc);

/* Consumes argv[*i] and its value if it is --precision fp32|fp16: returns
 * 1 and sets *out. 0 for any other argument; -1 for a missing or unknown
 * value (reported on stderr, prefixed with "vkcnn COMMAND"). */
int cli_precision_flag(const char *command, int argc, char **argv, int *i, vkcnn_precision *out);

/* Consumes argv[*i] if it is --no-tune (models then run the default rule's
 * kernel variants, not those `vkcnn tune` stored): sets *tuned to VKCNN_OFF
 * and VKCNN_NO_TUNE=1 (for every model the command creates) and returns 1;
 * 0 for any other argument. */
int cli_tune_flag(int argc, char **argv, int *i, vkcnn_toggle *tuned);

#define CLI_TUNE_HELP                                                                              \
    "  --no-tune        ignore the kernel choices `vkcnn tune` stored (as VKCNN_NO_TUNE=1)\n"

/* Parses the value of `flag` as an integer in [lo, hi]: 0, or -1 after
 * saying on stderr what is wrong with it. */
int cli_parse_uint(const char *command, const char *flag, const char *s, uint32_t lo, uint32_t hi,
                   uint32_t *out);

/* 0 when `path` can be written (created or replaced) without writing it: an
 * existing file is opened for appending and left as it was, a new one is
 * created and removed again. -1 after saying why on stderr. Output files
 * are checked before long work, not after it. */
int cli_check_writable(const char *command, const char *what, const char *path);

/* Progress of long work (a large model's loading) on stderr: on a terminal
 * one line rewritten in place; elsewhere (CI logs, pipes) one line per stage
 * and, while a stage runs long, at most one line every few seconds. Off
 * for models under 16 MB, with `quiet`, or with VKCNN_PROGRESS=0;
 * VKCNN_PROGRESS=1 turns it on for any model. */
typedef struct cli_progress cli_progress;

cli_progress *cli_progress_start(const char *command, const char *model_path, int quiet);
/* A stage begins ("parse", "compile", ...): `detail` says what it works on. */
void cli_progress_stage(cli_progress *p, const char *stage, const char *detail);
/* The network was parsed: its size. */
void cli_progress_parsed(cli_progress *p, const vkcnn_network *net);
/* Model creation: prints the compile stage, and while it runs a line at most
 * every few seconds saying how long it has taken; after it, the time of
 * each part (SPIR-V, pipelines, upload). Returns what vkcnn_model_create
 * returned. */
vkcnn_status cli_progress_create_model(cli_progress *p, vkcnn_context *ctx,
                                       const vkcnn_network *net, const vkcnn_model_options *mo,
                                       vkcnn_model **out);
/* Ends the display (a terminal's line is cleared) and frees p (NULL: no-op). */
void cli_progress_end(cli_progress *p);

#define CLI_PRECISION_HELP                                                                         \
    "  --precision P    fp32 (default) or fp16: weights stored as fp16, arithmetic fp32\n"

#define CLI_DEVICE_FLAGS_HELP                                                                      \
    "  --device D       device index or name substring (default: VKCNN_DEVICE, then\n"             \
    "                   discrete > integrated > virtual > CPU)\n"                                  \
    "  --cache-dir DIR  shader cache directory (default: VKCNN_CACHE_DIR, then\n"                  \
    "                   $XDG_CACHE_HOME/vkcnn, then $HOME/.cache/vkcnn)\n"                         \
    "  --no-cache       do not read or write the shader cache\n"

#define CLI_EXIT_HELP                                                                              \
    "Exit status: 0 success, 1 a runtime, model or data error (including a file\n"                 \
    "that cannot be read or is malformed), 2 a usage error.\n"

#endif
