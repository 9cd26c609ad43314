#include "torch/pickle_value.h"

namespace mconv::torch {

namespace {

struct StorageInfo {
  const char* name;   // torch class name
  const char* dtype;  // torch dtype it holds
  size_t bytes;       // element size
};
constexpr StorageInfo kStorages[] = {
    {"FloatStorage", "float32", 4},     {"HalfStorage", "float16", 2},
    {"BFloat16Storage", "bfloat16", 2}, {"DoubleStorage", "float64", 8},
    {"LongStorage", "int64", 8},        {"IntStorage", "int32", 4},
    {"ShortStorage", "int16", 2},       {"CharStorage", "int8", 1},
    {"ByteStorage", "uint8", 1},        {"BoolStorage", "bool", 1},
};
static_assert(sizeof(kStorages) / sizeof(kStorages[0]) ==
                  static_cast<size_t>(StorageType::kBool) + 1,
              "one row per StorageType");

}  // namespace

size_t storage_element_size(StorageType type) {
  return kStorages[static_cast<int>(type)].bytes;
}
const char* storage_type_name(StorageType type) {
  return kStorages[static_cast<int>(type)].name;
}
const char* storage_dtype_name(StorageType type) {
  return kStorages[static_cast<int>(type)].dtype;
}

std::string printable_text(std::string_view text, size_t max) {
  std::string out(text.substr(0, max));
  for (char& c : out)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '_';
  if (text.size() > max) out += "...";
  return out;
}

std::string describe_kind(const PyValue& v) {
  using K = PyValue::Kind;
  switch (v.kind) {
    case K::kNone:
      return "None";
    case K::kBool:
      return "a bool";
    case K::kInt:
    case K::kBigInt:
      return "an int";
    case K::kFloat:
      return "a float";
    case K::kString:
      return "a str";
    case K::kBytes:
      return "bytes";
    case K::kTuple:
      return "a tuple";
    case K::kList:
      return "a list";
    case K::kDict:
      return "a dict";
    case K::kCallable:
      return "'" + v.text + "'";
    case K::kStorageType:
      return std::string("torch.") + storage_type_name(v.storage.type);
    case K::kDtype:
      return "torch." + v.text;
    case K::kStorage:
      return "a storage";
    case K::kTensor:
      return "a tensor";
    case K::kMark:
      return "a MARK";
  }
  return "a value";
}

}  // namespace mconv::torch
