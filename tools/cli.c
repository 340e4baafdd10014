#include "cli.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int cli_device_flag(int argc, char **argv, int *i, vkcnn_context_desc *desc) {
    const char *arg = argv[*i];
    if (strcmp(arg, "--no-cache") == 0) {
        if (desc->cache_dir) {
            fprintf(stderr, "vkcnn: --no-cache contradicts --cache-dir %s\n", desc->cache_dir);
            return -1;
        }
        desc->cache = VKCNN_OFF;
        return 1;
    }
    if (strcmp(arg, "--device") != 0 && strcmp(arg, "--cache-dir") != 0) return 0;
    if (*i + 1 >= argc) {
        fprintf(stderr, "vkcnn: %s needs a value\n", arg);
        return -1;
    }
    const char *value = argv[++*i];
    if (!value[0]) {
        fprintf(stderr, "vkcnn: %s needs a value, not an empty string%s\n", arg,
                strcmp(arg, "--device") == 0
                    ? " (a device index or part of its name; `vkcnn devices` lists them)"
                    : "");
        return -1;
    }
    if (strcmp(arg, "--device") == 0) {
        desc->device = value;
    } else {
        if (desc->cache == VKCNN_OFF) {
            fprintf(stderr, "vkcnn: --cache-dir %s contradicts --no-cache\n", value);
            return -1;
        }
        desc->cache_dir = value;
    }
    return 1;
}

/* With VKCNN_VALIDATE set, validation warnings and errors go to stderr
 * (prefixed "validation"), so scripts and tests can see them. vkcnn's own
 * errors are printed by each command from vkcnn_last_error(). */
static void print_validation(vkcnn_log_level level, vkcnn_log_source source, const char *message,
                             void *user) {
    (void)user;
    if (source == VKCNN_LOG_SOURCE_VALIDATION && level >= VKCNN_LOG_WARN)
        fprintf(stderr, "validation %s: %s\n", level == VKCNN_LOG_ERROR ? "error" : "warning",
                message);
}

vkcnn_context *cli_context(const char *command, const vkcnn_context_desc *desc_in) {
    vkcnn_context_desc desc = *desc_in;
    if (!desc.log) {
        desc.log = print_validation;
        desc.log_level = VKCNN_LOG_WARN;
    }
    vkcnn_context *ctx = NULL;
    if (vkcnn_context_create(&desc, &ctx) != VKCNN_OK) {
        fprintf(stderr, "vkcnn %s: %s\n", command, vkcnn_last_error());
        return NULL;
    }
    return ctx;
}

int cli_precision_flag(const char *command, int argc, char **argv, int *i, vkcnn_precision *out) {
    if (strcmp(argv[*i], "--precision") != 0) return 0;
    const char *v = *i + 1 < argc ? argv[*i + 1] : NULL;
    if (v && strcmp(v, "fp32") == 0)
        *out = VKCNN_PRECISION_FP32;
    else if (v && strcmp(v, "fp16") == 0)
        *out = VKCNN_PRECISION_FP16;
    else if (v && strcmp(v, "auto") == 0 && strcmp(command, "tune") != 0)
        *out = VKCNN_PRECISION_AUTO; /* tune measures one stated precision */
    else {
        const char *which = strcmp(command, "tune") != 0 ? "fp32, fp16 or auto" : "fp32 or fp16";
        if (v)
            fprintf(stderr, "vkcnn %s: --precision is %s, not '%s'\n", command, which, v);
        else
            fprintf(stderr, "vkcnn %s: --precision needs a value: %s\n", command, which);
        return -1;
    }
    ++*i;
    return 1;
}

int cli_tune_flag(int argc, char **argv, int *i, vkcnn_toggle *tuned) {
    (void)argc;
    if (strcmp(argv[*i], "--no-tune") != 0) return 0;
    *tuned = VKCNN_OFF;
    /* and for every other model this command creates (classify --knn's, a
     * child process's) */
    setenv("VKCNN_NO_TUNE", "1", 1);
    return 1;
}

int cli_parse_uint(const char *command, const char *flag, const char *s, uint32_t lo, uint32_t hi,
                   uint32_t *out) {
    if (!s) {
        fprintf(stderr, "vkcnn %s: %s needs a value: an integer from %u to %u\n", command, flag, lo,
                hi);
        return -1;
    }
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || !end || *end || end == s || s[0] == '-' || s[0] == '+' || s[0] == ' ' || v < lo ||
        v > hi) {
        fprintf(stderr, "vkcnn %s: %s needs an integer from %u to %u, not '%s'\n", command, flag,
                lo, hi, s);
        return -1;
    }
    *out = (uint32_t)v;
    return 0;
}

int cli_check_writable(const char *command, const char *what, const char *path) {
    struct stat st;
    int existed = stat(path, &st) == 0;
    if (existed && S_ISDIR(st.st_mode)) {
        fprintf(stderr, "vkcnn %s: cannot write %s %s: it is a directory\n", command, what, path);
        return -1;
    }
    FILE *f = fopen(path, "a");
    if (!f) {
        fprintf(stderr, "vkcnn %s: cannot write %s %s: %s\n", command, what, path, strerror(errno));
        return -1;
    }
    fclose(f);
    if (!existed) remove(path);
    return 0;
}

/* ---- progress ------------------------------------------------------------ */

#define PROGRESS_BYTES (16u << 20) /* models larger than this report progress */
#define PROGRESS_EVERY_S 5.0       /* lines while a stage runs, when not a terminal */

struct cli_progress {
    const char *command;
    int tty;
    double start, stage_start;
    char stage[32];
    /* the ticker thread while a model is created */
    pthread_t ticker;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    int running, stop;
    /* the library's progress (vkcnn_model_options.progress), under lock */
    char sub[16];
    uint32_t done, total;
};

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

cli_progress *cli_progress_start(const char *command, const char *model_path, int quiet) {
    const char *env = getenv("VKCNN_PROGRESS");
    if (quiet || (env && strcmp(env, "0") == 0)) return NULL;
    struct stat st;
    int big = model_path && stat(model_path, &st) == 0 && st.st_size > PROGRESS_BYTES;
    if (!big && !(env && strcmp(env, "1") == 0)) return NULL;
    cli_progress *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    p->command = command;
    p->tty = isatty(STDERR_FILENO);
    p->start = p->stage_start = now_s();
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->wake, NULL);
    return p;
}

/* One progress line: rewritten in place on a terminal, appended elsewhere. */
static void say(cli_progress *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(cli_progress *p, const char *fmt, ...) {
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (p->tty)
        fprintf(stderr, "\r\033[Kvkcnn %s: %s", p->command, line);
    else
        fprintf(stderr, "vkcnn %s: %s\n", p->command, line);
    fflush(stderr);
}

void cli_progress_stage(cli_progress *p, const char *stage, const char *detail) {
    if (!p) return;
    snprintf(p->stage, sizeof p->stage, "%s", stage);
    p->stage_start = now_s();
    say(p, "%s: %s", stage, detail);
}

void cli_progress_parsed(cli_progress *p, const vkcnn_network *net) {
    vkcnn_network_info info;
    if (!p || vkcnn_network_get_info(net, &info) != VKCNN_OK) return;
    say(p, "parse: done in %.1f s: %u nodes, %.1f M parameters, batch %u", now_s() - p->stage_start,
        info.node_count, (double)info.params / 1e6, info.batch);
}

static void *tick(void *arg) {
    cli_progress *p = arg;
    pthread_mutex_lock(&p->lock);
    double every = p->tty ? 0.5 : PROGRESS_EVERY_S, next = now_s() + every;
    while (!p->stop) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        double wait = next - now_s();
        if (wait > 0) {
            long long ns = (long long)(wait * 1e9) + until.tv_nsec;
            until.tv_sec += (time_t)(ns / 1000000000);
            until.tv_nsec = (long)(ns % 1000000000);
            pthread_cond_timedwait(&p->wake, &p->lock, &until);
            continue;
        }
        if (p->total)
            say(p, "%s: %u/%u %s, %.0f s", p->sub, p->done, p->total,
                strcmp(p->sub, "upload") == 0 ? "weights" : "kernels", now_s() - p->stage_start);
        else
            say(p, "%s: still working, %.0f s", p->stage, now_s() - p->stage_start);
        next = now_s() + every;
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

/* vkcnn_model_options.progress: noted for the ticker, which prints it at
 * its own rate; the first call of each stage is printed at once. */
static void on_progress(void *user, const char *stage, uint32_t done, uint32_t total) {
    cli_progress *p = user;
    pthread_mutex_lock(&p->lock);
    int first = strcmp(p->sub, stage) != 0;
    snprintf(p->sub, sizeof p->sub, "%s", stage);
    p->done = done;
    p->total = total;
    if (first)
        say(p, "%s: %u/%u %s", stage, done, total,
            strcmp(stage, "upload") == 0 ? "weights" : "kernels");
    pthread_mutex_unlock(&p->lock);
}

vkcnn_status cli_progress_create_model(cli_progress *p, vkcnn_context *ctx,
                                       const vkcnn_network *net, const vkcnn_model_options *mo,
                                       vkcnn_model **out) {
    if (!p) return vkcnn_model_create(ctx, net, mo, out);
    vkcnn_device_info dev;
    char detail[400] = "kernels (GLSL -> SPIR-V), pipelines and weight upload";
    if (vkcnn_context_device_info(ctx, vkcnn_context_device_index(ctx), &dev) == VKCNN_OK)
        snprintf(detail, sizeof detail,
                 "kernels (GLSL -> SPIR-V), pipelines and weight upload on %s", dev.name);
    cli_progress_stage(p, "compile", detail);
    p->stop = 0;
    p->sub[0] = '\0';
    p->done = p->total = 0;
    vkcnn_model_options with = mo ? *mo : (vkcnn_model_options){0};
    with.progress = on_progress;
    with.progress_user = p;
    p->running = pthread_create(&p->ticker, NULL, tick, p) == 0;
    vkcnn_status st = vkcnn_model_create(ctx, net, &with, out);
    if (p->running) {
        pthread_mutex_lock(&p->lock);
        p->stop = 1;
        pthread_cond_signal(&p->wake);
        pthread_mutex_unlock(&p->lock);
        pthread_join(p->ticker, NULL);
        p->running = 0;
    }
    vkcnn_model_stats s;
    if (st == VKCNN_OK && vkcnn_model_get_stats(*out, &s) == VKCNN_OK)
        say(p,
            "ready in %.1f s: compile (SPIR-V) %.1f s, pipelines %.1f s, upload %.1f s; "
            "%u dispatches",
            now_s() - p->start, s.compile_ms / 1e3, s.pipelines_ms / 1e3, s.upload_ms / 1e3,
            s.dispatches);
    return st;
}

void cli_progress_end(cli_progress *p) {
    if (!p) return;
    if (p->tty) fprintf(stderr, "\n");
    pthread_cond_destroy(&p->wake);
    pthread_mutex_destroy(&p->lock);
    free(p);
}
