# The compiler (operator table, passes, codegen, the plain-C reference) and
# the executor, include()d by the top-level CMakeLists.txt into the library's
# object target. VKCNN_COMPILER_SOURCES touch no device: the fuzz targets
# compile them with the importer.
list(APPEND VKCNN_COMPILER_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/../vk/shaders.c
  ${CMAKE_CURRENT_LIST_DIR}/../ops/op_table.c
  ${CMAKE_CURRENT_LIST_DIR}/../codegen/codegen.c
  ${CMAKE_CURRENT_LIST_DIR}/../codegen/lower_window.c
  ${CMAKE_CURRENT_LIST_DIR}/../codegen/lower_matrix.c
  ${CMAKE_CURRENT_LIST_DIR}/../codegen/lower_elementwise.c
  ${CMAKE_CURRENT_LIST_DIR}/../codegen/lower_layout.c
  ${CMAKE_CURRENT_LIST_DIR}/../codegen/lower_epilogue.c
  ${CMAKE_CURRENT_LIST_DIR}/../codegen/lower_scratch.c
  ${CMAKE_CURRENT_LIST_DIR}/../codegen/lower_winograd.c
  ${CMAKE_CURRENT_LIST_DIR}/../codegen/lower_coopmat.c
  ${CMAKE_CURRENT_LIST_DIR}/../codegen/variant.c
  ${CMAKE_CURRENT_LIST_DIR}/../codegen/choose.c
  ${CMAKE_CURRENT_LIST_DIR}/../codegen/lower_reduce.c
  ${CMAKE_CURRENT_LIST_DIR}/../codegen/lower_norm.c
  ${CMAKE_CURRENT_LIST_DIR}/../codegen/lower_data.c
  ${CMAKE_CURRENT_LIST_DIR}/../codegen/lower_resize.c
  ${CMAKE_CURRENT_LIST_DIR}/../ref/ref.c
  ${CMAKE_CURRENT_LIST_DIR}/../ref/ref_window.c
  ${CMAKE_CURRENT_LIST_DIR}/../ref/ref_matrix.c
  ${CMAKE_CURRENT_LIST_DIR}/../ref/ref_elementwise.c
  ${CMAKE_CURRENT_LIST_DIR}/../ref/ref_scalar.c
  ${CMAKE_CURRENT_LIST_DIR}/../ref/ref_layout.c
  ${CMAKE_CURRENT_LIST_DIR}/../ref/ref_data.c
  ${CMAKE_CURRENT_LIST_DIR}/../ref/ref_resize.c
  ${CMAKE_CURRENT_LIST_DIR}/../ref/ref_reduce.c
  ${CMAKE_CURRENT_LIST_DIR}/../ref/ref_norm.c
  ${CMAKE_CURRENT_LIST_DIR}/../ref/ref_squeeze_excite.c
  ${CMAKE_CURRENT_LIST_DIR}/../codegen/lower_squeeze_excite.c)
include(${CMAKE_CURRENT_LIST_DIR}/../passes/sources.cmake)
list(APPEND VKCNN_EXEC_SOURCES
  ${VKCNN_COMPILER_SOURCES}
  ${CMAKE_CURRENT_LIST_DIR}/exec.c
  ${CMAKE_CURRENT_LIST_DIR}/exec_check.c
  ${CMAKE_CURRENT_LIST_DIR}/exec_dump.c
  ${CMAKE_CURRENT_LIST_DIR}/exec_choose.c
  ${CMAKE_CURRENT_LIST_DIR}/exec_precision.c
  ${CMAKE_CURRENT_LIST_DIR}/../tune/table.c
  ${CMAKE_CURRENT_LIST_DIR}/../tune/tune.c)
