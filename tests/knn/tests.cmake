# k-nearest-neighbour search (vkcnn_index_*, `vkcnn knn`, `vkcnn embed`,
# `classify --knn`) and extra model outputs. Included by tests/CMakeLists.txt;
# every test runs under the validation layer.
add_executable(test_index ${CMAKE_CURRENT_LIST_DIR}/test_index.c)
target_link_libraries(test_index PRIVATE vkcnn_test_harness m)
target_compile_options(test_index PRIVATE ${VKCNN_WARNINGS})
add_test(NAME knn.index COMMAND test_index)
set_tests_properties(knn.index PROPERTIES ENVIRONMENT "${VKCNN_TEST_ENV}" LABELS "vulkan;knn"
  TIMEOUT 600)
# the other paths, forced on lavapipe: operands through storage buffers (not
# texel buffers), a GPU's 8 x 4 register block, the selection in shared
# memory (not in one subgroup)
add_test(NAME knn.index_storage COMMAND test_index)
set_tests_properties(knn.index_storage PROPERTIES
  ENVIRONMENT "${VKCNN_TEST_ENV};VKCNN_TEXEL_LOADS=0;VKCNN_KNN_TILE=8x4;VKCNN_KNN_SUBGROUP=0"
  LABELS "vulkan;knn" TIMEOUT 600)

# vkcnn_model_options.extra_outputs on LeNet-5 (against the unfused executor).
add_executable(test_extra_outputs ${CMAKE_CURRENT_LIST_DIR}/test_extra_outputs.c)
target_link_libraries(test_extra_outputs PRIVATE vkcnn_test_harness m)
target_compile_options(test_extra_outputs PRIVATE ${VKCNN_WARNINGS})
add_test(NAME knn.extra_outputs
         COMMAND test_extra_outputs ${CMAKE_SOURCE_DIR}/models/lenet5/lenet5.onnx)
set_tests_properties(knn.extra_outputs PROPERTIES ENVIRONMENT "${VKCNN_TEST_ENV}"
  LABELS "vulkan;knn" TIMEOUT 600)

if(TARGET vkcnn_cli)
  # `vkcnn knn` against numpy's exact float64 search: the issue's shapes
  # (up to 200,000 x 16, 20,000 x 512, 2,000 x 4,096), k 1, 10, 1,024,
  # duplicate rows, the metrics, and bad input with its exit status
  add_test(NAME knn.cli
           COMMAND /usr/bin/python3 ${CMAKE_CURRENT_LIST_DIR}/test_knn_cli.py
                   $<TARGET_FILE:vkcnn_cli> ${CMAKE_BINARY_DIR}/knn-tests/cli)
  set_tests_properties(knn.cli PROPERTIES ENVIRONMENT "${VKCNN_TEST_ENV}"
    LABELS "vulkan;knn;cli" TIMEOUT 900)
  # `vkcnn embed` against PyTorch on LeNet-5, the sidecar, classify --knn
  add_test(NAME knn.embed
           COMMAND /usr/bin/python3 ${CMAKE_CURRENT_LIST_DIR}/test_embed.py
                   $<TARGET_FILE:vkcnn_cli> ${CMAKE_BINARY_DIR}/knn-tests/embed)
  set_tests_properties(knn.embed PROPERTIES ENVIRONMENT "${VKCNN_TEST_ENV}"
    LABELS "vulkan;knn;cli" TIMEOUT 600)
endif()

if(TARGET vkcnn_cli)
  # MNIST (the digits the LeNet-5 tests fetch): k-NN on LeNet-5's 84-D
  # features within 0.5 point of its softmax head, raw pixels clearly below
  add_test(NAME knn.mnist
           COMMAND /usr/bin/python3 ${CMAKE_SOURCE_DIR}/bench/knn_mnist.py --check
                   --vkcnn $<TARGET_FILE:vkcnn_cli> --work ${CMAKE_BINARY_DIR}/knn-tests/mnist)
  set_tests_properties(knn.mnist PROPERTIES ENVIRONMENT "${VKCNN_TEST_ENV}"
    LABELS "vulkan;knn;cli;release-only" TIMEOUT 1200)
endif()

# vkcnn.Index (python/vkcnn/index.py) against numpy, from the source tree
# (the interpreter is not instrumented: not in sanitizer builds)
if(TARGET vkcnn_cli AND NOT VKCNN_SANITIZE AND NOT VKCNN_SANITIZE_THREAD)
  add_test(NAME knn.python COMMAND /usr/bin/python3 ${CMAKE_CURRENT_LIST_DIR}/test_index_python.py)
  set_tests_properties(knn.python PROPERTIES
    ENVIRONMENT "${VKCNN_TEST_ENV};VKCNN_LIBRARY=$<TARGET_FILE:vkcnn>"
    LABELS "vulkan;knn;python" TIMEOUT 600)
endif()
