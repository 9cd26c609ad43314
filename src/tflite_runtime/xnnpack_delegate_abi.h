// The XNNPACK delegate entry points of libtensorflowlite_c.so 2.9. The .so exports them but the
// npm package ships no xnnpack_delegate.h, so they are declared here. Private to
// src/tflite_runtime.
//
// Layout of the options, checked against the shipped library (not guessed): its
// TfLiteXNNPackDelegateOptionsDefault returns the struct in %eax alone (8 bytes or less) and
// TfLiteXNNPackDelegateCreate copies 8 bytes from the pointer it is given — so 2.9's options are
// { int32 num_threads; uint32 flags; }, without the later weights_cache pointer.
#pragma once

#include <cstdint>

#include "tensorflow/lite/c/common.h"

extern "C" {

// Bits of `flags`: XNNPACK runs signed (int8, per-channel weights too) / unsigned (uint8)
// quantized operators only when asked (opt-in in 2.9).
inline constexpr uint32_t kXnnpackFlagQs8 = 1;  // TFLITE_XNNPACK_DELEGATE_FLAG_QS8
inline constexpr uint32_t kXnnpackFlagQu8 = 2;  // TFLITE_XNNPACK_DELEGATE_FLAG_QU8

struct MconvXnnpackDelegateOptions {
  int32_t num_threads;  // thread pool size; 0 or less: no pool
  uint32_t flags;       // kXnnpackFlag* bits
};
static_assert(sizeof(MconvXnnpackDelegateOptions) == 8, "TFLite 2.9 XNNPACK options are 8 bytes");

MconvXnnpackDelegateOptions TfLiteXNNPackDelegateOptionsDefault();
TfLiteDelegate* TfLiteXNNPackDelegateCreate(const MconvXnnpackDelegateOptions* options);
void TfLiteXNNPackDelegateDelete(TfLiteDelegate* delegate);

}  // extern "C"
