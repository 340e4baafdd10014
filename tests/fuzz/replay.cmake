# The fuzz targets' entry points replayed over their seed corpora, which
# hold every crashing input found so far (regress_*), without libFuzzer:
# a plain build (and the ASan build, which is where these are meant to run
# too) catches a regression in ctest. Included by tests/CMakeLists.txt.
add_executable(fuzz_replay_image fuzz/replay.c fuzz/fuzz_image.c)
target_link_libraries(fuzz_replay_image PRIVATE vkcnn_static)
target_compile_options(fuzz_replay_image PRIVATE ${VKCNN_WARNINGS})
add_test(NAME fuzz.replay.image
         COMMAND fuzz_replay_image ${CMAKE_SOURCE_DIR}/tests/fuzz/corpus/image)
set_tests_properties(fuzz.replay.image PROPERTIES ENVIRONMENT "${VKCNN_TEST_ENV}" LABELS "unit;fuzz")

add_executable(fuzz_replay_onnx fuzz/replay.c fuzz/fuzz_onnx.c)
target_link_libraries(fuzz_replay_onnx PRIVATE vkcnn_static)
target_compile_options(fuzz_replay_onnx PRIVATE ${VKCNN_WARNINGS})
add_test(NAME fuzz.replay.onnx
         COMMAND fuzz_replay_onnx ${CMAKE_SOURCE_DIR}/tests/fuzz/corpus/onnx)
set_tests_properties(fuzz.replay.onnx PROPERTIES ENVIRONMENT "${VKCNN_TEST_ENV}" LABELS "unit;fuzz")

add_executable(fuzz_replay_preset fuzz/replay.c fuzz/fuzz_preset.c)
target_link_libraries(fuzz_replay_preset PRIVATE vkcnn_static)
target_compile_options(fuzz_replay_preset PRIVATE ${VKCNN_WARNINGS})
add_test(NAME fuzz.replay.preset
         COMMAND fuzz_replay_preset ${CMAKE_SOURCE_DIR}/tests/fuzz/corpus/preset)
set_tests_properties(fuzz.replay.preset PROPERTIES ENVIRONMENT "${VKCNN_TEST_ENV}" LABELS "unit;fuzz")
