# libFuzzer targets (-DVKCNN_FUZZ=ON): the ONNX loader and image decoding.
# The fuzzer needs clang's -fsanitize=fuzzer whatever compiler builds the
# rest, so each target is compiled by clang directly from its own sources.
find_program(VKCNN_CLANG NAMES clang-14 clang REQUIRED)
set(VKCNN_FUZZ_FLAGS -std=c17 -D_XOPEN_SOURCE=700 "-DVKCNN_VERSION_STRING=\"fuzz\""
    -g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined
    -fno-sanitize-recover=undefined
    -I${CMAKE_SOURCE_DIR}/include -I${CMAKE_SOURCE_DIR}/runtime)

set(VKCNN_FUZZ_SOURCES
  ${CMAKE_SOURCE_DIR}/tests/fuzz/fuzz_onnx.c
  ${CMAKE_SOURCE_DIR}/runtime/core/error.c
  ${VKCNN_IMPORT_SOURCES}
  ${VKCNN_COMPILER_SOURCES}
  ${VKCNN_EMBEDDED}
  ${VKCNN_IMPORT_GENERATED})
set(VKCNN_FUZZ_BIN ${CMAKE_BINARY_DIR}/fuzz_onnx)
add_custom_command(
  OUTPUT ${VKCNN_FUZZ_BIN}
  COMMAND ${VKCNN_CLANG} ${VKCNN_FUZZ_FLAGS} -I${CMAKE_BINARY_DIR}/generated
          ${VKCNN_FUZZ_SOURCES} -lprotobuf-c -lm -o ${VKCNN_FUZZ_BIN}
  DEPENDS ${VKCNN_FUZZ_SOURCES}
  VERBATIM
  COMMENT "Building the ONNX loader fuzzer with clang")
add_custom_target(vkcnn_fuzz_onnx ALL DEPENDS ${VKCNN_FUZZ_BIN})
add_dependencies(vkcnn_fuzz_onnx vkcnn_objects)

# Image decoding: format sniffing, limits, stb_image, EXIF orientation. No
# Vulkan, no generated sources. stb_image is compiled on its own, without
# UBSan's shift-exponent check (runtime/image/sources.cmake says why).
set(VKCNN_FUZZ_IMAGE_SOURCES
  ${CMAKE_SOURCE_DIR}/tests/fuzz/fuzz_image.c
  ${CMAKE_SOURCE_DIR}/runtime/core/error.c
  ${CMAKE_SOURCE_DIR}/runtime/image/decode.c
  ${CMAKE_SOURCE_DIR}/runtime/image/orient.c)
set(VKCNN_FUZZ_STB_OBJ ${CMAKE_BINARY_DIR}/fuzz_stb_impl.o)
add_custom_command(
  OUTPUT ${VKCNN_FUZZ_STB_OBJ}
  COMMAND ${VKCNN_CLANG} ${VKCNN_FUZZ_FLAGS} -fno-sanitize=shift-exponent -w
          -I${STB_INCLUDE_DIR} -c ${CMAKE_SOURCE_DIR}/runtime/image/stb_impl.c
          -o ${VKCNN_FUZZ_STB_OBJ}
  DEPENDS ${CMAKE_SOURCE_DIR}/runtime/image/stb_impl.c
  VERBATIM
  COMMENT "Compiling stb_image for the image decoding fuzzer")
set(VKCNN_FUZZ_IMAGE_BIN ${CMAKE_BINARY_DIR}/fuzz_image)
add_custom_command(
  OUTPUT ${VKCNN_FUZZ_IMAGE_BIN}
  COMMAND ${VKCNN_CLANG} ${VKCNN_FUZZ_FLAGS} -I${STB_INCLUDE_DIR}
          ${VKCNN_FUZZ_IMAGE_SOURCES} ${VKCNN_FUZZ_STB_OBJ} ${LIBEXIF_LINK_LIBRARIES} -lm
          -o ${VKCNN_FUZZ_IMAGE_BIN}
  DEPENDS ${VKCNN_FUZZ_IMAGE_SOURCES} ${VKCNN_FUZZ_STB_OBJ}
          ${CMAKE_SOURCE_DIR}/runtime/image/image.h ${CMAKE_SOURCE_DIR}/runtime/image/stb.h
  VERBATIM
  COMMENT "Building the image decoding fuzzer with clang")
add_custom_target(vkcnn_fuzz_image ALL DEPENDS ${VKCNN_FUZZ_IMAGE_BIN})

# The preset sidecar parser (cJSON), fed through an in-memory file.
set(VKCNN_FUZZ_PRESET_SOURCES
  ${CMAKE_SOURCE_DIR}/tests/fuzz/fuzz_preset.c
  ${CMAKE_SOURCE_DIR}/runtime/core/error.c
  ${CMAKE_SOURCE_DIR}/runtime/image/preset.c)
set(VKCNN_FUZZ_PRESET_BIN ${CMAKE_BINARY_DIR}/fuzz_preset)
add_custom_command(
  OUTPUT ${VKCNN_FUZZ_PRESET_BIN}
  COMMAND ${VKCNN_CLANG} ${VKCNN_FUZZ_FLAGS}
          ${VKCNN_FUZZ_PRESET_SOURCES} ${LIBCJSON_LINK_LIBRARIES} -lm -o ${VKCNN_FUZZ_PRESET_BIN}
  DEPENDS ${VKCNN_FUZZ_PRESET_SOURCES}
  VERBATIM
  COMMENT "Building the preset parser fuzzer with clang")
add_custom_target(vkcnn_fuzz_preset ALL DEPENDS ${VKCNN_FUZZ_PRESET_BIN})
