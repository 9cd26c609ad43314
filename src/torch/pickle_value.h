// The values a restricted unpickler can produce: plain Python data (None, bools, ints, floats,
// strings, bytes, tuples, lists, dicts), the few torch globals a tensor checkpoint names (storage
// types, dtypes), storages and tensors. Nothing here can run code: a value is data only.
//
// Values live in a PickleArena and point at each other with raw pointers, so that the cycles a
// pickle can build (a list appended to itself through the memo) cost nothing to free and never
// recurse.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/dtype.h"

namespace mconv::torch {

// torch's storage classes ("torch.FloatStorage") by element type.
enum class StorageType : uint8_t {
  kFloat,
  kHalf,
  kBFloat16,
  kDouble,
  kLong,
  kInt,
  kShort,
  kChar,
  kByte,
  kBool
};
size_t storage_element_size(StorageType type);
const char* storage_type_name(StorageType type);   // "FloatStorage"
const char* storage_dtype_name(StorageType type);  // "float32"

struct PyValue;

// A storage named by a checkpoint's persistent id: its key in the container and element type.
struct StorageRef {
  std::string key;  // "0", "140234..." (zip: data/<key>; legacy: the storage key)
  StorageType type = StorageType::kFloat;
  int64_t declared_elements = -1;  // element count the pickle states (legacy), -1 if none
};

// A view of a storage as torch._utils._rebuild_tensor_v2 describes it.
struct TensorRef {
  const PyValue* storage = nullptr;  // kind kStorage
  int64_t offset = 0;                // in elements
  std::vector<int64_t> sizes;
  std::vector<int64_t> strides;  // in elements
};

struct PyValue {
  enum class Kind : uint8_t {
    kNone,
    kBool,
    kInt,
    kBigInt,
    kFloat,
    kString,
    kBytes,
    kTuple,
    kList,
    kDict,
    kCallable,     // an allowed global function or class (name in `text`)
    kStorageType,  // torch.FloatStorage & co (type in `storage.type`)
    kDtype,        // torch.float32 & co (name in `text`)
    kStorage,
    kTensor,
    kMark
  };
  Kind kind = Kind::kNone;
  int64_t integer = 0;          // kBool, kInt
  double real = 0;              // kFloat
  std::string text;             // kString, kBytes, kBigInt (little-endian bytes), names
  std::vector<PyValue*> items;  // kTuple, kList
  std::vector<std::pair<PyValue*, PyValue*>> entries;  // kDict, in insertion order
  StorageRef storage;                                  // kStorage, kStorageType
  TensorRef tensor;                                    // kTensor
  int depth = 0;  // nesting depth of containers below (0 for scalars)
};

// Owns every value of one load.
class PickleArena {
 public:
  PyValue* make(PyValue::Kind kind) {
    values_.push_back(std::make_unique<PyValue>());
    values_.back()->kind = kind;
    return values_.back().get();
  }
  size_t size() const { return values_.size(); }

 private:
  std::vector<std::unique_ptr<PyValue>> values_;
};

// Text from the file as it may appear in a one-line message: control characters become '_', and
// anything past `max` bytes is cut ("...").
std::string printable_text(std::string_view text, size_t max = 120);

// "a str", "a dict", "a tensor", ... for error messages.
std::string describe_kind(const PyValue& value);

}  // namespace mconv::torch
