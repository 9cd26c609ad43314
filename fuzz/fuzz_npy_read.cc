// libFuzzer target: arbitrary bytes -> .npy parser. A parsed array must survive a round trip
// (serialize, parse again: same dtype, shape and bytes) and numeric conversion.
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "core/npy.h"
#include "fuzz_checks.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::vector<uint8_t> bytes(data, data + size);
  auto tensor = mconv::parse_npy(bytes);
  if (!tensor.ok()) {
    mconv::fuzz::check_one_line(tensor.status());
    return 0;
  }
  auto again = mconv::parse_npy(mconv::serialize_npy(*tensor));
  if (!again.ok()) mconv::fuzz::fail("re-parse of a serialized array failed", again.status());
  if (again->dtype() != tensor->dtype() || again->shape() != tensor->shape() ||
      again->bytes() != tensor->bytes())
    mconv::fuzz::fail("npy round trip changed the array", mconv::Status::Ok());
  // Touches every element through the dtype switch.
  volatile size_t n = tensor->to_f32().size();
  (void)n;
  return 0;
}
