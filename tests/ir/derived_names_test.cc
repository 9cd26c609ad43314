#include "ir/derived_names.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace mconv::ir {
namespace {

Derivation derivation(size_t i) {
  return static_cast<Derivation>(i);
}

TEST(DerivedNames, EveryRegisteredSuffixRoundTrips) {
  ASSERT_EQ(kDerivationCount, 12u);  // the suffixes verify_layers has always matched
  std::set<std::string_view> seen;
  for (size_t i = 0; i < kDerivationCount; ++i) {
    const Derivation d = derivation(i);
    const std::string name = derived_name("features.3.conv", d);
    EXPECT_EQ(name, "features.3.conv" + std::string(derivation_suffix(d)));
    EXPECT_TRUE(is_derived(name, d)) << name;
    EXPECT_EQ(origin_name(name), "features.3.conv") << name;
    EXPECT_TRUE(seen.insert(derivation_suffix(d)).second) << "suffix registered twice";
  }
}

TEST(DerivedNames, ChainsOfDerivationsStripInAnyOrder) {
  // A weight re-stored for NHWC, then narrowed to f16 and widened back (rewrite_layout then
  // rewrite_for_fp16): every step is undone.
  const std::string w =
      derived_name(derived_name(derived_name("conv.weight", Derivation::kNhwc), Derivation::kFp16),
                   Derivation::kDequantized);
  EXPECT_EQ(w, "conv.weight_nhwc_fp16_dequantized");
  EXPECT_EQ(origin_name(w), "conv.weight");
  for (size_t i = 0; i < kDerivationCount; ++i)
    for (size_t j = 0; j < kDerivationCount; ++j)
      EXPECT_EQ(origin_name(derived_name(derived_name("x", derivation(i)), derivation(j))), "x");
}

TEST(DerivedNames, OnlyRegisteredSuffixesAreStripped) {
  EXPECT_EQ(origin_name("conv_relu"), "conv_relu");
  EXPECT_EQ(origin_name("input_nhwcx"), "input_nhwcx");          // a suffix must end the name
  EXPECT_EQ(origin_name("x_nhwc_bnfolded"), "x_nhwc_bnfolded");  // an unregistered tail stops it
  EXPECT_FALSE(is_derived("conv_relu", Derivation::kCast));
  EXPECT_FALSE(is_derived("_gate", Derivation::kGate));  // nothing left of a base
  EXPECT_EQ(origin_name("_nhwc"), "_nhwc");
  EXPECT_EQ(origin_name(""), "");
}

TEST(DerivedNames, ANameThatOnlyLooksDerivedIsStrippedToo) {
  // Documented limit: a source tensor named "block_cast" (never derived) loses its suffix as well.
  // Verification stays right because it applies origin_name to both files' names alike: the
  // source's "block_cast" and the variant's re-stored "block_cast_nhwc" meet at "block".
  EXPECT_EQ(origin_name("block_cast"), "block");
  EXPECT_EQ(origin_name(derived_name("block_cast", Derivation::kNhwc)), origin_name("block_cast"));
}

}  // namespace
}  // namespace mconv::ir
