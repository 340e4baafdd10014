# Kernel variants and the tuner (runtime/codegen/variant.h, choose.c,
# runtime/tune). Included from tests/CMakeLists.txt.
add_executable(test_variants tune/test_variants.c)
target_link_libraries(test_variants PRIVATE vkcnn_kernel_test_util vkcnn_test_harness)
target_compile_options(test_variants PRIVATE ${VKCNN_WARNINGS})
add_test(NAME tune_variants COMMAND test_variants)
set_tests_properties(tune_variants PROPERTIES ENVIRONMENT "${VKCNN_TEST_ENV}"
  LABELS "vulkan;kernels;tune" TIMEOUT 600)

