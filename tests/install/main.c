/* Uses only the installed header and library. */
#include <stdio.h>
#include <string.h>

#include <vkcnn.h>

int main(void) {
    if (strcmp(vkcnn_status_string(VKCNN_ERROR_NO_DEVICE), "no device") != 0) return 1;
    vkcnn_context_desc desc = {.faults = VKCNN_FAULT_NO_LOADER};
    vkcnn_context *ctx = NULL;
    if (vkcnn_context_create(&desc, &ctx) != VKCNN_ERROR_NO_VULKAN || ctx != NULL) return 1;
    printf("consumer: linked vkcnn %s; a missing loader reads: %s\n", vkcnn_version(),
           vkcnn_last_error());
    return 0;
}
