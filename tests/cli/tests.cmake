# What a new user meets (included by tests/CMakeLists.txt): the CLI contract,
# every conformance case again through `vkcnn run`.
set(_vkcnn_cli_env "${VKCNN_TEST_ENV};VKCNN_VALIDATE=1")

if(VKCNN_BUILD_TOOLS)
  # exit statuses, usage errors, contradictions, .npy conversion, run's batch
  # binding and summary, classify's output and errors, bench --json, --help
  add_test(NAME cli_contract
    COMMAND /usr/bin/python3 ${CMAKE_CURRENT_LIST_DIR}/check_contract.py $<TARGET_FILE:vkcnn_cli>)
  set_tests_properties(cli_contract PROPERTIES
    ENVIRONMENT "${_vkcnn_cli_env}" LABELS "vulkan;cli" TIMEOUT 900)

  # every libonnx-testdata case onnx_conformance passes, through `vkcnn run`
  # with .npy files (the list comes from onnx_conformance --list-passing)
  add_test(NAME cli_run_conformance
    COMMAND /usr/bin/python3 ${CMAKE_CURRENT_LIST_DIR}/check_run_conformance.py
            $<TARGET_FILE:vkcnn_cli> $<TARGET_FILE:onnx_conformance>
            /usr/share/libonnx-testdata/data/node /usr/share/libonnx-testdata/data/pytorch-converted
            /usr/share/libonnx-testdata/data/pytorch-operator)
  set_tests_properties(cli_run_conformance PROPERTIES
    ENVIRONMENT "${_vkcnn_cli_env}" LABELS "vulkan;cli;conformance" TIMEOUT 1800)
endif()
