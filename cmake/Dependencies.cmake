# Third-party dependencies: all from Debian except ONNX Runtime and TensorFlow Lite, which
# scripts/setup.sh caches.
find_package(Threads REQUIRED)
find_package(Protobuf REQUIRED)
find_package(ONNX REQUIRED)          # libonnx-dev: targets onnx, onnx_proto
find_package(Eigen3 3.3 REQUIRED NO_MODULE)
find_path(FLATBUFFERS_INCLUDE_DIR flatbuffers/flatbuffers.h REQUIRED)  # libflatbuffers-dev (header-only use)
find_program(FLATC flatc REQUIRED)   # flatbuffers-compiler
find_package(JPEG REQUIRED)
find_package(PNG REQUIRED)

set(ORT_ROOT "${MCONV_CACHE_DIR}/onnxruntime-1.30.0")
if(NOT EXISTS "${ORT_ROOT}/lib/libonnxruntime.so.1")
  message(FATAL_ERROR "ONNX Runtime not found in ${ORT_ROOT}: run scripts/setup.sh first")
endif()
add_library(onnxruntime SHARED IMPORTED GLOBAL)
set_target_properties(onnxruntime PROPERTIES
  IMPORTED_LOCATION "${ORT_ROOT}/lib/libonnxruntime.so.1"
  IMPORTED_SONAME "libonnxruntime.so.1"
  INTERFACE_INCLUDE_DIRECTORIES "${ORT_ROOT}/include")

# TensorFlow Lite 2.9 C API (with the XNNPACK delegate inside), from npm tfjs-tflite-node.
set(TFLITE_ROOT "${MCONV_CACHE_DIR}/tflite-2.9")
if(NOT EXISTS "${TFLITE_ROOT}/lib/libtensorflowlite_c.so")
  message(FATAL_ERROR "TensorFlow Lite not found in ${TFLITE_ROOT}: run scripts/setup.sh first")
endif()
add_library(tensorflowlite_c SHARED IMPORTED GLOBAL)
set_target_properties(tensorflowlite_c PROPERTIES
  IMPORTED_LOCATION "${TFLITE_ROOT}/lib/libtensorflowlite_c.so"
  IMPORTED_SONAME "libtensorflowlite_c.so"
  INTERFACE_INCLUDE_DIRECTORIES "${TFLITE_ROOT}/include")
