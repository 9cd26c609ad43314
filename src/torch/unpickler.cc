#include "torch/unpickler.h"

#include <cstring>
#include <string>
#include <string_view>
#include <unordered_map>

namespace mconv::torch {

namespace {

using Kind = PyValue::Kind;

// Globals a tensor checkpoint may name, and what they become. Everything else is refused.
struct AllowedGlobal {
  const char* module;
  const char* name;
  Kind kind;  // kCallable, kStorageType or kDtype
};
constexpr AllowedGlobal kAllowedGlobals[] = {
    {"collections", "OrderedDict", Kind::kCallable},
    {"torch._utils", "_rebuild_tensor_v2", Kind::kCallable},
    {"torch._utils", "_rebuild_parameter", Kind::kCallable},
    {"torch._utils", "_rebuild_parameter_with_state", Kind::kCallable},
};
constexpr const char* kDtypeNames[] = {
    "float32", "float", "float16", "half",  "bfloat16", "float64", "double", "int64",
    "long",    "int32", "int",     "int16", "short",    "int8",    "uint8",  "bool"};
constexpr StorageType kStorageTypes[] = {
    StorageType::kFloat, StorageType::kHalf, StorageType::kBFloat16, StorageType::kDouble,
    StorageType::kLong,  StorageType::kInt,  StorageType::kShort,    StorageType::kChar,
    StorageType::kByte,  StorageType::kBool};

class Machine {
 public:
  Machine(std::span<const uint8_t> bytes, PickleArena& arena, const PersistentLoader& loader,
          const PickleLimits& limits)
      : b_(bytes), arena_(arena), loader_(loader), limits_(limits) {}

  Expected<PyValue*> run(size_t* consumed);

 private:
  Status error(const std::string& what) const {
    // `what` may quote file bytes (a bad INT line, a name): control characters are replaced so
    // the error stays one line whatever the file holds.
    return Status::Error("pickle opcode '" + printable(op_) + "' at byte " +
                         std::to_string(op_pos_) + ": " + printable_text(what, what.size()));
  }
  static std::string printable(uint8_t c) {
    if (c >= 0x21 && c < 0x7f) return std::string(1, static_cast<char>(c));
    static const char* hex = "0123456789abcdef";
    return std::string("\\x") + hex[c >> 4] + hex[c & 15];
  }

  // Byte readers; each fails at the end of the buffer.
  Expected<std::span<const uint8_t>> take(uint64_t n) {
    if (n > b_.size() - pos_)
      return error("needs " + std::to_string(n) + " bytes, " + std::to_string(b_.size() - pos_) +
                   " remain (truncated)");
    auto s = b_.subspan(pos_, n);
    pos_ += n;
    return s;
  }
  Expected<uint64_t> uint_le(int n) {
    MCONV_ASSIGN_OR_RETURN(auto s, take(n));
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; --i) v = (v << 8) | s[i];
    return v;
  }
  Expected<std::string> line() {
    const size_t start = pos_;
    while (pos_ < b_.size() && b_[pos_] != '\n') {
      if (pos_ - start > 4096) return error("text argument over 4096 bytes");
      ++pos_;
    }
    if (pos_ >= b_.size()) return error("text argument without end of line (truncated)");
    std::string s(reinterpret_cast<const char*>(b_.data() + start), pos_ - start);
    ++pos_;
    return s;
  }

  Expected<PyValue*> make(Kind kind) {
    if (arena_.size() >= limits_.max_objects)
      return error("more than " + std::to_string(limits_.max_objects) + " objects");
    return arena_.make(kind);
  }
  Status push(PyValue* v) {
    if (stack_.size() >= limits_.max_stack)
      return error("stack over " + std::to_string(limits_.max_stack) + " entries");
    stack_.push_back(v);
    return Status::Ok();
  }
  Expected<PyValue*> pop() {
    if (stack_.size() <= mark_base()) return error("stack underflow");
    PyValue* v = stack_.back();
    stack_.pop_back();
    return v;
  }
  Expected<PyValue*> top() {
    if (stack_.size() <= mark_base()) return error("stack underflow");
    return stack_.back();
  }
  size_t mark_base() const { return marks_.empty() ? 0 : marks_.back(); }
  // Everything above the last MARK, which is removed.
  Expected<std::vector<PyValue*>> pop_mark() {
    if (marks_.empty()) return error("no MARK on the stack");
    const size_t base = marks_.back();
    marks_.pop_back();
    std::vector<PyValue*> items(stack_.begin() + static_cast<std::ptrdiff_t>(base), stack_.end());
    stack_.resize(base);
    return items;
  }
  // Records that `container` now holds `child`; refuses nesting past the depth limit.
  Status nest(PyValue* container, const PyValue* child) {
    if (child->depth + 1 > container->depth) container->depth = child->depth + 1;
    if (container->depth > limits_.max_depth)
      return error("containers nested deeper than " + std::to_string(limits_.max_depth));
    return Status::Ok();
  }
  Expected<PyValue*> sequence(Kind kind, std::vector<PyValue*> items) {
    MCONV_ASSIGN_OR_RETURN(PyValue * v, make(kind));
    for (PyValue* item : items) MCONV_RETURN_IF_ERROR(nest(v, item));
    v->items = std::move(items);
    return v;
  }
  Status set_items(PyValue* dict, const std::vector<PyValue*>& kv) {
    if (dict->kind != Kind::kDict) return error("SETITEM on " + describe_kind(*dict));
    if (kv.size() % 2) return error("odd number of items for a dict");
    for (size_t i = 0; i < kv.size(); i += 2) {
      MCONV_RETURN_IF_ERROR(nest(dict, kv[i + 1]));
      dict->entries.emplace_back(kv[i], kv[i + 1]);
    }
    return Status::Ok();
  }
  Status append(PyValue* list, const std::vector<PyValue*>& items) {
    if (list->kind != Kind::kList) return error("APPEND to " + describe_kind(*list));
    for (PyValue* item : items) {
      MCONV_RETURN_IF_ERROR(nest(list, item));
      list->items.push_back(item);
    }
    return Status::Ok();
  }
  Status memo_put(uint64_t index, PyValue* v) {
    if (memo_.size() >= limits_.max_memo_entries && !memo_.count(index))
      return error("memo over " + std::to_string(limits_.max_memo_entries) + " entries");
    memo_[index] = v;
    return Status::Ok();
  }
  Status memo_get(uint64_t index) {
    auto it = memo_.find(index);
    if (it == memo_.end()) return error("memo entry " + std::to_string(index) + " was never set");
    return push(it->second);
  }
  Status push_text(Kind kind, uint64_t n) {
    if (n > limits_.max_text_bytes)
      return error("string of " + std::to_string(n) + " bytes, over the limit of " +
                   std::to_string(limits_.max_text_bytes));
    MCONV_ASSIGN_OR_RETURN(auto s, take(n));
    MCONV_ASSIGN_OR_RETURN(PyValue * v, make(kind));
    v->text.assign(reinterpret_cast<const char*>(s.data()), s.size());
    return push(v);
  }
  Status push_int(int64_t value) {
    MCONV_ASSIGN_OR_RETURN(PyValue * v, make(Kind::kInt));
    v->integer = value;
    return push(v);
  }

  Status global(const std::string& module, const std::string& name);
  Status reduce();
  Status build();
  Expected<PyValue*> rebuild_tensor(const std::vector<PyValue*>& args);

  std::span<const uint8_t> b_;
  PickleArena& arena_;
  const PersistentLoader& loader_;
  const PickleLimits& limits_;
  size_t pos_ = 0;
  size_t op_pos_ = 0;
  uint8_t op_ = 0;
  std::vector<PyValue*> stack_;
  std::vector<size_t> marks_;
  std::unordered_map<uint64_t, PyValue*> memo_;
};

// True when the bytes after a refused GLOBAL instantiate it: [memo op] EMPTY_TUPLE [memo op]
// NEWOBJ, which is how pickle protocol 2 writes an object of a user class (an nn.Module).
bool instantiates_next(std::span<const uint8_t> b, size_t pos) {
  auto skip_memo = [&](size_t p) {
    if (p < b.size() && b[p] == 'q') return p + 2;
    if (p < b.size() && b[p] == 'r') return p + 5;
    if (p < b.size() && b[p] == 0x94) return p + 1;
    return p;
  };
  pos = skip_memo(pos);
  if (pos >= b.size() || b[pos] != ')') return false;
  pos = skip_memo(pos + 1);
  return pos < b.size() && b[pos] == 0x81;
}

bool starts_with(const std::string& s, std::string_view prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

Status Machine::global(const std::string& module, const std::string& name) {
  const std::string full = printable_text(module + "." + name);
  for (const AllowedGlobal& g : kAllowedGlobals) {
    if (module == g.module && name == g.name) {
      MCONV_ASSIGN_OR_RETURN(PyValue * v, make(g.kind));
      v->text = full;
      return push(v);
    }
  }
  if (module == "torch") {
    for (StorageType t : kStorageTypes) {
      if (name == storage_type_name(t)) {
        MCONV_ASSIGN_OR_RETURN(PyValue * v, make(Kind::kStorageType));
        v->storage.type = t;
        return push(v);
      }
    }
    for (const char* d : kDtypeNames) {
      if (name == d) {
        MCONV_ASSIGN_OR_RETURN(PyValue * v, make(Kind::kDtype));
        v->text = name;
        return push(v);
      }
    }
  }
  if (instantiates_next(b_, pos_) || starts_with(module, "torch.nn.") ||
      starts_with(module, "torchvision.models"))
    return Status::Error("the checkpoint pickles a whole '" + full +
                         "' object (torch.save(model)); mconv reads tensor state dicts only, "
                         "save model.state_dict() instead (nothing was executed)");
  return Status::Error("the checkpoint refers to '" + full +
                       "', which is not a tensor or state-dict type; refused, nothing was "
                       "imported or executed");
}

Expected<PyValue*> Machine::rebuild_tensor(const std::vector<PyValue*>& args) {
  // (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
  if (args.size() < 4 || args[0]->kind != Kind::kStorage || args[1]->kind != Kind::kInt ||
      args[2]->kind != Kind::kTuple || args[3]->kind != Kind::kTuple)
    return error("_rebuild_tensor_v2 called with unexpected arguments");
  if (args[2]->items.size() != args[3]->items.size())
    return error("_rebuild_tensor_v2: size and stride of different lengths");
  MCONV_ASSIGN_OR_RETURN(PyValue * t, make(Kind::kTensor));
  t->tensor.storage = args[0];
  t->tensor.offset = args[1]->integer;
  for (size_t i = 0; i < args[2]->items.size(); ++i) {
    const PyValue* size = args[2]->items[i];
    const PyValue* stride = args[3]->items[i];
    if (size->kind != Kind::kInt || stride->kind != Kind::kInt)
      return error("_rebuild_tensor_v2: size/stride entries must be ints");
    t->tensor.sizes.push_back(size->integer);
    t->tensor.strides.push_back(stride->integer);
  }
  return t;
}

Status Machine::reduce() {
  MCONV_ASSIGN_OR_RETURN(PyValue * args, pop());
  MCONV_ASSIGN_OR_RETURN(PyValue * callable, pop());
  if (callable->kind != Kind::kCallable)
    return error("refuses to call " + describe_kind(*callable) +
                 " (only tensor rebuild functions and OrderedDict); nothing was executed");
  if (args->kind != Kind::kTuple) return error("REDUCE arguments are not a tuple");
  const std::vector<PyValue*>& a = args->items;
  PyValue* result = nullptr;
  if (callable->text == "collections.OrderedDict") {
    MCONV_ASSIGN_OR_RETURN(result, make(Kind::kDict));
    if (!a.empty()) {
      // OrderedDict([(k, v), ...])
      if (a.size() != 1 || a[0]->kind != Kind::kList)
        return error("OrderedDict called with unexpected arguments");
      for (const PyValue* pair : a[0]->items) {
        if (pair->kind != Kind::kTuple || pair->items.size() != 2)
          return error("OrderedDict item is not a pair");
        MCONV_RETURN_IF_ERROR(set_items(result, pair->items));
      }
    }
  } else if (callable->text == "torch._utils._rebuild_tensor_v2") {
    MCONV_ASSIGN_OR_RETURN(result, rebuild_tensor(a));
  } else {
    // _rebuild_parameter(data, requires_grad, hooks[, state]): the tensor itself.
    if (a.empty() || a[0]->kind != Kind::kTensor)
      return error(callable->text + " called with unexpected arguments");
    result = a[0];
  }
  return push(result);
}

Status Machine::build() {
  MCONV_ASSIGN_OR_RETURN(PyValue * state, pop());
  MCONV_ASSIGN_OR_RETURN(PyValue * target, top());
  // OrderedDict state dicts carry their _metadata attribute this way; it is not needed.
  if (target->kind != Kind::kDict || (state->kind != Kind::kDict && state->kind != Kind::kNone))
    return error("BUILD on " + describe_kind(*target) + " refused (only a dict's attributes)");
  return Status::Ok();
}

Expected<PyValue*> Machine::run(size_t* consumed) {
  while (pos_ < b_.size()) {
    op_pos_ = pos_;
    op_ = b_[pos_++];
    switch (op_) {
      case 0x80: {  // PROTO
        MCONV_ASSIGN_OR_RETURN(uint64_t proto, uint_le(1));
        if (proto > 5) return error("pickle protocol " + std::to_string(proto));
        break;
      }
      case 0x95:  // FRAME: a length hint only
        MCONV_RETURN_IF_ERROR(take(8).status());
        break;
      case '.': {  // STOP
        MCONV_ASSIGN_OR_RETURN(PyValue * result, pop());
        if (!marks_.empty() || !stack_.empty()) return error("values left on the stack at STOP");
        if (consumed) *consumed = pos_;
        return result;
      }
      case '(':  // MARK
        if (static_cast<int>(marks_.size()) >= limits_.max_depth)
          return error("MARKs nested deeper than " + std::to_string(limits_.max_depth));
        marks_.push_back(stack_.size());
        break;
      case '0':  // POP
        MCONV_RETURN_IF_ERROR(pop().status());
        break;
      case '1':  // POP_MARK
        MCONV_RETURN_IF_ERROR(pop_mark().status());
        break;
      case '2': {  // DUP
        MCONV_ASSIGN_OR_RETURN(PyValue * v, top());
        MCONV_RETURN_IF_ERROR(push(v));
        break;
      }
      case 'N': {
        MCONV_ASSIGN_OR_RETURN(PyValue * v, make(Kind::kNone));
        MCONV_RETURN_IF_ERROR(push(v));
        break;
      }
      case 0x88:
      case 0x89: {  // NEWTRUE, NEWFALSE
        MCONV_ASSIGN_OR_RETURN(PyValue * v, make(Kind::kBool));
        v->integer = op_ == 0x88;
        MCONV_RETURN_IF_ERROR(push(v));
        break;
      }
      case 'J': {  // BININT
        MCONV_ASSIGN_OR_RETURN(uint64_t v, uint_le(4));
        MCONV_RETURN_IF_ERROR(push_int(static_cast<int32_t>(static_cast<uint32_t>(v))));
        break;
      }
      case 'K': {  // BININT1
        MCONV_ASSIGN_OR_RETURN(uint64_t v, uint_le(1));
        MCONV_RETURN_IF_ERROR(push_int(static_cast<int64_t>(v)));
        break;
      }
      case 'M': {  // BININT2
        MCONV_ASSIGN_OR_RETURN(uint64_t v, uint_le(2));
        MCONV_RETURN_IF_ERROR(push_int(static_cast<int64_t>(v)));
        break;
      }
      case 'I': {  // INT (text): also protocol 0's booleans "01"/"00"
        MCONV_ASSIGN_OR_RETURN(std::string s, line());
        if (s == "01" || s == "00") {
          MCONV_ASSIGN_OR_RETURN(PyValue * v, make(Kind::kBool));
          v->integer = s == "01";
          MCONV_RETURN_IF_ERROR(push(v));
          break;
        }
        int64_t value = 0;
        bool negative = !s.empty() && s[0] == '-';
        size_t i = negative ? 1 : 0;
        if (i >= s.size() || s.size() > 19) return error("bad INT '" + s.substr(0, 20) + "'");
        for (; i < s.size(); ++i) {
          if (s[i] < '0' || s[i] > '9') return error("bad INT '" + s.substr(0, 20) + "'");
          value = value * 10 + (s[i] - '0');
        }
        MCONV_RETURN_IF_ERROR(push_int(negative ? -value : value));
        break;
      }
      case 0x8a: {  // LONG1: little-endian two's complement of n bytes
        MCONV_ASSIGN_OR_RETURN(uint64_t n, uint_le(1));
        MCONV_ASSIGN_OR_RETURN(auto s, take(n));
        if (n <= 8) {
          uint64_t v = 0;
          for (size_t i = n; i-- > 0;) v = (v << 8) | s[i];
          if (n > 0 && n < 8 && (s[n - 1] & 0x80)) v |= ~uint64_t{0} << (8 * n);
          MCONV_RETURN_IF_ERROR(push_int(static_cast<int64_t>(v)));
        } else {
          MCONV_ASSIGN_OR_RETURN(PyValue * v, make(Kind::kBigInt));
          v->text.assign(reinterpret_cast<const char*>(s.data()), s.size());
          MCONV_RETURN_IF_ERROR(push(v));
        }
        break;
      }
      case 'G': {  // BINFLOAT, big-endian double
        MCONV_ASSIGN_OR_RETURN(auto s, take(8));
        uint64_t bits = 0;
        for (int i = 0; i < 8; ++i) bits = (bits << 8) | s[i];
        MCONV_ASSIGN_OR_RETURN(PyValue * v, make(Kind::kFloat));
        std::memcpy(&v->real, &bits, 8);
        MCONV_RETURN_IF_ERROR(push(v));
        break;
      }
      case 'X': {  // BINUNICODE
        MCONV_ASSIGN_OR_RETURN(uint64_t n, uint_le(4));
        MCONV_RETURN_IF_ERROR(push_text(Kind::kString, n));
        break;
      }
      case 0x8c: {  // SHORT_BINUNICODE
        MCONV_ASSIGN_OR_RETURN(uint64_t n, uint_le(1));
        MCONV_RETURN_IF_ERROR(push_text(Kind::kString, n));
        break;
      }
      case 0x8d: {  // BINUNICODE8
        MCONV_ASSIGN_OR_RETURN(uint64_t n, uint_le(8));
        MCONV_RETURN_IF_ERROR(push_text(Kind::kString, n));
        break;
      }
      case 'T':    // BINSTRING (protocol 1 str)
      case 'B': {  // BINBYTES
        MCONV_ASSIGN_OR_RETURN(uint64_t n, uint_le(4));
        MCONV_RETURN_IF_ERROR(push_text(op_ == 'T' ? Kind::kString : Kind::kBytes, n));
        break;
      }
      case 'U':    // SHORT_BINSTRING
      case 'C': {  // SHORT_BINBYTES
        MCONV_ASSIGN_OR_RETURN(uint64_t n, uint_le(1));
        MCONV_RETURN_IF_ERROR(push_text(op_ == 'U' ? Kind::kString : Kind::kBytes, n));
        break;
      }
      case 0x8e: {  // BINBYTES8
        MCONV_ASSIGN_OR_RETURN(uint64_t n, uint_le(8));
        MCONV_RETURN_IF_ERROR(push_text(Kind::kBytes, n));
        break;
      }
      case ')': {
        MCONV_ASSIGN_OR_RETURN(PyValue * v, sequence(Kind::kTuple, {}));
        MCONV_RETURN_IF_ERROR(push(v));
        break;
      }
      case ']':
      case '}': {
        MCONV_ASSIGN_OR_RETURN(PyValue * v, make(op_ == ']' ? Kind::kList : Kind::kDict));
        MCONV_RETURN_IF_ERROR(push(v));
        break;
      }
      case 't':    // TUPLE
      case 'l': {  // LIST
        MCONV_ASSIGN_OR_RETURN(auto items, pop_mark());
        MCONV_ASSIGN_OR_RETURN(PyValue * v,
                               sequence(op_ == 't' ? Kind::kTuple : Kind::kList, std::move(items)));
        MCONV_RETURN_IF_ERROR(push(v));
        break;
      }
      case 'd': {  // DICT
        MCONV_ASSIGN_OR_RETURN(auto items, pop_mark());
        MCONV_ASSIGN_OR_RETURN(PyValue * v, make(Kind::kDict));
        MCONV_RETURN_IF_ERROR(set_items(v, items));
        MCONV_RETURN_IF_ERROR(push(v));
        break;
      }
      case 0x85:
      case 0x86:
      case 0x87: {  // TUPLE1..3
        const size_t n = op_ - 0x84u;
        if (stack_.size() < mark_base() + n) return error("stack underflow");
        std::vector<PyValue*> items(stack_.end() - static_cast<std::ptrdiff_t>(n), stack_.end());
        stack_.resize(stack_.size() - n);
        MCONV_ASSIGN_OR_RETURN(PyValue * v, sequence(Kind::kTuple, std::move(items)));
        MCONV_RETURN_IF_ERROR(push(v));
        break;
      }
      case 's': {  // SETITEM
        MCONV_ASSIGN_OR_RETURN(PyValue * value, pop());
        MCONV_ASSIGN_OR_RETURN(PyValue * key, pop());
        MCONV_ASSIGN_OR_RETURN(PyValue * dict, top());
        MCONV_RETURN_IF_ERROR(set_items(dict, {key, value}));
        break;
      }
      case 'u': {  // SETITEMS
        MCONV_ASSIGN_OR_RETURN(auto items, pop_mark());
        MCONV_ASSIGN_OR_RETURN(PyValue * dict, top());
        MCONV_RETURN_IF_ERROR(set_items(dict, items));
        break;
      }
      case 'a': {  // APPEND
        MCONV_ASSIGN_OR_RETURN(PyValue * item, pop());
        MCONV_ASSIGN_OR_RETURN(PyValue * list, top());
        MCONV_RETURN_IF_ERROR(append(list, {item}));
        break;
      }
      case 'e': {  // APPENDS
        MCONV_ASSIGN_OR_RETURN(auto items, pop_mark());
        MCONV_ASSIGN_OR_RETURN(PyValue * list, top());
        MCONV_RETURN_IF_ERROR(append(list, items));
        break;
      }
      case 'q': {  // BINPUT
        MCONV_ASSIGN_OR_RETURN(uint64_t i, uint_le(1));
        MCONV_ASSIGN_OR_RETURN(PyValue * v, top());
        MCONV_RETURN_IF_ERROR(memo_put(i, v));
        break;
      }
      case 'r': {  // LONG_BINPUT
        MCONV_ASSIGN_OR_RETURN(uint64_t i, uint_le(4));
        MCONV_ASSIGN_OR_RETURN(PyValue * v, top());
        MCONV_RETURN_IF_ERROR(memo_put(i, v));
        break;
      }
      case 0x94: {  // MEMOIZE
        MCONV_ASSIGN_OR_RETURN(PyValue * v, top());
        MCONV_RETURN_IF_ERROR(memo_put(memo_.size(), v));
        break;
      }
      case 'h': {  // BINGET
        MCONV_ASSIGN_OR_RETURN(uint64_t i, uint_le(1));
        MCONV_RETURN_IF_ERROR(memo_get(i));
        break;
      }
      case 'j': {  // LONG_BINGET
        MCONV_ASSIGN_OR_RETURN(uint64_t i, uint_le(4));
        MCONV_RETURN_IF_ERROR(memo_get(i));
        break;
      }
      case 'c': {  // GLOBAL "module\nname\n"
        MCONV_ASSIGN_OR_RETURN(std::string module, line());
        MCONV_ASSIGN_OR_RETURN(std::string name, line());
        MCONV_RETURN_IF_ERROR(global(module, name));
        break;
      }
      case 0x93: {  // STACK_GLOBAL
        MCONV_ASSIGN_OR_RETURN(PyValue * name, pop());
        MCONV_ASSIGN_OR_RETURN(PyValue * module, pop());
        if (name->kind != Kind::kString || module->kind != Kind::kString)
          return error("STACK_GLOBAL needs two strings");
        MCONV_RETURN_IF_ERROR(global(module->text, name->text));
        break;
      }
      case 'R':
        MCONV_RETURN_IF_ERROR(reduce());
        break;
      case 'b':
        MCONV_RETURN_IF_ERROR(build());
        break;
      case 'Q': {  // BINPERSID
        MCONV_ASSIGN_OR_RETURN(PyValue * pid, pop());
        if (!loader_) return error("persistent id in a pickle that may not have one");
        auto storage = loader_(*pid, arena_);
        if (!storage.ok())
          return storage.status().with_context("pickle byte " + std::to_string(op_pos_));
        MCONV_RETURN_IF_ERROR(push(*storage));
        break;
      }
      case 0x81:
      case 0x92:
        return error("refuses to instantiate objects (NEWOBJ); nothing was executed");
      default:
        return error("opcode not allowed in a tensor checkpoint; nothing was executed");
    }
  }
  return Status::Error("pickle ends at byte " + std::to_string(pos_) + " without STOP (truncated)");
}

}  // namespace

Expected<PyValue*> unpickle(std::span<const uint8_t> bytes, PickleArena& arena,
                            const PersistentLoader& persistent_load, const PickleLimits& limits,
                            size_t* consumed) {
  Machine machine(bytes, arena, persistent_load, limits);
  return machine.run(consumed);
}

}  // namespace mconv::torch
