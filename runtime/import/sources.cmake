# ONNX import and graph IR sources, include()d by the top-level CMakeLists.txt.
# Appends to VKCNN_IMPORT_SOURCES (hand-written C) and VKCNN_IMPORT_GENERATED
# (the protobuf-c decoder generated from runtime/import/onnx.proto).

set(VKCNN_ONNX_PROTO ${CMAKE_CURRENT_LIST_DIR}/onnx.proto)
set(VKCNN_ONNX_PB_C ${CMAKE_BINARY_DIR}/generated/onnx.pb-c.c)
set(VKCNN_ONNX_PB_H ${CMAKE_BINARY_DIR}/generated/onnx.pb-c.h)
file(MAKE_DIRECTORY ${CMAKE_BINARY_DIR}/generated)
add_custom_command(
  OUTPUT ${VKCNN_ONNX_PB_C} ${VKCNN_ONNX_PB_H}
  COMMAND ${PROTOC_C} --proto_path=${CMAKE_CURRENT_LIST_DIR}
          --c_out=${CMAKE_BINARY_DIR}/generated ${VKCNN_ONNX_PROTO}
  DEPENDS ${VKCNN_ONNX_PROTO}
  COMMENT "Generating the ONNX decoder with protoc-c")

list(APPEND VKCNN_IMPORT_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/../core/pages.c
  ${CMAKE_CURRENT_LIST_DIR}/onnx_read.c
  ${CMAKE_CURRENT_LIST_DIR}/onnx_tensor.c
  ${CMAKE_CURRENT_LIST_DIR}/onnx_attrs.c
  ${CMAKE_CURRENT_LIST_DIR}/onnx_graph.c
  ${CMAKE_CURRENT_LIST_DIR}/onnx_if.c
  ${CMAKE_CURRENT_LIST_DIR}/../graph/graph.c
  ${CMAKE_CURRENT_LIST_DIR}/../graph/infer.c
  ${CMAKE_CURRENT_LIST_DIR}/../graph/infer_reduce.c
  ${CMAKE_CURRENT_LIST_DIR}/../graph/fold.c
  ${CMAKE_CURRENT_LIST_DIR}/../graph/fold_logic.c
  ${CMAKE_CURRENT_LIST_DIR}/../graph/infer_data.c
  ${CMAKE_CURRENT_LIST_DIR}/../graph/network.c)
list(APPEND VKCNN_IMPORT_GENERATED ${VKCNN_ONNX_PB_C})

# Sources the fuzz target and tests may compile on their own (with other flags).
set(VKCNN_IMPORT_ALL_SOURCES ${VKCNN_IMPORT_SOURCES})
