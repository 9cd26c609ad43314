#include <gtest/gtest.h>

#include "core/half.h"
#include "core/npy.h"

namespace mconv {
namespace {

TEST(Npy, RoundTrip) {
  Tensor t = Tensor::FromVector<float>(DType::kF32, {2, 3}, {1, 2, 3, 4, 5, 6});
  auto parsed = parse_npy(serialize_npy(t));
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  EXPECT_EQ(parsed->shape(), t.shape());
  EXPECT_EQ(parsed->bytes(), t.bytes());
}

TEST(Npy, RejectsGarbage) {
  std::vector<uint8_t> junk = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
  EXPECT_FALSE(parse_npy(junk).ok());
  Tensor t = Tensor::FromVector<float>(DType::kF32, {4}, {1, 2, 3, 4});
  auto bytes = serialize_npy(t);
  bytes.resize(bytes.size() - 3);
  auto truncated = parse_npy(bytes);
  ASSERT_FALSE(truncated.ok());
  EXPECT_NE(truncated.status().message().find("shorter"), std::string::npos);
}

TEST(Half, RoundTripsRepresentableValues) {
  for (float f : {0.0f, 1.0f, -2.5f, 65504.0f, 6.1035156e-05f, 5.9604645e-08f})
    EXPECT_EQ(half_to_float(float_to_half(f)), f) << f;
  EXPECT_EQ(float_to_half(1e6f), 0x7C00);  // overflow -> +inf
  EXPECT_EQ(bfloat16_to_float(float_to_bfloat16(1.0f)), 1.0f);
}

}  // namespace
}  // namespace mconv
