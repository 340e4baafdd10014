# Exact k-nearest-neighbour search on the device (vkcnn_index_*), include()d
# by the top-level CMakeLists.txt into the library's object target.
list(APPEND VKCNN_KNN_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/index.c
  ${CMAKE_CURRENT_LIST_DIR}/search.c)
