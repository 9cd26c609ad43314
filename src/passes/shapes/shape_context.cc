#include "passes/shapes/shape_context.h"

#include <algorithm>

namespace mconv::passes::shapes {
namespace {

bool is_integer_dtype(DType t) {
  switch (t) {
    case DType::kI8:
    case DType::kU8:
    case DType::kI16:
    case DType::kI32:
    case DType::kI64:
    case DType::kBool:
      return true;
    default:
      return false;
  }
}

}  // namespace

ShapeContext::ShapeContext(const ir::Node& node, KnownValueMap& known)
    : node_(node), known_(known), results_(node.outputs.size()) {}

const ir::Value* ShapeContext::input(int i) const {
  if (i < 0 || i >= input_count()) return nullptr;
  return node_.inputs[i];
}

bool ShapeContext::has_shape(int i) const {
  const ir::Value* v = input(i);
  return v && v->has_shape;
}

const KnownInts* ShapeContext::known(int i) {
  const ir::Value* v = input(i);
  if (!v) return nullptr;
  auto it = known_.find(v);
  if (it != known_.end()) return &it->second;
  if (!v->constant || !is_integer_dtype(v->constant->dtype()) || v->constant->rank() > 1)
    return nullptr;
  int64_t count = v->constant->element_count();
  if (count < 0 || count > kMaxKnownElements) return nullptr;
  KnownInts values;
  values.reserve(static_cast<size_t>(count));
  for (int64_t x : v->constant->to_i64()) values.push_back(KnownInt{true, x, ""});
  return &known_.emplace(v, std::move(values)).first->second;
}

Expected<std::optional<std::vector<int64_t>>> ShapeContext::ints(int i, const char* what) {
  const ir::Value* v = input(i);
  if (v && v->constant && !is_integer_dtype(v->constant->dtype()))
    return error(std::string(what) + " '" + v->name + "' must be an integer tensor, got " +
                 std::string(dtype_name(v->constant->dtype())));
  if (v && v->constant && v->constant->element_count() > kMaxKnownElements)
    return error(std::string(what) + " '" + v->name + "' has " +
                 std::to_string(v->constant->element_count()) + " elements, more than " +
                 std::to_string(kMaxKnownElements));
  const KnownInts* k = known(i);
  if (!k) return std::optional<std::vector<int64_t>>();
  std::vector<int64_t> out;
  out.reserve(k->size());
  for (const KnownInt& e : *k) {
    if (!e.known) return std::optional<std::vector<int64_t>>();
    out.push_back(e.value);
  }
  return std::optional<std::vector<int64_t>>(std::move(out));
}

void ShapeContext::set_output(int i, DType dtype, ir::Shape shape) {
  if (i < 0 || i >= output_count()) return;
  results_[i].dtype = dtype;
  results_[i].has_shape = true;
  results_[i].shape = std::move(shape);
}

void ShapeContext::set_output_rank_unknown(int i, DType dtype) {
  if (i < 0 || i >= output_count()) return;
  results_[i].dtype = dtype;
  results_[i].has_shape = false;
  results_[i].shape.clear();
}

void ShapeContext::set_output_known(int i, KnownInts values) {
  if (i < 0 || i >= output_count()) return;
  if (static_cast<int64_t>(values.size()) > kMaxKnownElements) return;
  results_[i].known = std::move(values);
}

Status ShapeContext::error(const std::string& what) const {
  return Status::Error("node '" + node_.name + "' (" + std::string(ir::op_name(node_.op)) +
                       "): " + what);
}

Expected<int> ShapeContext::axis(int64_t value, int rank, const char* what) const {
  if (value < -static_cast<int64_t>(rank) || value >= rank)
    return error(std::string(what) + " " + std::to_string(value) + " is out of range for rank " +
                 std::to_string(rank));
  return static_cast<int>(value < 0 ? value + rank : value);
}

ir::Shape unknown_shape(int rank) {
  return ir::Shape(static_cast<size_t>(std::max(rank, 0)));
}

bool checked_mul(int64_t a, int64_t b, int64_t* out) {
  return !__builtin_mul_overflow(a, b, out);
}
bool checked_add(int64_t a, int64_t b, int64_t* out) {
  return !__builtin_add_overflow(a, b, out);
}

Expected<ir::Dim> dim_product(const ShapeContext& ctx, const ir::Shape& shape, size_t begin,
                              size_t end) {
  end = std::min(end, shape.size());
  if (begin >= end) return known_dim(1);
  if (end - begin == 1) return shape[begin];
  bool all_known = true;
  for (size_t i = begin; i < end; ++i) {
    if (shape[i].known() && shape[i].size == 0) return known_dim(0);
    if (!shape[i].known()) all_known = false;
  }
  if (!all_known) return unknown_dim();
  int64_t product = 1;
  for (size_t i = begin; i < end; ++i)
    if (!checked_mul(product, shape[i].size, &product))
      return ctx.error("element count of " + ir::shape_string(shape) + " overflows int64");
  return known_dim(product);
}

Expected<ir::Shape> broadcast_shapes(const ShapeContext& ctx, const ir::Shape& a,
                                     const ir::Shape& b) {
  size_t rank = std::max(a.size(), b.size());
  ir::Shape out(rank);
  for (size_t i = 0; i < rank; ++i) {
    // Align from the right; missing leading dims act as 1.
    const ir::Dim one = known_dim(1);
    const ir::Dim& da = i + a.size() >= rank ? a[i + a.size() - rank] : one;
    const ir::Dim& db = i + b.size() >= rank ? b[i + b.size() - rank] : one;
    if (da.known() && db.known()) {
      if (da.size != db.size && da.size != 1 && db.size != 1)
        return ctx.error("shapes " + ir::shape_string(a) + " and " + ir::shape_string(b) +
                         " do not broadcast");
      out[i] = da.size == 1 ? db : da;
    } else if (da.known()) {
      out[i] = da.size == 1 ? db : da;  // the unknown dim must be 1 or equal to da
    } else if (db.known()) {
      out[i] = db.size == 1 ? da : db;
    } else if (!da.symbol.empty() && da.symbol == db.symbol) {
      out[i] = da;
    } else {
      out[i] = unknown_dim();  // either could be 1
    }
  }
  return out;
}

bool merge_dims(const ir::Dim& a, const ir::Dim& b, ir::Dim* out) {
  if (a.known() && b.known()) {
    if (a.size != b.size) return false;
    *out = a;
  } else if (a.known()) {
    *out = a;
  } else if (b.known()) {
    *out = b;
  } else {
    *out = a.symbol.empty() ? b : a;
  }
  return true;
}

ir::Dim dim_from_known(const KnownInt& k) {
  if (k.known) return k.value >= 0 ? known_dim(k.value) : unknown_dim();
  return ir::Dim{-1, k.symbol};
}

KnownInt known_from_dim(const ir::Dim& d) {
  if (d.known()) return KnownInt{true, d.size, ""};
  return KnownInt{false, 0, d.symbol};
}

std::string dims_string(const std::vector<int64_t>& dims) {
  return shape_to_string(dims);
}

}  // namespace mconv::passes::shapes
