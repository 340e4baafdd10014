# k-nearest-neighbour search (vkcnn_index_*, `vkcnn knn`, `vkcnn embed`,
# `classify --knn`) and extra model outputs. Included by tests/CMakeLists.txt;
# every test runs under the validation layer.
add_executable(test_index ${CMAKE_CURRENT_LIST_DIR}/test_index.c)
target_link_libraries(test_index PRIVATE vkcnn_test_harness m)
target_compile_options(test_index PRIVATE ${VKCNN_WARNINGS})
add_test(NAME knn.index COMMAND test_index)
set_tests_properties(knn.index PROPERTIES ENVIRONMENT "${VKCNN_TEST_ENV}" LABELS "vulkan;knn"
  TIMEOUT 600)

# vkcnn_model_options.extra_outputs on LeNet-5 (against the unfused executor).
add_executable(test_extra_outputs ${CMAKE_CURRENT_LIST_DIR}/test_extra_outputs.c)
target_link_libraries(test_extra_outputs PRIVATE vkcnn_test_harness m)
target_compile_options(test_extra_outputs PRIVATE ${VKCNN_WARNINGS})
add_test(NAME knn.extra_outputs
         COMMAND test_extra_outputs ${CMAKE_SOURCE_DIR}/models/lenet5/lenet5.onnx)
set_tests_properties(knn.extra_outputs PROPERTIES ENVIRONMENT "${VKCNN_TEST_ENV}"
  LABELS "vulkan;knn" TIMEOUT 600)
