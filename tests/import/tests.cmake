# ONNX import and graph IR tests (no GPU needed). Included from
# tests/CMakeLists.txt; targets link vkcnn_static to reach internal modules.

add_executable(test_onnx_testdata import/test_onnx_testdata.c)
target_link_libraries(test_onnx_testdata PRIVATE vkcnn_static)
target_compile_options(test_onnx_testdata PRIVATE ${VKCNN_WARNINGS})
add_test(NAME import_onnx_testdata COMMAND test_onnx_testdata /usr/share/libonnx-testdata/data)
set_tests_properties(import_onnx_testdata PROPERTIES
  ENVIRONMENT "${VKCNN_TEST_ENV}" LABELS "import" SKIP_RETURN_CODE 77 TIMEOUT 300)

add_executable(test_import_unit import/test_import_unit.c import/onnx_builder.c)
target_link_libraries(test_import_unit PRIVATE vkcnn_static)
target_include_directories(test_import_unit PRIVATE ${CMAKE_CURRENT_LIST_DIR})
target_compile_options(test_import_unit PRIVATE ${VKCNN_WARNINGS})
add_test(NAME import_unit COMMAND test_import_unit ${CMAKE_SOURCE_DIR}/tests/fuzz/corpus/onnx)
set_tests_properties(import_unit PROPERTIES ENVIRONMENT "${VKCNN_TEST_ENV}" LABELS "import")

# Operators and opsets of issue 18 (opsets 18 to 23, Split, If, folds, data
# movement, refusals) on hand-built models.
add_executable(test_import_ops import/test_import_ops.c import/onnx_builder.c)
target_link_libraries(test_import_ops PRIVATE vkcnn_static)
target_include_directories(test_import_ops PRIVATE ${CMAKE_CURRENT_LIST_DIR})
target_compile_options(test_import_ops PRIVATE ${VKCNN_WARNINGS})
add_test(NAME import_ops COMMAND test_import_ops)
set_tests_properties(import_ops PROPERTIES ENVIRONMENT "${VKCNN_TEST_ENV}" LABELS "import")

# Reductions, normalizations, GELU and Mish: attributes per opset, shapes, refusals
add_executable(test_import_reduce import/test_import_reduce.c import/onnx_builder.c)
target_link_libraries(test_import_reduce PRIVATE vkcnn_static)
target_include_directories(test_import_reduce PRIVATE ${CMAKE_CURRENT_LIST_DIR})
target_compile_options(test_import_reduce PRIVATE ${VKCNN_WARNINGS})
add_test(NAME import_reduce COMMAND test_import_reduce)
set_tests_properties(import_reduce PROPERTIES ENVIRONMENT "${VKCNN_TEST_ENV}" LABELS "import")
