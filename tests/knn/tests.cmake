# k-nearest-neighbour search (vkcnn_index_*, `vkcnn knn`, `vkcnn embed`,
# `classify --knn`) and extra model outputs. Included by tests/CMakeLists.txt;
# every test runs under the validation layer.
add_executable(test_index ${CMAKE_CURRENT_LIST_DIR}/test_index.c)
target_link_libraries(test_index PRIVATE vkcnn_test_harness m)
target_compile_options(test_index PRIVATE ${VKCNN_WARNINGS})
add_test(NAME knn.index COMMAND test_index)
set_tests_properties(knn.index PROPERTIES ENVIRONMENT "${VKCNN_TEST_ENV}" LABELS "vulkan;knn"
  TIMEOUT 600)
