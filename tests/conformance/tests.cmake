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

# The data-movement, logic, resizing and shape cases with their shape, index
# and boolean inputs made constants and float32 inputs (as a user's model has
# them), against ONNX's expected outputs through `vkcnn run`.
if(TARGET vkcnn_cli AND EXISTS ${VKCNN_ONNX_TESTDATA}/node)
  add_test(NAME conformance.constant_inputs
    COMMAND /usr/bin/python3 ${CMAKE_CURRENT_LIST_DIR}/constant_inputs.py
            $<TARGET_FILE:vkcnn_cli> ${VKCNN_ONNX_TESTDATA})
  set_tests_properties(conformance.constant_inputs PROPERTIES
    ENVIRONMENT "${VKCNN_TEST_ENV}" LABELS "vulkan;conformance" TIMEOUT 900)
endif()

# PyTorch's own exports of F.interpolate (nearest, bilinear; by scale and
# size; align_corners), chunk, strided and reversed slices and index lists,
# at opsets 11, 13 and 17, against PyTorch (needs Debian's python3-torch).
if(TARGET vkcnn_cli AND VKCNN_MODEL_TESTS)
  add_test(NAME conformance.torch_data_ops
    COMMAND /usr/bin/python3 ${CMAKE_CURRENT_LIST_DIR}/torch_data_ops.py $<TARGET_FILE:vkcnn_cli>)
  set_tests_properties(conformance.torch_data_ops PROPERTIES
    ENVIRONMENT "${VKCNN_TEST_ENV}" LABELS "vulkan;conformance;models" TIMEOUT 900)
endif()
