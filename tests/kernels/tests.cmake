# Kernel tests: every GPU kernel against runtime/ref on randomized shapes,
# through the executor, under the validation layer. Included from
# tests/CMakeLists.txt.
add_library(vkcnn_kernel_test_util OBJECT kernels/kt.c)
target_link_libraries(vkcnn_kernel_test_util PUBLIC vkcnn_test_harness)
target_include_directories(vkcnn_kernel_test_util PUBLIC ${CMAKE_CURRENT_LIST_DIR})
target_compile_options(vkcnn_kernel_test_util PRIVATE ${VKCNN_WARNINGS})

function(vkcnn_kernel_test name)
  add_executable(${name} kernels/${name}.c)
  # both object libraries directly: their objects (with tests/lsan_pin.c's
  # constructor) are linked only into direct consumers
  target_link_libraries(${name} PRIVATE vkcnn_kernel_test_util vkcnn_test_harness)
  target_compile_options(${name} PRIVATE ${VKCNN_WARNINGS})
  add_test(NAME kernel_${name} COMMAND ${name})
  set_tests_properties(kernel_${name} PROPERTIES ENVIRONMENT "${VKCNN_TEST_ENV}"
    LABELS "vulkan;kernels" TIMEOUT 600)
endfunction()

vkcnn_kernel_test(test_conv)
vkcnn_kernel_test(test_pool)
vkcnn_kernel_test(test_matrix)
vkcnn_kernel_test(test_elementwise)
vkcnn_kernel_test(test_layout)
vkcnn_kernel_test(test_large)
vkcnn_kernel_test(test_exec)
vkcnn_kernel_test(test_winograd)
# reductions, normalizations, GELU and Mish (issue 18)
vkcnn_kernel_test(test_reduce)
vkcnn_kernel_test(test_norm)
vkcnn_kernel_test(test_gelu)
vkcnn_kernel_test(test_data)
# squeeze-and-excitation blocks as one dispatch (issue 19)
vkcnn_kernel_test(test_squeeze_excite)
# fp16 activations: every kernel form that reads or writes them, both load
# paths (SKIP where the device lacks 16-bit storage)
vkcnn_kernel_test(test_half_io)
set_tests_properties(kernel_test_half_io PROPERTIES SKIP_RETURN_CODE 77)
foreach(loads texel storage)
  add_test(NAME kernel_test_half_io_${loads} COMMAND test_half_io)
  set_tests_properties(kernel_test_half_io_${loads} PROPERTIES
    ENVIRONMENT "${VKCNN_TEST_ENV};VKCNN_KERNEL_OVERRIDE=loads=${loads}" LABELS "vulkan;kernels"
    TIMEOUT 600 SKIP_RETURN_CODE 77)
endforeach()
# the cooperative-matrix kernels: compiled and checked by spirv-val (no
# device), and run against the reference where a device has them (SKIP
# elsewhere)
add_executable(test_coopmat_spirv kernels/test_coopmat_spirv.c)
target_link_libraries(test_coopmat_spirv PRIVATE vkcnn_kernel_test_util vkcnn_test_harness)
target_compile_options(test_coopmat_spirv PRIVATE ${VKCNN_WARNINGS})
target_compile_definitions(test_coopmat_spirv PRIVATE VKCNN_COOPMAT_KHR=$<BOOL:${VKCNN_COOPMAT_KHR}>)
add_test(NAME kernel_coopmat_spirv COMMAND test_coopmat_spirv ${SPIRV_VAL})
set_tests_properties(kernel_coopmat_spirv PROPERTIES ENVIRONMENT "${VKCNN_TEST_ENV}"
  LABELS "kernels" TIMEOUT 600)
vkcnn_kernel_test(test_coopmat)
add_test(NAME kernel_test_coopmat_fp16 COMMAND test_coopmat)
set_tests_properties(kernel_test_coopmat_fp16 PROPERTIES
  ENVIRONMENT "${VKCNN_TEST_ENV};KT_PRECISION=fp16" LABELS "vulkan;kernels" TIMEOUT 600)
set_tests_properties(kernel_test_coopmat kernel_test_coopmat_fp16 PROPERTIES SKIP_RETURN_CODE 77)

# The weight-reading kernels again with fp16 weights (kt.h, KT_PRECISION).
foreach(name test_conv test_matrix)
  add_test(NAME kernel_${name}_fp16 COMMAND ${name})
  set_tests_properties(kernel_${name}_fp16 PROPERTIES
    ENVIRONMENT "${VKCNN_TEST_ENV};KT_PRECISION=fp16" LABELS "vulkan;kernels" TIMEOUT 600)
endforeach()

# gemv.comp with its shared-memory tree reduction, also where the device has
# the subgroupAdd one (the variant's reduction, codegen/choose.c).
add_test(NAME kernel_test_matrix_tree COMMAND test_matrix)
set_tests_properties(kernel_test_matrix_tree PROPERTIES
  ENVIRONMENT "${VKCNN_TEST_ENV};VKCNN_KERNEL_OVERRIDE=gemm=tree" LABELS "vulkan;kernels"
  TIMEOUT 600)

# The kernels with a texel-buffer variant (conv_gemm.comp, gemv.comp, pool.comp,
# the Winograd kernels, squeeze_excite.comp) both ways on every device, whatever the device's
# default: texel loads forced on (some dispatch must use them) and off (none
# may); kt_summary checks the count. Texel loads as texelFetch (image=off:
# no dispatch may use imageLoad) and as imageLoad from storage texel buffers
# (image=on: some must). fp16 weights through texels too.
foreach(name test_conv test_matrix test_pool test_winograd test_squeeze_excite)
  add_test(NAME kernel_${name}_texel COMMAND ${name})
  set_tests_properties(kernel_${name}_texel PROPERTIES
    ENVIRONMENT "${VKCNN_TEST_ENV};VKCNN_KERNEL_OVERRIDE=loads=texel,image=off" LABELS "vulkan;kernels" TIMEOUT 600)
  add_test(NAME kernel_${name}_image COMMAND ${name})
  set_tests_properties(kernel_${name}_image PROPERTIES
    ENVIRONMENT "${VKCNN_TEST_ENV};VKCNN_KERNEL_OVERRIDE=loads=texel,image=on" LABELS "vulkan;kernels" TIMEOUT 600)
  add_test(NAME kernel_${name}_storage COMMAND ${name})
  set_tests_properties(kernel_${name}_storage PROPERTIES
    ENVIRONMENT "${VKCNN_TEST_ENV};VKCNN_KERNEL_OVERRIDE=loads=storage" LABELS "vulkan;kernels" TIMEOUT 600)
endforeach()
foreach(name test_conv test_matrix)
  add_test(NAME kernel_${name}_fp16_texel COMMAND ${name})
  set_tests_properties(kernel_${name}_fp16_texel PROPERTIES
    ENVIRONMENT "${VKCNN_TEST_ENV};KT_PRECISION=fp16;VKCNN_KERNEL_OVERRIDE=loads=texel"
    LABELS "vulkan;kernels" TIMEOUT 600)
  add_test(NAME kernel_${name}_fp16_storage COMMAND ${name})
  set_tests_properties(kernel_${name}_fp16_storage PROPERTIES
    ENVIRONMENT "${VKCNN_TEST_ENV};KT_PRECISION=fp16;VKCNN_KERNEL_OVERRIDE=loads=storage"
    LABELS "vulkan;kernels" TIMEOUT 600)
endforeach()
