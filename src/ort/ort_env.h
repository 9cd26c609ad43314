// The one process-wide Ort::Env every OrtSession shares. Private to src/ort (ORT types never leak
// into other parts' headers).
#pragma once

#include <onnxruntime_cxx_api.h>

#include "core/status.h"

namespace mconv::ort {

// Created on first use (thread-safe) with logging at WARNING; never destroyed, because ORT's
// global state must outlive every session and static destruction order is not ours to choose.
Expected<Ort::Env*> global_env();

// Runs `fn`, turning any exception ORT (or the standard library under it) throws into a Status,
// with the message folded to one line.
template <typename Fn>
Status catch_ort_errors(Fn&& fn);

// ORT messages can span several lines; the user sees one.
std::string one_line(std::string message);

template <typename Fn>
Status catch_ort_errors(Fn&& fn) {
  try {
    return fn();
  } catch (const Ort::Exception& e) {
    return Status::Error("onnxruntime: " + one_line(e.what()));
  } catch (const std::bad_alloc&) {
    return Status::Error("onnxruntime: out of memory");
  } catch (const std::exception& e) {
    return Status::Error("onnxruntime: " + one_line(e.what()));
  } catch (...) {
    return Status::Error("onnxruntime: unknown exception");
  }
}

}  // namespace mconv::ort
