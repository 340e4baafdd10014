# What a new user meets (included by tests/CMakeLists.txt): the CLI contract,
# every conformance case again through `vkcnn run`, the README's C programs,
# and an installed tree.
set(_vkcnn_cli_env "${VKCNN_TEST_ENV};VKCNN_VALIDATE=1")

if(VKCNN_BUILD_TOOLS)
  # exit statuses, usage errors, contradictions, .npy conversion, run's batch
  # binding and summary, classify's output and errors, bench --json, --help
  add_test(NAME cli_contract
    COMMAND /usr/bin/python3 ${CMAKE_CURRENT_LIST_DIR}/check_contract.py $<TARGET_FILE:vkcnn_cli>)
  set_tests_properties(cli_contract PROPERTIES
    ENVIRONMENT "${_vkcnn_cli_env}" LABELS "vulkan;cli" TIMEOUT 900)

  # every libonnx-testdata case onnx_conformance passes, through `vkcnn run`
  # with .npy files (the list comes from onnx_conformance --list-passing).
  # Release builds only: under ASan each of its ~260 processes pays the
  # sanitizer's start-up (6 min on 2 cores); cli_contract runs the same
  # .npy and `run` paths under the sanitizers.
  add_test(NAME cli_run_conformance
    COMMAND /usr/bin/python3 ${CMAKE_CURRENT_LIST_DIR}/check_run_conformance.py
            $<TARGET_FILE:vkcnn_cli> $<TARGET_FILE:onnx_conformance>
            /usr/share/libonnx-testdata/data/node /usr/share/libonnx-testdata/data/pytorch-converted
            /usr/share/libonnx-testdata/data/pytorch-operator)
  set_tests_properties(cli_run_conformance PROPERTIES
    ENVIRONMENT "${_vkcnn_cli_env}" LABELS "vulkan;cli;conformance;release-only" TIMEOUT 1800)
endif()

# the README's complete C programs, compiled against this build and run, and
# its Python blocks that use the package
set(_vkcnn_readme_flags)
set(_vkcnn_readme_env "${_vkcnn_cli_env}")
if(VKCNN_SANITIZE)
  set(_vkcnn_readme_flags -fsanitize=address,undefined)
  # the Python interpreter is not instrumented: the sanitizer runtimes go first
  execute_process(COMMAND ${CMAKE_C_COMPILER} -print-file-name=libasan.so
                  OUTPUT_VARIABLE _vkcnn_asan OUTPUT_STRIP_TRAILING_WHITESPACE)
  execute_process(COMMAND ${CMAKE_C_COMPILER} -print-file-name=libubsan.so
                  OUTPUT_VARIABLE _vkcnn_ubsan OUTPUT_STRIP_TRAILING_WHITESPACE)
  list(APPEND _vkcnn_readme_env "VKCNN_PYTHON_PRELOAD=${_vkcnn_asan}:${_vkcnn_ubsan}")
  # lavapipe stays mapped in the README programs (check_readme.py says why)
  find_library(_vkcnn_lvp NAMES vulkan_lvp)
  if(_vkcnn_lvp)
    list(APPEND _vkcnn_readme_env "VKCNN_DRIVER_PRELOAD=${_vkcnn_lvp}")
  endif()
endif()
add_test(NAME readme_examples
  COMMAND /usr/bin/python3 ${CMAKE_CURRENT_LIST_DIR}/check_readme.py ${CMAKE_SOURCE_DIR}/README.md
          ${CMAKE_SOURCE_DIR}/include $<TARGET_FILE_DIR:vkcnn> ${_vkcnn_readme_flags})
set_tests_properties(readme_examples PROPERTIES
  ENVIRONMENT "${_vkcnn_readme_env}" LABELS "vulkan;cli" TIMEOUT 600)

# this build installed into a temporary prefix and used from there without
# LD_LIBRARY_PATH (tests/install/run.sh). Not in sanitizer builds: consumers
# built without the sanitizer cannot link its instrumented library.
if(VKCNN_BUILD_TOOLS AND NOT VKCNN_SANITIZE AND NOT VKCNN_SANITIZE_THREAD)
  add_test(NAME install
    COMMAND sh -c "p=$(mktemp -d) && cmake --install \"$0\" --prefix \"$p\" >/dev/null && \"$1\" \"$p\"; rc=$?; rm -rf \"$p\"; exit $rc"
            ${CMAKE_BINARY_DIR} ${CMAKE_SOURCE_DIR}/tests/install/run.sh)
  set_tests_properties(install PROPERTIES
    ENVIRONMENT "${_vkcnn_cli_env}" LABELS "vulkan;install" TIMEOUT 600)
endif()
