/* Sanitizer builds only: keeps lavapipe and the validation layer mapped after
 * the Vulkan loader dlclose()s them, so LeakSanitizer can name their frames
 * and tests/lsan.supp can suppress exactly those libraries (an unloaded
 * library shows as "<unknown module>", which no suppression can match).
 * Linked into the test harness and, in sanitizer builds, the CLI. */
#include <dlfcn.h>
#include <stddef.h>

__attribute__((constructor)) static void vkcnn_pin_driver_libraries(void) {
    static const char *const libs[] = {"libvulkan_lvp.so", "libVkLayer_khronos_validation.so"};
    for (size_t i = 0; i < sizeof libs / sizeof libs[0]; i++)
        dlopen(libs[i], RTLD_LAZY | RTLD_NODELETE);
}
