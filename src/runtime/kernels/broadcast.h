// Numpy (multidirectional) broadcasting for elementwise binary ops. The output index space is
// collapsed into as few dims as possible, so the common cases (same shape, scalar operand,
// per-channel operand) end in one long inner loop with unit or zero strides.
#pragma once

#include <cstdint>
#include <vector>

#include "core/status.h"

namespace mconv::runtime::kernels {

struct BroadcastLoop {
  std::vector<int64_t> out_shape;  // broadcast shape of the output (full rank)
  std::vector<int64_t> dims;       // collapsed loop dims, outermost first; never empty
  std::vector<int64_t> a_strides;  // element stride of A along each collapsed dim (0 = repeat)
  std::vector<int64_t> b_strides;  // same for B
};

// Error when a dim pair is neither equal nor has a 1.
Expected<BroadcastLoop> plan_broadcast(const std::vector<int64_t>& a,
                                       const std::vector<int64_t>& b);
// The broadcast shape alone.
Expected<std::vector<int64_t>> broadcast_shape(const std::vector<int64_t>& a,
                                               const std::vector<int64_t>& b);

// out[i] = op(a[...], b[...]) over the broadcast output, which must already be allocated.
template <typename TA, typename TB, typename TOut, typename Op>
void broadcast_apply(const BroadcastLoop& loop, const TA* a, const TB* b, TOut* out, Op op) {
  const size_t nd = loop.dims.size();
  const int64_t inner = loop.dims[nd - 1];
  const int64_t sa = loop.a_strides[nd - 1], sb = loop.b_strides[nd - 1];
  int64_t outer = 1;
  for (size_t d = 0; d + 1 < nd; ++d) outer *= loop.dims[d];
  std::vector<int64_t> index(nd, 0);
  int64_t a_off = 0, b_off = 0;
  for (int64_t o = 0; o < outer; ++o) {
    const TA* pa = a + a_off;
    const TB* pb = b + b_off;
    // The three stride patterns that occur in practice get their own vectorizable loop.
    if (sa == 1 && sb == 1) {
      for (int64_t i = 0; i < inner; ++i) out[i] = op(pa[i], pb[i]);
    } else if (sa == 1 && sb == 0) {
      const TB vb = *pb;
      for (int64_t i = 0; i < inner; ++i) out[i] = op(pa[i], vb);
    } else if (sa == 0 && sb == 1) {
      const TA va = *pa;
      for (int64_t i = 0; i < inner; ++i) out[i] = op(va, pb[i]);
    } else {
      for (int64_t i = 0; i < inner; ++i) out[i] = op(pa[i * sa], pb[i * sb]);
    }
    out += inner;
    for (size_t d = nd - 1; d-- > 0;) {  // odometer over the outer dims
      a_off += loop.a_strides[d];
      b_off += loop.b_strides[d];
      if (++index[d] < loop.dims[d]) break;
      a_off -= loop.a_strides[d] * loop.dims[d];
      b_off -= loop.b_strides[d] * loop.dims[d];
      index[d] = 0;
    }
  }
}

}  // namespace mconv::runtime::kernels
