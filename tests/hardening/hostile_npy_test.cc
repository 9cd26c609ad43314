// Hostile .npy arrays (what `mconv run -i` reads): bad headers, absurd or overflowing shapes, data
// shorter than the shape, and header text with line breaks all give one-line errors.
#include "core/npy.h"
#include "hardening_util.h"
#include "onnx/onnx_test_util.h"

namespace mconv::hardening {
namespace {

// A version-1.0 .npy file with the given header dict text (padded like numpy) and data bytes.
std::vector<uint8_t> npy_file(const std::string& dict, size_t data_bytes) {
  std::string header = dict;
  while ((10 + header.size() + 1) % 64) header += ' ';
  header += '\n';
  std::vector<uint8_t> out = {0x93,
                              'N',
                              'U',
                              'M',
                              'P',
                              'Y',
                              1,
                              0,
                              static_cast<uint8_t>(header.size() & 0xFF),
                              static_cast<uint8_t>(header.size() >> 8)};
  out.insert(out.end(), header.begin(), header.end());
  out.resize(out.size() + data_bytes, 0);
  return out;
}

std::string parse_error(const std::vector<uint8_t>& bytes) {
  auto t = parse_npy(bytes);
  EXPECT_FALSE(t.ok());
  if (t.ok()) return "";
  const std::string message = t.status().message();
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  return message;
}

TEST(HostileNpy, ShapesThatDoNotFitTheData) {
  // 10^15 x 10^15 elements overflow int64; 2^61 f8-sized elements would wrap the byte count.
  EXPECT_NE(parse_error(npy_file("{'descr': '<f4', 'fortran_order': False, 'shape': "
                                 "(999999999999999, 999999999999999), }",
                                 16))
                .find("shorter than its shape"),
            std::string::npos);
  EXPECT_NE(parse_error(npy_file("{'descr': '<i8', 'fortran_order': False, 'shape': "
                                 "(2305843009213693952,), }",
                                 0))
                .find("malformed .npy shape"),  // 19 digits: over the 15-digit dim cap
            std::string::npos);
  EXPECT_NE(parse_error(npy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }", 15))
                .find("shorter than its shape [4]"),
            std::string::npos);
  EXPECT_NE(parse_error(npy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (-4,), }", 16))
                .find("malformed .npy shape"),
            std::string::npos);
}

// Fuzzer finding (fuzz_npy_read): header text with a line break went verbatim into the error.
TEST(HostileNpy, HeaderTextWithLineBreaksStaysOnOneLine) {
  const std::string message =
      parse_error(npy_file("{'descr': 'F\r\n\x83=', 'fortran_order': False, 'shape': (7,), }", 28));
  EXPECT_NE(message.find("unsupported .npy dtype 'F???='"), std::string::npos) << message;
  const std::string shape =
      parse_error(npy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (7,\nx), }", 28));
  EXPECT_NE(shape.find("malformed .npy shape '7,?x'"), std::string::npos) << shape;
}

TEST(HostileNpy, TruncatedHeaders) {
  std::vector<uint8_t> good =
      npy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", 8);
  ASSERT_TRUE(parse_npy(good).ok());
  for (size_t len = 0; len < good.size(); ++len) {
    auto t = parse_npy(std::vector<uint8_t>(good.begin(), good.begin() + len));
    EXPECT_FALSE(t.ok()) << "prefix of " << len << " bytes parsed";
    if (!t.ok()) EXPECT_EQ(t.status().message().find('\n'), std::string::npos);
  }
}

// Through the CLI: `mconv run` with a hostile input array fails with one line and writes nothing.
TEST(HostileNpy, RunRefusesABadInputArray) {
  const std::string dir = test::make_temp_dir("hostile_npy");
  onnx::test::ModelBuilder b(13);
  b.input("x", {int64_t{1}, int64_t{4}});
  b.node("Relu", {"x"}, {"y"}, "relu");
  b.output("y");
  const std::string model = write_model(dir, "relu.onnx", b.bytes());
  const std::string bad = write_model(
      dir, "bad.npy", npy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 4), }", 3));
  const test::CommandResult r = test::run_command("'" + test::mconv_binary() + "' run '" + model +
                                                  "' -i '" + bad + "' -o '" + dir + "/y.npy'");
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_LT(r.exit_code, 128) << r.output;
  EXPECT_EQ(line_count(r.output), 1) << r.output;
  EXPECT_NE(r.output.find("bad.npy"), std::string::npos) << r.output;
  EXPECT_FALSE(std::filesystem::exists(dir + "/y.npy"));
}

}  // namespace
}  // namespace mconv::hardening
