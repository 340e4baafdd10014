# Image decoding (stb_image + libexif) and preprocessing presets (cJSON).
list(APPEND VKCNN_IMAGE_SOURCES
  runtime/image/stb_impl.c
  runtime/image/decode.c
  runtime/image/orient.c
  runtime/image/preset.c
  runtime/run/image_input.c
  runtime/run/image_ref.c
)
# stb_image is third-party code: compiled without our warnings. Under the
# sanitizers, without UBSan's shift-exponent check: stb_image 2.27 (Debian
# 12) lets its JPEG bit reader's count go negative when a marker ends the
# entropy-coded data early, and its next refill shifts a 32-bit word by 32 or
# more (stb issue 1293, fixed in 2.28; a fuzzer find,
# tests/fuzz/corpus/image/regress_jpeg_refill_shift32.jpg). The word is only
# a bit buffer whose uses are masked, so the wrong bits make a corrupt image
# fail or decode to noise. GCC 12 ignores -fno-sanitize=shift-exponent
# (checked), so with GCC the whole shift group is off for stb; every other
# check stays on for it, and all of them for vkcnn's own code.
# tests/fuzz/fuzz.cmake does the same for the clang-built fuzzer.
set(VKCNN_STB_FLAGS -w)
if(VKCNN_SANITIZE)
  if(CMAKE_C_COMPILER_ID STREQUAL "GNU")
    list(APPEND VKCNN_STB_FLAGS -fno-sanitize=shift)
  else()
    list(APPEND VKCNN_STB_FLAGS -fno-sanitize=shift-exponent)
  endif()
endif()
set_source_files_properties(runtime/image/stb_impl.c PROPERTIES COMPILE_OPTIONS "${VKCNN_STB_FLAGS}")
