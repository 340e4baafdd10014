# Reliability tests (resource exhaustion, leaks over many lifecycles, soak).
# Included by tests/CMakeLists.txt. The lifecycle and soak tests measure
# resident memory, which under a sanitizer measures the sanitizer: they are
# labelled release-only (the ASan run leaves them out, as it does VGG).
# AlexNet comes from the shared export cache (models/cached_export.py, the
# vkcnn_models fixture of tests/models/tests.cmake).

function(vkcnn_reliability_test name)
  add_executable(${name} reliability/${name}.c)
  target_link_libraries(${name} PRIVATE vkcnn_test_harness)
  target_compile_options(${name} PRIVATE ${VKCNN_WARNINGS})
endfunction()

vkcnn_reliability_test(test_lifecycle)
vkcnn_reliability_test(test_exhaustion)
target_link_libraries(test_lifecycle PRIVATE m)

if(VKCNN_MODEL_TESTS)
  set(_vkcnn_rel_lenet ${CMAKE_SOURCE_DIR}/models/lenet5/lenet5.onnx)
  set(_vkcnn_rel_alexnet
      "$(${VKCNN_MODEL_PYTHON} ${CMAKE_SOURCE_DIR}/models/cached_export.py alexnet -q)")
  # 200 rounds of context + LeNet-5, AlexNet in every 10th (20 rounds);
  # RssAnon growth between round 50 and round 200 under 1%, no more file
  # mappings or open descriptors at round 200 than at round 50.
  add_test(NAME reliability.lifecycle
           COMMAND sh -c "exec \"$0\" \"$1\" ${_vkcnn_rel_alexnet} 200 50 10"
                   $<TARGET_FILE:test_lifecycle> ${_vkcnn_rel_lenet})
  set_tests_properties(reliability.lifecycle PROPERTIES
    FIXTURES_REQUIRED vkcnn_models
    ENVIRONMENT "${VKCNN_TEST_ENV}"
    LABELS "vulkan;models;release-only"
    TIMEOUT 3600)
  add_test(NAME reliability.exhaustion
           COMMAND sh -c "exec \"$0\" \"$1\" ${_vkcnn_rel_alexnet}"
                   $<TARGET_FILE:test_exhaustion> ${_vkcnn_rel_lenet})
  set_tests_properties(reliability.exhaustion PROPERTIES
    FIXTURES_REQUIRED vkcnn_models
    ENVIRONMENT "${VKCNN_TEST_ENV}"
    LABELS "vulkan;models"
    TIMEOUT 900)
endif()

# 1,000 LeNet-5 inferences: outputs bit-identical, RssAnon growth under 1%.
if(TARGET vkcnn_soak)
  add_test(NAME reliability.soak.lenet5
           COMMAND vkcnn_soak ${CMAKE_SOURCE_DIR}/models/lenet5/lenet5.onnx --iters 1000)
  set_tests_properties(reliability.soak.lenet5 PROPERTIES
    ENVIRONMENT "${VKCNN_TEST_ENV};VKCNN_VALIDATE=1"
    LABELS "vulkan;release-only"
    TIMEOUT 900)
endif()
