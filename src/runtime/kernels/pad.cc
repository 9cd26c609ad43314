// Pad: pads (i64, ONNX order: all begins then all ends, negative = crop), optional scalar
// constant_value, optional opset-18 axes; attr mode = constant | reflect | edge | wrap. Each
// output axis gets a table output index -> input index (-1 = constant), so the copy loop is
// the same for every mode. Reflect pads wider than the axis keep reflecting (numpy's rule, the
// ONNX reference). Any dtype.
#include <cstring>

#include "runtime/kernels/kernel_factories.h"
#include "runtime/kernels/kernel_util.h"

namespace mconv::runtime::kernels {
namespace {

enum class PadMode { kConstant, kReflect, kEdge, kWrap };

// Input index read by output index o on an axis of `dim` elements with `begin` leading pad.
int64_t source_index(PadMode mode, int64_t o, int64_t begin, int64_t dim) {
  int64_t i = o - begin;
  if (i >= 0 && i < dim) return i;
  switch (mode) {
    case PadMode::kConstant:
      return -1;
    case PadMode::kEdge:
      return i < 0 ? 0 : dim - 1;
    case PadMode::kWrap:
      return ((i % dim) + dim) % dim;
    case PadMode::kReflect: {
      if (dim == 1) return 0;
      const int64_t period = 2 * (dim - 1);  // reflection without repeating the edge
      i = ((i % period) + period) % period;
      return i < dim ? i : period - i;
    }
  }
  return -1;
}

template <typename T>
void pad_typed(const std::vector<std::vector<int64_t>>& maps, const std::vector<int64_t>& in_dims,
               const T* src, T fill, T* dst) {
  const size_t rank = maps.size();
  const std::vector<int64_t>& inner_map = maps[rank - 1];
  const int64_t inner = static_cast<int64_t>(inner_map.size());
  std::vector<int64_t> in_strides(rank, 1);
  for (size_t d = rank - 1; d-- > 0;) in_strides[d] = in_strides[d + 1] * in_dims[d + 1];
  int64_t outer = 1;
  for (size_t d = 0; d + 1 < rank; ++d) outer *= static_cast<int64_t>(maps[d].size());
  std::vector<int64_t> idx(rank, 0);
  for (int64_t o = 0; o < outer; ++o, dst += inner) {
    int64_t base = 0;
    bool constant_row = false;
    for (size_t d = 0; d + 1 < rank; ++d) {
      const int64_t s = maps[d][idx[d]];
      if (s < 0) constant_row = true;
      base += s * in_strides[d];
    }
    if (constant_row) {
      for (int64_t i = 0; i < inner; ++i) dst[i] = fill;
    } else {
      const T* row = src + base;
      for (int64_t i = 0; i < inner; ++i) dst[i] = inner_map[i] < 0 ? fill : row[inner_map[i]];
    }
    for (size_t d = rank - 1; d-- > 0;) {
      if (++idx[d] < static_cast<int64_t>(maps[d].size())) break;
      idx[d] = 0;
    }
  }
}

template <typename T>
void pad_as(const std::vector<std::vector<int64_t>>& maps, const Tensor& x, const uint8_t* fill,
            Tensor& y) {
  T f;
  std::memcpy(&f, fill, sizeof(T));
  pad_typed(maps, x.shape(), reinterpret_cast<const T*>(x.raw()), f, reinterpret_cast<T*>(y.raw()));
}

}  // namespace

KernelPtr create_pad_kernel(const ir::Node& node) {
  const std::string mode_name = node.attrs.get_string("mode", "constant");
  PadMode mode;
  if (mode_name == "constant") {
    mode = PadMode::kConstant;
  } else if (mode_name == "reflect") {
    mode = PadMode::kReflect;
  } else if (mode_name == "edge") {
    mode = PadMode::kEdge;
  } else if (mode_name == "wrap") {
    mode = PadMode::kWrap;
  } else {
    return Status::Error("unknown mode '" + mode_name + "'");
  }
  return make_lambda_kernel(
      [mode, mode_name](KernelInputs in, std::vector<Tensor>& out, const ExecContext&) -> Status {
        MCONV_RETURN_IF_ERROR(require_input(in, 0, "data"));
        MCONV_RETURN_IF_ERROR(require_input(in, 1, "pads"));
        const Tensor& x = *in[0];
        const int rank = x.rank();
        MCONV_ASSIGN_OR_RETURN(std::vector<int64_t> pads, read_index_tensor(*in[1], "pads"));
        std::vector<int64_t> axes;
        if (in.size() > 3 && in[3]) {
          MCONV_ASSIGN_OR_RETURN(axes, read_index_tensor(*in[3], "axes"));
        } else {
          for (int i = 0; i < rank; ++i) axes.push_back(i);
        }
        if (pads.size() != 2 * axes.size())
          return Status::Error("pads " + shape_to_string(pads) +
                               " needs 2 values per padded axis of " + x.describe());
        std::vector<int64_t> begin(rank, 0), end(rank, 0);
        for (size_t i = 0; i < axes.size(); ++i) {
          MCONV_ASSIGN_OR_RETURN(int64_t axis, normalize_axis(axes[i], rank));
          begin[axis] = pads[i];
          end[axis] = pads[i + axes.size()];
        }
        std::vector<uint8_t> fill(dtype_size(x.dtype()), 0);
        if (in.size() > 2 && in[2] && in[2]->element_count() > 0) {
          const Tensor& v = *in[2];
          if (v.dtype() != x.dtype() || v.element_count() != 1)
            return Status::Error("constant_value " + v.describe() + " must be one " +
                                 std::string(dtype_name(x.dtype())) + " value");
          std::memcpy(fill.data(), v.raw(), fill.size());
        }
        std::vector<int64_t> out_shape(rank);
        std::vector<std::vector<int64_t>> maps(rank);
        for (int a = 0; a < rank; ++a) {
          const int64_t dim = x.dim(a);
          if (__builtin_add_overflow(dim, begin[a], &out_shape[a]) ||
              __builtin_add_overflow(out_shape[a], end[a], &out_shape[a]))
            return Status::Error("pads " + shape_to_string(pads) + " overflow int64");
          if (out_shape[a] < 0)
            return Status::Error("pads crop axis " + std::to_string(a) + " of " + x.describe() +
                                 " below zero");
          if (mode != PadMode::kConstant && dim == 0 && out_shape[a] > 0)
            return Status::Error("mode " + mode_name + " cannot pad the empty axis " +
                                 std::to_string(a) + " of " + x.describe());
          maps[a].resize(out_shape[a]);
          for (int64_t o = 0; o < out_shape[a]; ++o)
            maps[a][o] = source_index(mode, o, begin[a], dim);
        }
        if (shape_element_count(out_shape) < 0)
          return Status::Error("padded shape " + shape_to_string(out_shape) + " is too large");
        out[0] = Tensor(x.dtype(), out_shape);
        if (out[0].element_count() == 0) return Status::Ok();
        if (rank == 0) {
          out[0] = x;
          return Status::Ok();
        }
        switch (dtype_size(x.dtype())) {
          case 1:
            pad_as<uint8_t>(maps, x, fill.data(), out[0]);
            break;
          case 2:
            pad_as<uint16_t>(maps, x, fill.data(), out[0]);
            break;
          case 4:
            pad_as<uint32_t>(maps, x, fill.data(), out[0]);
            break;
          case 8:
            pad_as<uint64_t>(maps, x, fill.data(), out[0]);
            break;
          default:
            return Status::Error("unsupported dtype " + x.describe());
        }
        return Status::Ok();
      });
}

}  // namespace mconv::runtime::kernels
