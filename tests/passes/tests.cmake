# Graph passes and the fused, memory-planned executor: unit tests of each
# pass on hand-built graphs, and fused vs unfused on every model available
# (conformance models, exported nets, LeNet-5). Included from
# tests/CMakeLists.txt, after kernels/tests.cmake (it uses kt.c's helpers).
add_executable(test_passes passes/test_passes.c)
target_link_libraries(test_passes PRIVATE vkcnn_kernel_test_util vkcnn_test_harness)
target_compile_options(test_passes PRIVATE ${VKCNN_WARNINGS})
add_test(NAME passes_unit COMMAND test_passes)
set_tests_properties(passes_unit PROPERTIES ENVIRONMENT "${VKCNN_TEST_ENV}"
  LABELS "vulkan;passes" TIMEOUT 600)

# LayerNormalization's and GELU's decomposed forms recognised (recognise.c)
add_executable(test_recognise passes/test_recognise.c)
target_link_libraries(test_recognise PRIVATE vkcnn_kernel_test_util vkcnn_test_harness)
target_compile_options(test_recognise PRIVATE ${VKCNN_WARNINGS})
add_test(NAME passes_recognise COMMAND test_recognise)
set_tests_properties(passes_recognise PROPERTIES ENVIRONMENT "${VKCNN_TEST_ENV}"
  LABELS "vulkan;passes" TIMEOUT 600)

add_executable(test_fusion_models passes/test_fusion_models.c)
target_link_libraries(test_fusion_models PRIVATE vkcnn_test_harness)
target_compile_options(test_fusion_models PRIVATE ${VKCNN_WARNINGS})

set(_vkcnn_testdata /usr/share/libonnx-testdata/data)
if(EXISTS ${_vkcnn_testdata}/node)
  add_test(NAME passes_conformance_models
           COMMAND test_fusion_models ${_vkcnn_testdata}/node ${_vkcnn_testdata}/pytorch-converted
                   ${_vkcnn_testdata}/pytorch-operator)
  set_tests_properties(passes_conformance_models PROPERTIES ENVIRONMENT "${VKCNN_TEST_ENV}"
    LABELS "vulkan;passes" TIMEOUT 900)
endif()
add_test(NAME passes_lenet5 COMMAND test_fusion_models ${CMAKE_SOURCE_DIR}/models/lenet5/lenet5.onnx)
set_tests_properties(passes_lenet5 PROPERTIES ENVIRONMENT "${VKCNN_TEST_ENV}"
  LABELS "vulkan;passes" TIMEOUT 600)

# Exported models (PyTorch): with the model tests, sharing their export cache.
if(VKCNN_MODEL_TESTS)
  set(_vkcnn_passes_py ${CMAKE_CURRENT_LIST_DIR}/test_models.py)
  # models/tests.cmake (included later) makes this a cache entry
  set(_vkcnn_passes_python /usr/bin/python3)
  if(VKCNN_MODEL_PYTHON)
    set(_vkcnn_passes_python ${VKCNN_MODEL_PYTHON})
  endif()
  # ResNet's residual Add and ReLU join the convs' groups, EfficientNet's SiLU
  # and SE scale too: their plans have no dispatch of elementwise nodes alone
  foreach(_case lenet:1 lenet:3 tinynet:1 tinynet:2 alexnet:1 alexnet_original:1 alexnet:2
                vgg11:1 vgg11_bn:1 vgg16:1 vgg16_bn:1 resnet18:1:--no-elementwise-only
                resnet50:1:--no-elementwise-only efficientnet_b0:1:--no-elementwise-only)
    string(REPLACE ":" ";" _pair ${_case})
    list(GET _pair 0 _net)
    list(GET _pair 1 _batch)
    set(_options)
    list(LENGTH _pair _parts)
    if(_parts GREATER 2)
      list(GET _pair 2 _options)
    endif()
    add_test(NAME passes.models.${_net}.b${_batch}
             COMMAND ${_vkcnn_passes_python} ${_vkcnn_passes_py} $<TARGET_FILE:test_fusion_models>
                     ${_net} ${_batch} ${_options})
    set(_labels "vulkan;passes;models")
    if(_net MATCHES "^(vgg|resnet|efficientnet)")
      set(_labels "vulkan;passes;models;release-only")
    endif()
    set_tests_properties(passes.models.${_net}.b${_batch} PROPERTIES
      FIXTURES_REQUIRED vkcnn_models ENVIRONMENT "${VKCNN_TEST_ENV}" LABELS "${_labels}"
      TIMEOUT 1800)
  endforeach()
endif()

# The paper's AlexNet with the stock torch.nn.LocalResponseNorm, exported as
# PyTorch writes it (a decomposition with a 3-D AveragePool and an If):
# loaded, rewritten into LRN (lrn_pattern.c), and against PyTorch with and
# without the passes.
if(VKCNN_MODEL_TESTS AND TARGET vkcnn_cli)
  set(_vkcnn_lrn_python /usr/bin/python3)
  if(VKCNN_MODEL_PYTHON)
    set(_vkcnn_lrn_python ${VKCNN_MODEL_PYTHON})
  endif()
  add_test(NAME passes.lrn_alexnet
           COMMAND ${_vkcnn_lrn_python} ${CMAKE_CURRENT_LIST_DIR}/test_lrn_alexnet.py
                   $<TARGET_FILE:vkcnn_cli> 13)
  set_tests_properties(passes.lrn_alexnet PROPERTIES ENVIRONMENT "${VKCNN_TEST_ENV}"
    LABELS "vulkan;passes;models" TIMEOUT 900)
endif()
