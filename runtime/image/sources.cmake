# Image decoding (stb_image + libexif) and preprocessing presets (cJSON).
list(APPEND VKCNN_IMAGE_SOURCES
  runtime/image/stb_impl.c
  runtime/image/decode.c
  runtime/image/orient.c
  runtime/image/preset.c
  runtime/run/image_input.c
  runtime/run/image_ref.c
)
# stb_image is third-party code: compiled without our warnings.
set_source_files_properties(runtime/image/stb_impl.c PROPERTIES COMPILE_OPTIONS -w)
