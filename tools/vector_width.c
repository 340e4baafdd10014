#include "vector_width.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* mkdir -p; 0 when the directory exists afterwards */
static int make_dirs(char *path) {
    for (char *p = path + 1; *p; p++) {
        if (*p != '/') continue;
        *p = '\0';
        int r = mkdir(path, 0700);
        *p = '/';
        if (r != 0 && errno != EEXIST) return -1;
    }
    return mkdir(path, 0700) == 0 || errno == EEXIST ? 0 : -1;
}

/* MESA_SHADER_CACHE_DIR for LP_NATIVE_VECTOR_WIDTH=width; left unset (Mesa's
 * default directory, shared by all widths) when no directory can be made */
static void separate_mesa_cache(const char *width) {
    if (getenv("MESA_SHADER_CACHE_DIR")) return;
    if (strspn(width, "0123456789") != strlen(width) || strlen(width) > 5) return;
    const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    char dir[4096];
    int n;
    if (xdg && *xdg)
        n = snprintf(dir, sizeof dir, "%s/vkcnn/lavapipe-%s", xdg, width);
    else if (home && *home)
        n = snprintf(dir, sizeof dir, "%s/.cache/vkcnn/lavapipe-%s", home, width);
    else
        return;
    if (n < 0 || (size_t)n >= sizeof dir || make_dirs(dir) != 0) return;
    setenv("MESA_SHADER_CACHE_DIR", dir, 0);
}

void tool_choose_vector_width(void) {
    const char *off = getenv("VKCNN_NATIVE_WIDTH");
    if (!getenv("LP_NATIVE_VECTOR_WIDTH") && !(off && strcmp(off, "0") == 0)) {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
        __builtin_cpu_init();
        if (__builtin_cpu_supports("avx512f")) setenv("LP_NATIVE_VECTOR_WIDTH", "512", 0);
#endif
    }
    const char *width = getenv("LP_NATIVE_VECTOR_WIDTH");
    if (width && *width) separate_mesa_cache(width);
}
