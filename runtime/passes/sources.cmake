# Graph passes (identity removal, batch-norm folding, fusion), appended to
# VKCNN_COMPILER_SOURCES by runtime/exec/sources.cmake.
list(APPEND VKCNN_COMPILER_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/passes.c
  ${CMAKE_CURRENT_LIST_DIR}/fold_constants.c
  ${CMAKE_CURRENT_LIST_DIR}/lrn_pattern.c
  ${CMAKE_CURRENT_LIST_DIR}/squeeze_excite.c
  ${CMAKE_CURRENT_LIST_DIR}/remove.c
  ${CMAKE_CURRENT_LIST_DIR}/fold_bn.c
  ${CMAKE_CURRENT_LIST_DIR}/recognise.c
  ${CMAKE_CURRENT_LIST_DIR}/fuse.c
  ${CMAKE_CURRENT_LIST_DIR}/winograd.c
  ${CMAKE_CURRENT_LIST_DIR}/gemv_pack.c
  ${CMAKE_CURRENT_LIST_DIR}/row_pack.c)
