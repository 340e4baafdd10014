# Kernel variants and the tuner (runtime/codegen/variant.h, choose.c,
# runtime/tune). Included from tests/CMakeLists.txt.
add_executable(test_variants tune/test_variants.c)
target_link_libraries(test_variants PRIVATE vkcnn_kernel_test_util vkcnn_test_harness)
target_compile_options(test_variants PRIVATE ${VKCNN_WARNINGS})
add_test(NAME tune_variants COMMAND test_variants)
set_tests_properties(tune_variants PROPERTIES ENVIRONMENT "${VKCNN_TEST_ENV}"
  LABELS "vulkan;kernels;tune" TIMEOUT 600)

add_executable(test_tune tune/test_tune.c)
target_link_libraries(test_tune PRIVATE vkcnn_test_harness m)
target_compile_options(test_tune PRIVATE ${VKCNN_WARNINGS})
add_test(NAME tune_lenet5 COMMAND test_tune ${CMAKE_SOURCE_DIR}/models/lenet5/lenet5.onnx)
set_tests_properties(tune_lenet5 PROPERTIES ENVIRONMENT "${VKCNN_TEST_ENV}"
  LABELS "vulkan;tune" TIMEOUT 600)

if(VKCNN_BUILD_TOOLS)
  add_test(NAME tune_cli
    COMMAND /usr/bin/python3 ${CMAKE_CURRENT_LIST_DIR}/check_tune_cli.py $<TARGET_FILE:vkcnn_cli>
            ${CMAKE_SOURCE_DIR}/models/lenet5/lenet5.onnx)
  set_tests_properties(tune_cli PROPERTIES ENVIRONMENT "${VKCNN_TEST_ENV};VKCNN_VALIDATE=1"
    LABELS "vulkan;cli;tune" TIMEOUT 600)
endif()
