#include "runtime/kernels/broadcast.h"

#include <algorithm>

#include "core/tensor.h"

namespace mconv::runtime::kernels {

Expected<std::vector<int64_t>> broadcast_shape(const std::vector<int64_t>& a,
                                               const std::vector<int64_t>& b) {
  const size_t rank = std::max(a.size(), b.size());
  std::vector<int64_t> out(rank);
  for (size_t i = 0; i < rank; ++i) {
    // Align trailing dims; missing leading dims count as 1.
    const int64_t da = i + a.size() >= rank ? a[i + a.size() - rank] : 1;
    const int64_t db = i + b.size() >= rank ? b[i + b.size() - rank] : 1;
    if (da == db || db == 1) {
      out[i] = da;
    } else if (da == 1) {
      out[i] = db;
    } else {
      return Status::Error("shapes " + shape_to_string(a) + " and " + shape_to_string(b) +
                           " are not broadcastable");
    }
  }
  return out;
}

Expected<BroadcastLoop> plan_broadcast(const std::vector<int64_t>& a,
                                       const std::vector<int64_t>& b) {
  BroadcastLoop loop;
  MCONV_ASSIGN_OR_RETURN(loop.out_shape, broadcast_shape(a, b));
  const size_t rank = loop.out_shape.size();
  // Full-rank strides of each operand, 0 along broadcast dims.
  std::vector<int64_t> sa(rank), sb(rank);
  int64_t stride_a = 1, stride_b = 1;
  for (size_t i = rank; i-- > 0;) {
    const int64_t da = i + a.size() >= rank ? a[i + a.size() - rank] : 1;
    const int64_t db = i + b.size() >= rank ? b[i + b.size() - rank] : 1;
    sa[i] = da == 1 ? 0 : stride_a;
    sb[i] = db == 1 ? 0 : stride_b;
    stride_a *= da;
    stride_b *= db;
  }
  // Collapse from the innermost dim outwards: an outer dim joins the current group when both
  // operands step through it exactly as a continuation of the group.
  std::vector<int64_t> dims, ga, gb;  // innermost first while building
  for (size_t i = rank; i-- > 0;) {
    const int64_t d = loop.out_shape[i];
    if (d == 1) continue;  // size-1 dims never move the index
    if (!dims.empty() && sa[i] == ga.back() * dims.back() && sb[i] == gb.back() * dims.back()) {
      dims.back() *= d;
      continue;
    }
    dims.push_back(d);
    ga.push_back(sa[i]);
    gb.push_back(sb[i]);
  }
  if (dims.empty()) {  // every dim is 1: a single element
    dims.push_back(1);
    ga.push_back(0);
    gb.push_back(0);
  }
  loop.dims.assign(dims.rbegin(), dims.rend());
  loop.a_strides.assign(ga.rbegin(), ga.rend());
  loop.b_strides.assign(gb.rbegin(), gb.rend());
  return loop;
}

}  // namespace mconv::runtime::kernels
