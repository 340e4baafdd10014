# bench/ceiling.py's arithmetic on a made-up compare.json (no device needed)
add_test(NAME bench_ceiling
  COMMAND /usr/bin/python3 ${CMAKE_CURRENT_LIST_DIR}/check_ceiling.py
          ${PROJECT_SOURCE_DIR}/bench/ceiling.py)
set_tests_properties(bench_ceiling PROPERTIES LABELS "bench")
