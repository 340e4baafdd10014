# Model-level tests: PyTorch exports (models/export.py) loaded by `vkcnn inspect`.
# Included by tests/CMakeLists.txt when VKCNN_MODEL_TESTS is ON.
#
# The models are exported once per machine into
# ${XDG_CACHE_HOME:-$HOME/.cache}/vkcnn-models (models/cached_export.py) by
# the fixture test models.export; the other tests only read that cache.
# A python without torch/torchvision/onnx fails these tests (scripts/setup.sh --test
# installs them).

set(VKCNN_MODEL_PYTHON /usr/bin/python3 CACHE FILEPATH
    "Python with torch, torchvision, onnx and numpy, for the model tests (Debian's python3-torch)")

set(_vkcnn_models_dir ${CMAKE_CURRENT_LIST_DIR})
# The sanitizer settings of the other tests (tests/CMakeLists.txt), for the
# vkcnn binary these scripts run.
set(_vkcnn_models_env "")
if(DEFINED VKCNN_TEST_ENV)
  set(_vkcnn_models_env "${VKCNN_TEST_ENV}")
endif()

add_test(NAME models.export
         COMMAND ${VKCNN_MODEL_PYTHON} ${_vkcnn_models_dir}/prepare.py)
set_tests_properties(models.export PROPERTIES
  FIXTURES_SETUP vkcnn_models
  TIMEOUT 1800
  LABELS "models")

add_test(NAME models.python
         COMMAND ${VKCNN_MODEL_PYTHON} ${_vkcnn_models_dir}/test_python.py)
set_tests_properties(models.python PROPERTIES
  FIXTURES_REQUIRED vkcnn_models
  TIMEOUT 900
  LABELS "models")

if(TARGET vkcnn_cli)
  foreach(_model alexnet alexnet_original vgg16)
    add_test(NAME models.inspect.${_model}
             COMMAND ${VKCNN_MODEL_PYTHON} ${_vkcnn_models_dir}/test_inspect_totals.py
                     $<TARGET_FILE:vkcnn_cli> ${_model})
    set_tests_properties(models.inspect.${_model} PROPERTIES
      FIXTURES_REQUIRED vkcnn_models
      TIMEOUT 900
      ENVIRONMENT "${_vkcnn_models_env}"
      LABELS "models")
  endforeach()

  add_test(NAME models.inspect.batch
           COMMAND ${VKCNN_MODEL_PYTHON} ${_vkcnn_models_dir}/test_inspect_batch.py
                   $<TARGET_FILE:vkcnn_cli>)
  set_tests_properties(models.inspect.batch PROPERTIES
    FIXTURES_REQUIRED vkcnn_models
    TIMEOUT 900
    ENVIRONMENT "${_vkcnn_models_env}"
    LABELS "models")
endif()

# `vkcnn run` against PyTorch's logits on the same weights and input, each
# large model at static batch 1 and 4 (exported on first use into the shared
# cache). VGG, ResNet and EfficientNet run in the release build only (label
# release-only): on a
# 2-core lavapipe VGG-16 takes ~10 s per image (batch 4: under a minute per
# test), far more under ASan.
if(TARGET vkcnn_cli)
  set(_vkcnn_run_cases small errors)
  foreach(_model alexnet alexnet_original vgg11 vgg16 vgg16_bn)
    list(APPEND _vkcnn_run_cases ${_model} ${_model}@4)
  endforeach()
  # the zoo's fused groups (residual Add + ReLU, SiLU, SE) against PyTorch
  list(APPEND _vkcnn_run_cases resnet18 resnet18@4 resnet50 efficientnet_b0)
  # fp16 weights against PyTorch's fp32 logits (bound in test_run.py)
  list(APPEND _vkcnn_run_cases lenet:fp16 alexnet:fp16 alexnet_original:fp16 vgg16:fp16)
  foreach(_what ${_vkcnn_run_cases})
    string(REPLACE "@" ".b" _name ${_what})
    string(REPLACE ":" "." _name ${_name})
    add_test(NAME models.run.${_name}
             COMMAND ${VKCNN_MODEL_PYTHON} ${_vkcnn_models_dir}/test_run.py
                     $<TARGET_FILE:vkcnn_cli> ${_what})
    set(_labels "models;vulkan")
    if(_what MATCHES "^(vgg|resnet|efficientnet)")
      set(_labels "models;vulkan;release-only")
    endif()
    set_tests_properties(models.run.${_name} PROPERTIES
      FIXTURES_REQUIRED vkcnn_models
      TIMEOUT 3600
      ENVIRONMENT "${_vkcnn_models_env}"
      LABELS "${_labels}")
  endforeach()
endif()
