# The Python module (python/vkcnn) through Debian's /usr/bin/python3, from the
# source tree, with VKCNN_LIBRARY naming this build's library.
if(VKCNN_BUILD_TOOLS AND NOT VKCNN_SANITIZE_THREAD)
  set(_vkcnn_py_env "${VKCNN_TEST_ENV};VKCNN_VALIDATE=1;VKCNN_LIBRARY=$<TARGET_FILE:vkcnn>")
  if(VKCNN_SANITIZE)
    # the interpreter is not instrumented: the sanitizer runtimes go first,
    # and Python's own allocations at exit are not ours to report
    execute_process(COMMAND ${CMAKE_C_COMPILER} -print-file-name=libasan.so
                    OUTPUT_VARIABLE _vkcnn_asan OUTPUT_STRIP_TRAILING_WHITESPACE)
    execute_process(COMMAND ${CMAKE_C_COMPILER} -print-file-name=libubsan.so
                    OUTPUT_VARIABLE _vkcnn_ubsan OUTPUT_STRIP_TRAILING_WHITESPACE)
    list(APPEND _vkcnn_py_env "LD_PRELOAD=${_vkcnn_asan}:${_vkcnn_ubsan}"
         "ASAN_OPTIONS=detect_leaks=0:abort_on_error=0")
  endif()
  set(_vkcnn_py_test ${CMAKE_CURRENT_LIST_DIR}/test_vkcnn.py $<TARGET_FILE:vkcnn_cli>
      ${CMAKE_SOURCE_DIR}/include)

  # ctypes layouts against the header, devices, LeNet-5 against the CLI bit
  # for bit, classify, errors, `with` and garbage collection
  add_test(NAME python.module COMMAND /usr/bin/python3 ${_vkcnn_py_test} module)
  set_tests_properties(python.module PROPERTIES
    ENVIRONMENT "${_vkcnn_py_env}" LABELS "vulkan;python" TIMEOUT 600)

  if(VKCNN_MODEL_TESTS)
    # AlexNet (the shared export cache) against the CLI bit for bit
    add_test(NAME python.alexnet COMMAND /usr/bin/python3 ${_vkcnn_py_test} alexnet)
    set_tests_properties(python.alexnet PROPERTIES
      FIXTURES_REQUIRED vkcnn_models
      ENVIRONMENT "${_vkcnn_py_env}" LABELS "vulkan;python;models" TIMEOUT 900)
  endif()

  # the pyproject: pip install into a venv that sees Debian's packages, offline
  if(NOT VKCNN_SANITIZE)
    add_test(NAME python.pip COMMAND /usr/bin/python3 ${_vkcnn_py_test} pip)
    set_tests_properties(python.pip PROPERTIES
      ENVIRONMENT "${_vkcnn_py_env}" LABELS "vulkan;python" TIMEOUT 600)
  endif()

  # 1,000 load/run/close cycles of LeNet-5, anonymous memory flat: release
  # builds only (under a sanitizer it measures the sanitizer). glibc's mmap
  # threshold pinned as test_lifecycle.c pins it, so that the figure is about
  # vkcnn's memory, not the heap's fragmentation (check_cycles in
  # test_vkcnn.py has the figures). Alone: ctest -j2 running models.python
  # beside it made the heap's retained size step between ~35 and ~48 MB
  # and creep up to its steady size over 300-600 cycles instead of 100
  # (after malloc_trim, the same for 80 ms: not memory in flight), which
  # failed its 1% trend in 3 runs of 3 (+1.69% in one); alone +0.08%.
  add_test(NAME python.cycles COMMAND /usr/bin/python3 ${_vkcnn_py_test} cycles)
  set_tests_properties(python.cycles PROPERTIES
    ENVIRONMENT "${_vkcnn_py_env};MALLOC_MMAP_THRESHOLD_=131072"
    LABELS "vulkan;python;release-only" TIMEOUT 900 RUN_SERIAL TRUE)
endif()
