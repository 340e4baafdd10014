# libFuzzer target over the ONNX loader (-DVKCNN_FUZZ=ON). The fuzzer needs
# clang's -fsanitize=fuzzer whatever compiler builds the rest, so the target
# is compiled by clang directly from the loader's own sources.
find_program(VKCNN_CLANG NAMES clang-14 clang REQUIRED)

set(VKCNN_FUZZ_SOURCES
  ${CMAKE_SOURCE_DIR}/tests/fuzz/fuzz_onnx.c
  ${CMAKE_SOURCE_DIR}/runtime/core/error.c
  ${VKCNN_IMPORT_SOURCES}
  ${VKCNN_IMPORT_GENERATED})
set(VKCNN_FUZZ_BIN ${CMAKE_BINARY_DIR}/fuzz_onnx)
add_custom_command(
  OUTPUT ${VKCNN_FUZZ_BIN}
  COMMAND ${VKCNN_CLANG} -std=c17 -D_XOPEN_SOURCE=700 "-DVKCNN_VERSION_STRING=\"fuzz\""
          -g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined
          -fno-sanitize-recover=undefined
          -I${CMAKE_SOURCE_DIR}/include -I${CMAKE_SOURCE_DIR}/runtime
          -I${CMAKE_BINARY_DIR}/generated
          ${VKCNN_FUZZ_SOURCES} -lprotobuf-c -lm -o ${VKCNN_FUZZ_BIN}
  DEPENDS ${VKCNN_FUZZ_SOURCES}
  VERBATIM
  COMMENT "Building the ONNX loader fuzzer with clang")
add_custom_target(vkcnn_fuzz_onnx ALL DEPENDS ${VKCNN_FUZZ_BIN})
add_dependencies(vkcnn_fuzz_onnx vkcnn_objects)
