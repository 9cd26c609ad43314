// PIL-bilinear resize: hand-computed cases, then a deliberately naive second implementation of
// Pillow's Resample.c formula (per pixel, per channel, all rows, no tap tables) as the oracle on
// random images, down- and up-scaling, square and not.
#include <cmath>
#include <random>

#include "data/pil_resize.h"
#include "support/test_support.h"

namespace mconv {
namespace {

// An image whose every channel of pixel (x, y) is value(x, y).
template <typename F>
RgbImage grey_image(int w, int h, F value) {
  RgbImage image(w, h);
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      for (int c = 0; c < 3; ++c) image.at(x, y)[c] = static_cast<uint8_t>(value(x, y));
    }
  }
  return image;
}

TEST(PilResize, FourToTwoUsesTheWidenedTriangle) {
  // 4 -> 2: scale 2, support 2. Output 0 is centred at 1.0 and reads inputs 0..2 with triangle
  // weights 0.75, 0.75, 0.25 (normalised 3/7, 3/7, 1/7); output 1 reads 1..3 with 1/7, 3/7, 3/7.
  auto taps = pil_bilinear_taps(4, 2);
  ASSERT_EQ(taps.size(), 2u);
  const int32_t three_sevenths = static_cast<int32_t>(std::lround(3.0 / 7 * (1 << 22)));
  const int32_t one_seventh = static_cast<int32_t>(std::lround(1.0 / 7 * (1 << 22)));
  EXPECT_EQ(taps[0].first, 0);
  EXPECT_EQ(taps[0].weights, (std::vector<int32_t>{three_sevenths, three_sevenths, one_seventh}));
  EXPECT_EQ(taps[1].first, 1);
  EXPECT_EQ(taps[1].weights, (std::vector<int32_t>{one_seventh, three_sevenths, three_sevenths}));

  // Rows 0, 70, 140, 210: (3*0 + 3*70 + 140) / 7 = 50 and (70 + 3*140 + 3*210) / 7 = 160.
  const int row_values[4] = {0, 70, 140, 210};
  RgbImage horizontal =
      resize_pil_bilinear(grey_image(4, 4, [&](int x, int) { return row_values[x]; }), 2, 2);
  for (int y = 0; y < 2; ++y) {
    EXPECT_EQ(horizontal.at(0, y)[0], 50);
    EXPECT_EQ(horizontal.at(1, y)[1], 160);
  }
  RgbImage vertical =
      resize_pil_bilinear(grey_image(4, 4, [&](int, int y) { return row_values[y]; }), 2, 2);
  for (int x = 0; x < 2; ++x) {
    EXPECT_EQ(vertical.at(x, 0)[2], 50);
    EXPECT_EQ(vertical.at(x, 1)[0], 160);
  }
}

TEST(PilResize, TwoToFourInterpolatesWithoutWidening) {
  // Upscaling keeps support 1: outputs are a, .75a+.25b, .25a+.75b, b.
  RgbImage image = grey_image(2, 1, [](int x, int) { return x == 0 ? 0 : 200; });
  RgbImage out = resize_pil_bilinear(image, 4, 1);
  ASSERT_EQ(out.width, 4);
  ASSERT_EQ(out.height, 1);
  EXPECT_EQ(out.at(0, 0)[0], 0);
  EXPECT_EQ(out.at(1, 0)[0], 50);
  EXPECT_EQ(out.at(2, 0)[0], 150);
  EXPECT_EQ(out.at(3, 0)[0], 200);
}

TEST(PilResize, SameSizeIsACopyAndConstantStaysConstant) {
  RgbImage image = grey_image(7, 5, [](int x, int y) { return x * 30 + y; });
  EXPECT_EQ(resize_pil_bilinear(image, 7, 5).pixels, image.pixels);
  RgbImage flat = grey_image(37, 23, [](int, int) { return 77; });
  RgbImage small = resize_pil_bilinear(flat, 5, 9);
  for (uint8_t v : small.pixels) ASSERT_EQ(v, 77);
}

// ---- naive oracle: Pillow's formula written out directly ----

uint8_t naive_clip(int64_t accumulator) {
  int64_t v = accumulator >> 22;
  return static_cast<uint8_t>(v < 0 ? 0 : v > 255 ? 255 : v);
}

// Fixed-point weight of input sample `i` for output sample `o` (in -> out), or 0 outside.
struct NaiveAxis {
  int in, out;
  double scale() const { return double(in) / out; }
  double filter_scale() const { return scale() < 1.0 ? 1.0 : scale(); }
  int lo(int o) const {
    int v = int((o + 0.5) * scale() - filter_scale() + 0.5);
    return v < 0 ? 0 : v;
  }
  int hi(int o) const {
    int v = int((o + 0.5) * scale() + filter_scale() + 0.5);
    return v > in ? in : v;
  }
  double raw(int o, int i) const {
    // Pillow multiplies by the reciprocal (ss = 1 / filterscale); so does the oracle.
    double t = std::fabs((i - (o + 0.5) * scale() + 0.5) * (1.0 / filter_scale()));
    return t < 1.0 ? 1.0 - t : 0.0;
  }
  int64_t weight(int o, int i) const {
    double total = 0;
    for (int j = lo(o); j < hi(o); ++j) total += raw(o, j);
    double w = raw(o, i) / total;
    return static_cast<int64_t>(w * (1 << 22) + 0.5);
  }
};

RgbImage naive_resize(const RgbImage& in, int ow, int oh) {
  NaiveAxis ax{in.width, ow}, ay{in.height, oh};
  RgbImage tmp = in;
  if (ow != in.width) {  // horizontal pass over every row, rounded to uint8
    tmp = RgbImage(ow, in.height);
    for (int y = 0; y < in.height; ++y) {
      for (int o = 0; o < ow; ++o) {
        for (int c = 0; c < 3; ++c) {
          int64_t acc = 1 << 21;
          for (int i = ax.lo(o); i < ax.hi(o); ++i) acc += in.at(i, y)[c] * ax.weight(o, i);
          tmp.at(o, y)[c] = naive_clip(acc);
        }
      }
    }
  }
  if (oh == in.height) return tmp;
  RgbImage out(ow, oh);
  for (int o = 0; o < oh; ++o) {
    for (int x = 0; x < ow; ++x) {
      for (int c = 0; c < 3; ++c) {
        int64_t acc = 1 << 21;
        for (int i = ay.lo(o); i < ay.hi(o); ++i) acc += tmp.at(x, i)[c] * ay.weight(o, i);
        out.at(x, o)[c] = naive_clip(acc);
      }
    }
  }
  return out;
}

TEST(PilResize, MatchesNaiveFormulaOnRandomImages) {
  std::mt19937 rng(1234);
  struct Case {
    int w, h, ow, oh;
  };
  const Case cases[] = {{4, 4, 2, 2},     {17, 9, 5, 4},  {100, 75, 34, 25}, {64, 48, 64, 20},
                        {31, 40, 13, 40}, {6, 5, 23, 17}, {9, 9, 4, 20},     {500, 375, 341, 256},
                        {3, 200, 1, 7},   {1, 1, 5, 3},   {50, 50, 7, 7}};
  for (const Case& c : cases) {
    RgbImage image(c.w, c.h);
    for (uint8_t& v : image.pixels) v = static_cast<uint8_t>(rng() & 0xff);
    RgbImage ours = resize_pil_bilinear(image, c.ow, c.oh);
    RgbImage expected = naive_resize(image, c.ow, c.oh);
    ASSERT_EQ(ours.width, c.ow);
    ASSERT_EQ(ours.height, c.oh);
    ASSERT_EQ(ours.pixels, expected.pixels) << c.w << "x" << c.h << " -> " << c.ow << "x" << c.oh;
  }
}

}  // namespace
}  // namespace mconv
