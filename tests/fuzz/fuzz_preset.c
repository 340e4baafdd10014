/* libFuzzer target over the preset sidecar parser (vkcnn_preprocess_from_
 * preset, cJSON underneath): any byte string must parse into values inside
 * the documented ranges or fail with a status and a message, without a
 * crash, leak or undefined behaviour. The parser reads a path, so each
 * input is written to an anonymous in-memory file opened by its
 * /proc/self/fd name. Linked with tests/fuzz/replay.c instead of
 * libFuzzer, it replays the corpus (ctest fuzz.replay.preset). */
#define _GNU_SOURCE
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vkcnn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool triple_ok(const float v[3], bool positive) {
    for (int i = 0; i < 3; i++)
        if (!isfinite(v[i]) || (positive && !(v[i] > 0))) return false;
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static int fd = -1;
    static char path[64];
    if (fd < 0) {
        fd = memfd_create("vkcnn-preset", 0);
        if (fd < 0) __builtin_trap();
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    }
    if (ftruncate(fd, 0) != 0) __builtin_trap();
    for (size_t done = 0; done < size;) {
        ssize_t w = pwrite(fd, data + done, size - done, (off_t)done);
        if (w <= 0) __builtin_trap();
        done += (size_t)w;
    }
    vkcnn_preprocess pp;
    memset(&pp, 0xA5, sizeof pp); /* untouched on failure */
    vkcnn_preprocess before = pp;
    vkcnn_status st = vkcnn_preprocess_from_preset(path, &pp);
    if (st != VKCNN_OK) {
        if (!vkcnn_last_error()[0] || memcmp(&pp, &before, sizeof pp) != 0) __builtin_trap();
        return 0;
    }
    if (pp.resize > 16384 || pp.crop > 16384) __builtin_trap();
    for (int i = 0; i < 4; i++)
        if (pp.pad[i] > 4096) __builtin_trap();
    if (pp.channel_order != VKCNN_CHANNELS_RGB && pp.channel_order != VKCNN_CHANNELS_BGR &&
        pp.channel_order != VKCNN_CHANNELS_GRAY)
        __builtin_trap();
    if (!isfinite(pp.pixel_scale) || pp.pixel_scale < 0 || !isfinite(pp.pad_value))
        __builtin_trap();
    /* std: all zero (the ImageNet defaults) or all positive */
    bool std_default = pp.std[0] == 0 && pp.std[1] == 0 && pp.std[2] == 0;
    if (!triple_ok(pp.mean, false) || !(std_default || triple_ok(pp.std, true))) __builtin_trap();
    if (!memchr(pp.labels, '\0', sizeof pp.labels)) __builtin_trap();
    return 0;
}
