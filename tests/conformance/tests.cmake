# ONNX's own operator tests (libonnx-testdata) through the public API, on the
# selected Vulkan device, with the validation layer on.
set(VKCNN_ONNX_TESTDATA /usr/share/libonnx-testdata/data)
add_executable(onnx_conformance ${CMAKE_CURRENT_LIST_DIR}/onnx_conformance.c)
target_link_libraries(onnx_conformance PRIVATE vkcnn_static)
target_compile_options(onnx_conformance PRIVATE ${VKCNN_WARNINGS})
if(VKCNN_SANITIZE)
  target_sources(onnx_conformance PRIVATE ${CMAKE_CURRENT_LIST_DIR}/../lsan_pin.c)
endif()
add_test(NAME onnx_conformance
  COMMAND onnx_conformance ${VKCNN_ONNX_TESTDATA}/node ${VKCNN_ONNX_TESTDATA}/pytorch-converted
          ${VKCNN_ONNX_TESTDATA}/pytorch-operator)
set_tests_properties(onnx_conformance PROPERTIES
  ENVIRONMENT "${VKCNN_TEST_ENV};VKCNN_VALIDATE=1" LABELS "vulkan;conformance" TIMEOUT 1800)
