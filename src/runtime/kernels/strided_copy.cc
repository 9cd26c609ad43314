#include "runtime/kernels/strided_copy.h"

#include <cstring>

#include "core/bytes.h"

namespace mconv::runtime::kernels {
namespace {

template <typename T>
void copy_typed(const std::vector<int64_t>& dims, const T* src, const std::vector<int64_t>& strides,
                T* dst) {
  const size_t nd = dims.size();
  const int64_t inner = dims[nd - 1], step = strides[nd - 1];
  int64_t outer = 1;
  for (size_t d = 0; d + 1 < nd; ++d) outer *= dims[d];
  std::vector<int64_t> index(nd, 0);
  int64_t offset = 0;
  for (int64_t o = 0; o < outer; ++o, dst += inner) {
    const T* s = src + offset;
    if (step == 1) {
      copy_bytes(dst, s, sizeof(T) * inner);
    } else {
      for (int64_t i = 0; i < inner; ++i) dst[i] = s[i * step];
    }
    for (size_t d = nd - 1; d-- > 0;) {  // odometer over the outer dims
      offset += strides[d];
      if (++index[d] < dims[d]) break;
      offset -= strides[d] * dims[d];
      index[d] = 0;
    }
  }
}

}  // namespace

void copy_strided(size_t element_size, const std::vector<int64_t>& shape, const uint8_t* src,
                  const std::vector<int64_t>& strides, uint8_t* dst) {
  // Drop size-1 dims and merge dims that are contiguous continuations of each other, so e.g. a
  // slice along axis 1 becomes a few long memcpys.
  std::vector<int64_t> dims, st;  // innermost first while building
  for (size_t i = shape.size(); i-- > 0;) {
    if (shape[i] == 0) return;  // empty view
    if (shape[i] == 1) continue;
    if (!dims.empty() && strides[i] == st.back() * dims.back()) {
      dims.back() *= shape[i];
      continue;
    }
    dims.push_back(shape[i]);
    st.push_back(strides[i]);
  }
  if (dims.empty()) {
    dims.push_back(1);
    st.push_back(1);
  }
  std::vector<int64_t> d(dims.rbegin(), dims.rend()), s(st.rbegin(), st.rend());
  switch (element_size) {
    case 1:
      copy_typed(d, src, s, dst);
      break;
    case 2:
      copy_typed(d, reinterpret_cast<const uint16_t*>(src), s, reinterpret_cast<uint16_t*>(dst));
      break;
    case 4:
      copy_typed(d, reinterpret_cast<const uint32_t*>(src), s, reinterpret_cast<uint32_t*>(dst));
      break;
    case 8:
      copy_typed(d, reinterpret_cast<const uint64_t*>(src), s, reinterpret_cast<uint64_t*>(dst));
      break;
    default:  // every DType has 1, 2, 4 or 8 byte elements
      break;
  }
}

}  // namespace mconv::runtime::kernels
