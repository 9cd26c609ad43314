#include "torch/checkpoint.h"

#include <cstring>
#include <map>
#include <set>

#include "core/half.h"
#include "core/zip_reader.h"

namespace mconv::torch {

namespace {

using Kind = PyValue::Kind;

// torch.serialization's MAGIC_NUMBER 0x1950a86a20f9469cfc6c as pickle's LONG1 writes it.
constexpr uint8_t kLegacyMagic[] = {0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19};
constexpr int64_t kLegacyProtocol = 1001;

// Where each storage's bytes are, once the container is read.
struct StorageData {
  std::span<const uint8_t> bytes;
  int64_t elements = 0;
};

bool is_string(const PyValue* v, std::string_view s) {
  return v->kind == Kind::kString && v->text == s;
}

// ('storage', storage_type, key, location, numel[, view_metadata]) -> a kStorage value.
Expected<PyValue*> storage_from_pid(const PyValue& pid, PickleArena& arena, bool legacy) {
  const auto& t = pid.items;
  if (pid.kind != Kind::kTuple || t.size() < 5 || !is_string(t[0], "storage") ||
      t[1]->kind != Kind::kStorageType || (t[2]->kind != Kind::kString) || t[4]->kind != Kind::kInt)
    return Status::Error("unexpected persistent id (not a torch storage reference)");
  if (legacy && t.size() > 5 && t[5]->kind != Kind::kNone)
    return Status::Error("storage views of the pre-1.0 legacy format are not supported");
  PyValue* s = arena.make(Kind::kStorage);
  s->storage.key = t[2]->text;
  s->storage.type = t[1]->storage.type;
  s->storage.declared_elements = t[4]->integer;
  return s;
}

// Copies `ref`'s elements (honouring offset and strides) into a contiguous tensor.
Expected<Tensor> materialize(const std::string& name, const TensorRef& ref, const StorageData& data,
                             const ImportLimits& limits) {
  const StorageType type = ref.storage->storage.type;
  const size_t es = storage_element_size(type);
  const std::string what = "tensor '" + printable_text(name) + "'";
  MCONV_ASSIGN_OR_RETURN(int64_t count,
                         check_tensor_shape(limits, what, ref.sizes.data(), ref.sizes.size()));
  MCONV_RETURN_IF_ERROR(check_tensor_bytes(limits, what, count, std::max<size_t>(es, 4)));
  if (ref.offset < 0) return Status::Error(what + " has a negative storage offset");
  unsigned __int128 last = static_cast<unsigned __int128>(ref.offset);
  for (size_t i = 0; i < ref.sizes.size(); ++i) {
    if (ref.strides[i] < 0) return Status::Error(what + " has a negative stride");
    if (ref.sizes[i] > 0)
      last += static_cast<unsigned __int128>(ref.sizes[i] - 1) *
              static_cast<unsigned __int128>(ref.strides[i]);
  }
  // Overlapping views (stride 0, torch's expand) would let a small file ask for huge copies; a
  // state dict's tensors never hold more elements than their storage.
  if (count > data.elements)
    return Status::Error(what + " has " + std::to_string(count) +
                         " elements, more than its storage '" +
                         printable_text(ref.storage->storage.key) + "' holds (" +
                         std::to_string(data.elements) + "; overlapping views are not supported)");
  if (count > 0 && last >= static_cast<unsigned __int128>(data.elements))
    return Status::Error(what + " reads past the end of storage '" +
                         printable_text(ref.storage->storage.key) + "' (" +
                         std::to_string(data.elements) + " elements; out of range)");
  // Raw elements in logical order.
  std::vector<uint8_t> raw(static_cast<size_t>(count) * es);
  const size_t rank = ref.sizes.size();
  bool contiguous = true;
  int64_t expected = 1;
  for (size_t i = rank; i-- > 0;) {
    if (ref.sizes[i] != 1 && ref.strides[i] != expected) contiguous = false;
    expected *= ref.sizes[i];
  }
  if (count > 0 && contiguous) {
    std::memcpy(raw.data(), data.bytes.data() + ref.offset * es, raw.size());
  } else if (count > 0) {
    std::vector<int64_t> index(rank, 0);
    for (int64_t n = 0; n < count; ++n) {
      int64_t at = ref.offset;
      for (size_t i = 0; i < rank; ++i) at += index[i] * ref.strides[i];
      std::memcpy(raw.data() + n * es, data.bytes.data() + at * es, es);
      for (size_t i = rank; i-- > 0;) {
        if (++index[i] < ref.sizes[i]) break;
        index[i] = 0;
      }
    }
  }
  auto to_f32 = [&](auto convert) {
    Tensor t(DType::kF32, ref.sizes);
    float* out = t.data<float>();
    for (int64_t i = 0; i < count; ++i) out[i] = convert(raw.data() + i * es);
    return t;
  };
  switch (type) {
    case StorageType::kFloat:
      return Tensor::FromBytes(DType::kF32, ref.sizes, std::move(raw));
    case StorageType::kHalf:
      return to_f32([](const uint8_t* p) {
        return half_to_float(static_cast<uint16_t>(p[0] | (p[1] << 8)));
      });
    case StorageType::kBFloat16:
      return to_f32([](const uint8_t* p) {
        return bfloat16_to_float(static_cast<uint16_t>(p[0] | (p[1] << 8)));
      });
    case StorageType::kDouble:
      return to_f32([](const uint8_t* p) {
        double d;
        std::memcpy(&d, p, 8);
        return static_cast<float>(d);
      });
    case StorageType::kLong:
      return Tensor::FromBytes(DType::kI64, ref.sizes, std::move(raw));
    case StorageType::kInt:
      return Tensor::FromBytes(DType::kI32, ref.sizes, std::move(raw));
    case StorageType::kShort:
      return Tensor::FromBytes(DType::kI16, ref.sizes, std::move(raw));
    case StorageType::kChar:
      return Tensor::FromBytes(DType::kI8, ref.sizes, std::move(raw));
    case StorageType::kByte:
      return Tensor::FromBytes(DType::kU8, ref.sizes, std::move(raw));
    case StorageType::kBool:
      return Tensor::FromBytes(DType::kBool, ref.sizes, std::move(raw));
  }
  return Status::Error(what + ": unknown storage type");
}

// A dict whose keys are all strings and values all tensors (a state dict).
bool is_tensor_dict(const PyValue* v) {
  if (v->kind != Kind::kDict || v->entries.empty()) return false;
  for (const auto& [k, val] : v->entries)
    if (k->kind != Kind::kString || val->kind != Kind::kTensor) return false;
  return true;
}

std::string key_list(const PyValue* dict) {
  std::string keys;
  int shown = 0;
  for (const auto& [k, v] : dict->entries) {
    if (shown++ == 8) return keys + ", ...";
    keys += (keys.empty() ? "'" : ", '") +
            (k->kind == Kind::kString ? printable_text(k->text, 40) : describe_kind(*k)) + "'";
  }
  return keys;
}

// The state dict inside the unpickled object, and how it was stored.
Expected<const PyValue*> find_state_dict(const PyValue* top, std::string* form) {
  if (top->kind == Kind::kTensor)
    return Status::Error("the checkpoint is a single tensor, not a state dict");
  if (top->kind != Kind::kDict)
    return Status::Error("the checkpoint holds " + describe_kind(*top) + ", not a state dict");
  if (is_tensor_dict(top)) {
    *form = "state dict";
    return top;
  }
  for (const char* key : {"state_dict", "model_state_dict", "model", "net", "network", "module"}) {
    for (const auto& [k, v] : top->entries) {
      if (!is_string(k, key) || !is_tensor_dict(v)) continue;
      std::string others;
      for (const auto& [k2, v2] : top->entries)
        if (k2 != k && k2->kind == Kind::kString)
          others += (others.empty() ? "" : ", ") + printable_text(k2->text, 40);
      *form = "training checkpoint ('" + std::string(key) + "'" +
              (others.empty() ? "" : " beside " + others.substr(0, 80)) + ")";
      return v;
    }
  }
  return Status::Error(
      "no state dict of tensors found in the checkpoint (top-level keys: " + key_list(top) + ")");
}

Status collect_tensors(const PyValue* dict, const std::map<std::string, StorageData>& storages,
                       const ImportLimits& limits, Checkpoint* out) {
  bool all_module = true;
  for (const auto& [k, v] : dict->entries)
    all_module = all_module && k->text.starts_with("module.");
  out->module_prefix = all_module;
  uint64_t total = 0;
  std::set<std::string> seen;
  for (const auto& [k, v] : dict->entries) {
    CheckpointTensor t;
    t.name = all_module ? k->text.substr(7) : k->text;
    if (!seen.insert(t.name).second)
      return Status::Error("duplicate key '" + printable_text(t.name) + "'");
    const PyValue* storage = v->tensor.storage;
    t.stored = storage->storage.type;
    auto it = storages.find(storage->storage.key);
    if (it == storages.end())
      return Status::Error("tensor '" + printable_text(t.name) + "': storage '" +
                           printable_text(storage->storage.key) + "' is missing from the file");
    MCONV_ASSIGN_OR_RETURN(t.value, materialize(t.name, v->tensor, it->second, limits));
    total += t.value.byte_size();
    if (total > limits.max_total_constant_bytes)
      return Status::Error("tensors need more than " +
                           std::to_string(limits.max_total_constant_bytes) +
                           " bytes, over the limit (MCONV_MAX_TOTAL_CONSTANT_BYTES)");
    out->tensors.push_back(std::move(t));
  }
  return Status::Ok();
}

}  // namespace

Expected<Checkpoint> read_checkpoint_pickle(std::span<const uint8_t> pickle,
                                            const StorageProvider& storage_bytes,
                                            const ImportLimits& limits,
                                            const PickleLimits& pickle_limits) {
  PickleArena arena;
  PersistentLoader loader = [](const PyValue& pid, PickleArena& a) {
    return storage_from_pid(pid, a, false);
  };
  MCONV_ASSIGN_OR_RETURN(PyValue * top, unpickle(pickle, arena, loader, pickle_limits));
  Checkpoint cp;
  MCONV_ASSIGN_OR_RETURN(const PyValue* dict, find_state_dict(top, &cp.form));
  std::map<std::string, StorageData> storages;
  for (const auto& [k, v] : dict->entries) {
    const StorageRef& ref = v->tensor.storage->storage;
    if (storages.count(ref.key)) continue;
    auto bytes = storage_bytes(ref.key);
    if (!bytes.ok()) return bytes.status().with_context("tensor '" + printable_text(k->text) + "'");
    storages[ref.key] =
        StorageData{*bytes, static_cast<int64_t>(bytes->size() / storage_element_size(ref.type))};
  }
  MCONV_RETURN_IF_ERROR(collect_tensors(dict, storages, limits, &cp));
  return cp;
}

namespace {

Expected<Checkpoint> read_zip(std::span<const uint8_t> bytes, const ImportLimits& limits,
                              const PickleLimits& pickle_limits) {
  MCONV_ASSIGN_OR_RETURN(ZipReader zip, ZipReader::open(bytes));
  const ZipEntry* pickle = nullptr;
  for (const ZipEntry& e : zip.entries()) {
    const size_t slash = e.name.find('/');
    if (slash != std::string::npos && e.name.substr(slash + 1) == "data.pkl") {
      pickle = &e;
      break;
    }
  }
  if (!pickle)
    return Status::Error("a ZIP archive without '<name>/data.pkl': not a torch.save checkpoint");
  const std::string prefix = pickle->name.substr(0, pickle->name.size() - 8);
  if (const ZipEntry* order = zip.find(prefix + "byteorder")) {
    auto d = zip.data(*order);
    if (std::string(d.begin(), d.end()) != "little")
      return Status::Error("big-endian checkpoint (byteorder '" +
                           printable_text(std::string(d.begin(), d.end()), 16) +
                           "') is not supported");
  }
  MCONV_RETURN_IF_ERROR(zip.check_crc(*pickle));
  StorageProvider storage_bytes =
      [&](const std::string& key) -> Expected<std::span<const uint8_t>> {
    const ZipEntry* entry = zip.find(prefix + "data/" + key);
    if (!entry)
      return Status::Error("storage entry '" + printable_text(prefix + "data/" + key) +
                           "' is missing from the archive");
    MCONV_RETURN_IF_ERROR(zip.check_crc(*entry));
    return zip.data(*entry);
  };
  MCONV_ASSIGN_OR_RETURN(Checkpoint cp, read_checkpoint_pickle(zip.data(*pickle), storage_bytes,
                                                               limits, pickle_limits));
  cp.container = "zip";
  return cp;
}

Expected<Checkpoint> read_legacy(std::span<const uint8_t> bytes, const ImportLimits& limits,
                                 const PickleLimits& pickle_limits) {
  PickleArena arena;
  size_t pos = 0;
  auto next = [&](const PersistentLoader& loader, const char* what) -> Expected<PyValue*> {
    size_t used = 0;
    auto v = unpickle(bytes.subspan(pos), arena, loader, pickle_limits, &used);
    if (!v.ok()) return v.status().with_context(std::string("legacy checkpoint ") + what);
    pos += used;
    return v;
  };
  MCONV_ASSIGN_OR_RETURN(PyValue * magic, next(nullptr, "magic number"));
  if (magic->kind != Kind::kBigInt || magic->text.size() != sizeof(kLegacyMagic) ||
      std::memcmp(magic->text.data(), kLegacyMagic, sizeof(kLegacyMagic)) != 0)
    return Status::Error("not a torch.save checkpoint (bad magic number)");
  MCONV_ASSIGN_OR_RETURN(PyValue * protocol, next(nullptr, "protocol"));
  if (protocol->kind != Kind::kInt || protocol->integer != kLegacyProtocol)
    return Status::Error("legacy checkpoint with unsupported protocol version");
  MCONV_ASSIGN_OR_RETURN(PyValue * sys_info, next(nullptr, "system info"));
  if (sys_info->kind == Kind::kDict)
    for (const auto& [k, v] : sys_info->entries)
      if (is_string(k, "little_endian") && v->kind == Kind::kBool && !v->integer)
        return Status::Error("big-endian legacy checkpoint is not supported");
  std::map<std::string, StorageType> types;
  PersistentLoader loader = [&](const PyValue& pid, PickleArena& a) -> Expected<PyValue*> {
    MCONV_ASSIGN_OR_RETURN(PyValue * s, storage_from_pid(pid, a, true));
    types[s->storage.key] = s->storage.type;
    return s;
  };
  MCONV_ASSIGN_OR_RETURN(PyValue * top, next(loader, "object"));
  MCONV_ASSIGN_OR_RETURN(PyValue * keys, next(nullptr, "storage keys"));
  if (keys->kind != Kind::kList)
    return Status::Error("legacy checkpoint: storage keys are not a list");
  std::map<std::string, StorageData> storages;
  for (const PyValue* key : keys->items) {
    if (key->kind != Kind::kString)
      return Status::Error("legacy checkpoint: storage key not a str");
    auto type = types.find(key->text);
    if (type == types.end())
      return Status::Error("legacy checkpoint: storage '" + printable_text(key->text) +
                           "' is never referenced");
    const uint64_t es = storage_element_size(type->second);
    if (bytes.size() - pos < 8)
      return Status::Error("legacy checkpoint truncated in storage '" + printable_text(key->text) +
                           "'");
    uint64_t n = 0;
    for (int i = 7; i >= 0; --i) n = (n << 8) | bytes[pos + i];
    pos += 8;
    if (n > (bytes.size() - pos) / es)
      return Status::Error("legacy checkpoint: storage '" + printable_text(key->text) +
                           "' declares " + std::to_string(n) +
                           " elements, more than the file holds (truncated?)");
    storages[key->text] = StorageData{bytes.subspan(pos, n * es), static_cast<int64_t>(n)};
    pos += n * es;
  }
  Checkpoint cp;
  cp.container = "legacy";
  MCONV_ASSIGN_OR_RETURN(const PyValue* dict, find_state_dict(top, &cp.form));
  MCONV_RETURN_IF_ERROR(collect_tensors(dict, storages, limits, &cp));
  return cp;
}

}  // namespace

const CheckpointTensor* Checkpoint::find(const std::string& name) const {
  for (const CheckpointTensor& t : tensors)
    if (t.name == name) return &t;
  return nullptr;
}

std::string Checkpoint::float_types() const {
  std::string out;
  for (StorageType type :
       {StorageType::kFloat, StorageType::kHalf, StorageType::kBFloat16, StorageType::kDouble}) {
    bool used = false;
    for (const CheckpointTensor& t : tensors) used = used || t.stored == type;
    if (used) out += (out.empty() ? "" : "+") + std::string(storage_dtype_name(type));
  }
  return out.empty() ? "none" : out;
}

bool looks_like_torch_checkpoint(std::span<const uint8_t> bytes) {
  if (looks_like_zip(bytes)) return true;
  return bytes.size() >= 4 + sizeof(kLegacyMagic) && bytes[0] == 0x80 && bytes[2] == 0x8a &&
         bytes[3] == sizeof(kLegacyMagic) &&
         std::memcmp(bytes.data() + 4, kLegacyMagic, sizeof(kLegacyMagic)) == 0;
}

Expected<Checkpoint> read_checkpoint(std::span<const uint8_t> bytes, const ImportLimits& limits,
                                     const PickleLimits& pickle_limits) {
  if (bytes.size() > limits.max_file_bytes)
    return Status::Error("file over the limit of " + std::to_string(limits.max_file_bytes) +
                         " bytes (MCONV_MAX_FILE_BYTES)");
  if (looks_like_zip(bytes)) return read_zip(bytes, limits, pickle_limits);
  if (looks_like_torch_checkpoint(bytes)) return read_legacy(bytes, limits, pickle_limits);
  return Status::Error("not a torch.save checkpoint (neither a ZIP archive nor the legacy format)");
}

}  // namespace mconv::torch
