// Hostile and malformed checkpoints, built byte by byte: pickles naming other globals, calls and
// BUILDs on anything but the allowed callables, storages out of range or missing, truncated files,
// absurd sizes and deep nesting all give a one-line error; nothing is executed.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "checkpoint_builder.h"
#include "core/file_io.h"
#include "support/test_support.h"
#include "torch/checkpoint.h"
#include "torch/torch_importer.h"

namespace mconv::torch {
namespace {

using test::PickleWriter;

Expected<Checkpoint> read(const std::string& file) {
  return read_checkpoint(test::as_bytes(file), ImportLimits{});
}

// Reads `pickle` as a checkpoint's data.pkl (one storage "0" of 4 floats) and returns the error.
std::string error_of_pickle(const std::string& pickle) {
  auto cp = read(test::torch_zip(pickle, {{"0", test::f32_bytes({1, 2, 3, 4})}}));
  EXPECT_FALSE(cp.ok()) << "accepted a hostile pickle";
  if (cp.ok()) return "";
  const std::string m = cp.status().message();
  EXPECT_EQ(m.find('\n'), std::string::npos) << m;
  return m;
}

// A state dict {"w": tensor} around the given tensor-building bytes.
std::string state_dict_with(const std::string& value_pickle) {
  PickleWriter p;
  p.empty_dict().mark().str("w").raw(value_pickle.substr(2)).setitems().stop();
  return p.bytes();
}

TEST(HostileCheckpoint, OsSystemIsRefusedByNameAndNeverRun) {
  const std::string marker = mconv::test::make_temp_dir("torch_hostile") + "/pwned";
  PickleWriter p;
  p.global("os", "system").mark().str("touch " + marker).tuple().reduce().stop();
  const std::string m = error_of_pickle(p.bytes());
  EXPECT_NE(m.find("'os.system'"), std::string::npos) << m;
  EXPECT_FALSE(std::filesystem::exists(marker));
  // The posix spelling pickle uses on Linux.
  PickleWriter q;
  q.global("posix", "system").mark().str("touch " + marker).tuple().reduce().stop();
  EXPECT_NE(error_of_pickle(q.bytes()).find("'posix.system'"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(marker));
}

TEST(HostileCheckpoint, BuiltinsEvalThroughStackGlobalIsRefused) {
  PickleWriter p;
  p.proto(4).str("builtins").str("eval").raw("\x93").mark().str("1+1").tuple().reduce().stop();
  EXPECT_NE(error_of_pickle(p.bytes()).find("'builtins.eval'"), std::string::npos);
}

TEST(HostileCheckpoint, SubprocessPopenIsRefused) {
  PickleWriter p;
  p.global("subprocess", "Popen").mark().str("id").tuple().reduce().stop();
  EXPECT_NE(error_of_pickle(p.bytes()).find("'subprocess.Popen'"), std::string::npos);
}

TEST(HostileCheckpoint, ReduceOnAnythingButTheAllowedCallablesIsRefused) {
  PickleWriter storage_call;  // an allowed global that is not callable
  storage_call.global("torch", "FloatStorage").mark().integer(4).tuple().reduce().stop();
  EXPECT_NE(error_of_pickle(storage_call.bytes()).find("refuses to call"), std::string::npos);
  PickleWriter dict_call;
  dict_call.empty_dict().empty_tuple().reduce().stop();
  EXPECT_NE(error_of_pickle(dict_call.bytes()).find("refuses to call"), std::string::npos);
}

TEST(HostileCheckpoint, BuildOnATensorOrListIsRefused) {
  PickleWriter t;
  t.tensor("0", 4, 0, {4}, {1}).empty_dict().raw("b").stop();
  EXPECT_NE(error_of_pickle(t.bytes()).find("BUILD on a tensor"), std::string::npos);
  PickleWriter l;
  l.empty_list().empty_dict().raw("b").stop();
  EXPECT_NE(error_of_pickle(l.bytes()).find("BUILD on a list"), std::string::npos);
}

TEST(HostileCheckpoint, PickledModuleAsksForTheStateDict) {
  // torch.save(model): the model's class, instantiated with NEWOBJ, then its __dict__ by BUILD.
  for (const auto& [module, name] : std::vector<std::pair<std::string, std::string>>{
           {"torchvision.models.resnet", "ResNet"}, {"__main__", "Net"}}) {
    PickleWriter p;
    p.global(module, name).raw("q\x01").empty_tuple().raw("\x81").empty_dict().raw("b").stop();
    const std::string m = error_of_pickle(p.bytes());
    EXPECT_NE(m.find("model.state_dict()"), std::string::npos) << m;
    EXPECT_NE(m.find(module + "." + name), std::string::npos) << m;
  }
}

TEST(HostileCheckpoint, StorageOutOfRangeIsAnError) {
  PickleWriter big;  // 10 elements from a 4-element storage
  big.tensor("0", 4, 0, {10}, {1});
  EXPECT_NE(error_of_pickle(state_dict_with(big.bytes())).find("more than its storage"),
            std::string::npos);
  PickleWriter broadcast;  // stride 0: 1000 elements out of one (a small file asking for GBs)
  broadcast.tensor("0", 4, 0, {1000}, {0});
  EXPECT_NE(error_of_pickle(state_dict_with(broadcast.bytes())).find("overlapping"),
            std::string::npos);
  PickleWriter offset;  // in range in size, but shifted past the end
  offset.tensor("0", 4, 3, {2}, {1});
  EXPECT_NE(error_of_pickle(state_dict_with(offset.bytes())).find("out of range"),
            std::string::npos);
  PickleWriter stride;  // strides that jump past the end
  stride.tensor("0", 4, 0, {2, 2}, {100, 1});
  EXPECT_NE(error_of_pickle(state_dict_with(stride.bytes())).find("out of range"),
            std::string::npos);
  PickleWriter negative;
  negative.tensor("0", 4, 0, {2}, {-1});
  EXPECT_NE(error_of_pickle(state_dict_with(negative.bytes())).find("negative"), std::string::npos);
}

TEST(HostileCheckpoint, MissingZipEntryIsNamed) {
  PickleWriter t;
  t.tensor("7", 4, 0, {4}, {1});
  auto cp =
      read(test::torch_zip(state_dict_with(t.bytes()), {{"0", test::f32_bytes({1, 2, 3, 4})}}));
  ASSERT_FALSE(cp.ok());
  EXPECT_NE(cp.status().message().find("'archive/data/7' is missing"), std::string::npos)
      << cp.status().message();
  auto no_pickle = read(test::write_zip({{"archive/other", "x"}}));
  ASSERT_FALSE(no_pickle.ok());
  EXPECT_NE(no_pickle.status().message().find("data.pkl"), std::string::npos);
}

TEST(HostileCheckpoint, CompressedOrEncryptedEntriesAreRefused) {
  auto compressed = read(test::write_zip({{"archive/data.pkl", "x", 8, 0}}));
  ASSERT_FALSE(compressed.ok());
  EXPECT_NE(compressed.status().message().find("compressed"), std::string::npos);
  auto encrypted = read(test::write_zip({{"archive/data.pkl", "x", 0, 1}}));
  ASSERT_FALSE(encrypted.ok());
  EXPECT_NE(encrypted.status().message().find("encrypted"), std::string::npos);
}

TEST(HostileCheckpoint, CorruptStorageFailsItsCrc) {
  PickleWriter t;
  t.tensor("0", 4, 0, {4}, {1});
  std::string zip =
      test::torch_zip(state_dict_with(t.bytes()), {{"0", test::f32_bytes({1, 2, 3, 4})}});
  const size_t at = zip.find(test::f32_bytes({1, 2, 3, 4}));
  ASSERT_NE(at, std::string::npos);
  zip[at] ^= 0x55;
  auto cp = read(zip);
  ASSERT_FALSE(cp.ok());
  EXPECT_NE(cp.status().message().find("CRC"), std::string::npos) << cp.status().message();
}

TEST(HostileCheckpoint, TruncatedFilesAreErrors) {
  for (const char* name : {"mobilenet_v3_small.pth", "mobilenet_v2_legacy.pth"}) {
    const std::string path = mconv::test::shared_models_dir() + "/pth/" + name;
    MCONV_REQUIRE_SHARED_FILE(path);
    auto bytes = read_file_bytes(path);
    ASSERT_TRUE(bytes.ok());
    for (double keep : {0.999, 0.5, 0.01}) {
      std::vector<uint8_t> cut(bytes->begin(),
                               bytes->begin() + static_cast<std::ptrdiff_t>(bytes->size() * keep));
      auto cp = read_checkpoint(cut, ImportLimits{});
      ASSERT_FALSE(cp.ok()) << name << " cut to " << keep;
      EXPECT_EQ(cp.status().message().find('\n'), std::string::npos);
    }
  }
  PickleWriter no_stop;  // a pickle that ends before STOP
  no_stop.empty_dict().mark().str("w");
  EXPECT_NE(error_of_pickle(no_stop.bytes()).find("truncated"), std::string::npos);
}

TEST(HostileCheckpoint, AbsurdSizesHitTheLimits) {
  PickleWriter huge;  // 2^31 x 2^31 elements claimed
  huge.tensor("0", 4, 0, {0x7fffffff, 0x7fffffff}, {0, 0});
  EXPECT_NE(error_of_pickle(state_dict_with(huge.bytes())).find("MCONV_MAX_TENSOR_ELEMENTS"),
            std::string::npos);
  PickleWriter long_string;  // a 2 GiB string in a 60-byte file
  long_string.raw("X").u32(0x7fffffff).raw("abc").stop();
  const std::string m = error_of_pickle(long_string.bytes());
  EXPECT_TRUE(m.find("over the limit") != std::string::npos ||
              m.find("truncated") != std::string::npos)
      << m;
}

TEST(HostileCheckpoint, DeepNestingIsCapped) {
  PickleWriter lists;  // [[[[...]]]] 1000 deep
  for (int i = 0; i < 1000; ++i) lists.empty_list();
  for (int i = 0; i < 999; ++i) lists.raw("a");
  lists.stop();
  EXPECT_NE(error_of_pickle(lists.bytes()).find("nested deeper"), std::string::npos);
  PickleWriter marks;
  for (int i = 0; i < 1000; ++i) marks.mark();
  marks.stop();
  EXPECT_NE(error_of_pickle(marks.bytes()).find("nested deeper"), std::string::npos);
  PickleWriter cycle;  // a list appended to itself: fine to hold, never walked
  cycle.empty_list().raw("q\x01").raw("h\x01").raw("a").stop();
  EXPECT_NE(error_of_pickle(cycle.bytes()).find("not a state dict"), std::string::npos);
}

// Fuzzer finding: a STACK_GLOBAL name with a line break went verbatim into the error.
TEST(HostileCheckpoint, ControlCharactersStayOutOfErrors) {
  PickleWriter global;
  global.proto(4).str("os\nx").str("sys\rtem").raw("\x93").stop();
  EXPECT_NE(error_of_pickle(global.bytes()).find("'os_x.sys_tem'"), std::string::npos);
  PickleWriter key;  // a tensor named with a line break, out of range
  key.empty_dict().mark().str("bad\nkey");
  PickleWriter t;
  t.tensor("0", 4, 0, {10}, {1});
  key.raw(t.bytes().substr(2)).setitems().stop();
  EXPECT_NE(error_of_pickle(key.bytes()).find("'bad_key'"), std::string::npos);
  PickleWriter int_line;  // fuzz finding: an INT line quoting a carriage return
  int_line.raw("I1\r2\n").stop();
  const std::string bad_int = error_of_pickle(int_line.bytes());
  EXPECT_NE(bad_int.find("bad INT '1_2'"), std::string::npos) << bad_int;
  EXPECT_EQ(bad_int.find_first_of("\r\n"), std::string::npos) << bad_int;
}

TEST(HostileCheckpoint, UnsetMemoAndUnknownOpcodesAreErrors) {
  PickleWriter memo;
  memo.raw("h\x05").stop();
  EXPECT_NE(error_of_pickle(memo.bytes()).find("never set"), std::string::npos);
  PickleWriter inst;  // INST: protocol 0's call of a class
  inst.raw("iposix\nsystem\n").stop();
  EXPECT_NE(error_of_pickle(inst.bytes()).find("not allowed"), std::string::npos);
}

TEST(Checkpoint, StridesAndOffsetsAreHonoured) {
  // One storage of 10 floats: "a" = elements 2..5 as [2,2]; "b" = the transpose of elements
  // 6..9 ([[6,7],[8,9]] viewed with strides (1,2)).
  PickleWriter a, b;
  a.tensor("0", 10, 2, {2, 2}, {2, 1});
  b.tensor("0", 10, 6, {2, 2}, {1, 2});
  PickleWriter p;
  p.empty_dict().mark().str("a").raw(a.bytes().substr(2)).str("b").raw(b.bytes().substr(2));
  p.setitems().stop();
  auto cp =
      read(test::torch_zip(p.bytes(), {{"0", test::f32_bytes({0, 1, 2, 3, 4, 5, 6, 7, 8, 9})}}));
  ASSERT_TRUE(cp.ok()) << cp.status().message();
  ASSERT_EQ(cp->tensors.size(), 2u);
  EXPECT_EQ(cp->find("a")->value.to_f32(), (std::vector<float>{2, 3, 4, 5}));
  EXPECT_EQ(cp->find("b")->value.to_f32(), (std::vector<float>{6, 8, 7, 9}));
  EXPECT_EQ(cp->form, "state dict");
}

TEST(Checkpoint, Zip64RecordsAndExtrasAreRead) {
  PickleWriter t;
  t.tensor("0", 4, 0, {4}, {1});
  const std::string zip =
      test::torch_zip(state_dict_with(t.bytes()), {{"0", test::f32_bytes({1, 2, 3, 4})}}, true);
  auto cp = read(zip);
  ASSERT_TRUE(cp.ok()) << cp.status().message();
  EXPECT_EQ(cp->find("w")->value.to_f32(), (std::vector<float>{1, 2, 3, 4}));
  // Without its locator the ZIP64 end record cannot be found: an error, not a guess.
  std::string broken = zip;
  broken[broken.size() - 22 - 20] ^= 0x7f;
  auto bad = read(broken);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("ZIP64"), std::string::npos) << bad.status().message();
}

TEST(Checkpoint, HalfAndBfloat16AreWidenedAndModulePrefixStripped) {
  PickleWriter h, bf;
  h.tensor("0", 2, 0, {2}, {1}, "HalfStorage");
  bf.tensor("1", 2, 0, {2}, {1}, "BFloat16Storage");
  PickleWriter p;
  p.empty_dict().mark().str("model").empty_dict().mark();
  p.str("module.h").raw(h.bytes().substr(2)).str("module.bf").raw(bf.bytes().substr(2));
  p.setitems().str("epoch").integer(3).setitems().stop();
  const std::string half = std::string("\x00\x3c\x00\xc0", 4);    // 1.0, -2.0
  const std::string bfloat = std::string("\x80\x3f\x40\x40", 4);  // 1.0, 3.0
  auto cp = read(test::torch_zip(p.bytes(), {{"0", half}, {"1", bfloat}}));
  ASSERT_TRUE(cp.ok()) << cp.status().message();
  EXPECT_TRUE(cp->module_prefix);
  EXPECT_EQ(cp->find("h")->value.to_f32(), (std::vector<float>{1, -2}));
  EXPECT_EQ(cp->find("bf")->value.to_f32(), (std::vector<float>{1, 3}));
  EXPECT_EQ(cp->float_types(), "float16+bfloat16");
  EXPECT_NE(cp->form.find("'model' beside epoch"), std::string::npos) << cp->form;
}

TEST(HostileCheckpoint, CliRefusesWritesNothingAndExitsNonZero) {
  const std::string dir = mconv::test::make_temp_dir("torch_cli_hostile");
  PickleWriter p;
  p.global("os", "system").mark().str("touch " + dir + "/pwned").tuple().reduce().stop();
  const std::string model = dir + "/evil.pth";
  std::ofstream(model, std::ios::binary) << test::torch_zip(p.bytes(), {});
  const std::string out = dir + "/out";
  auto r = mconv::test::run_command(mconv::test::mconv_binary() + " convert " + model + " -o " +
                                    out + " 2>&1");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("'os.system'"), std::string::npos) << r.output;
  EXPECT_FALSE(std::filesystem::exists(dir + "/pwned"));
  EXPECT_TRUE(!std::filesystem::exists(out) || std::filesystem::is_empty(out));
  auto one = mconv::test::run_command(mconv::test::mconv_binary() + " convert " + model + " -o " +
                                      dir + "/x.onnx 2>&1");
  EXPECT_NE(one.exit_code, 0);
  EXPECT_FALSE(std::filesystem::exists(dir + "/x.onnx"));
}

TEST(StateDict, MissingUnexpectedAndMisshapedKeysAreNamed) {
  const std::string path = mconv::test::shared_models_dir() + "/pth/mobilenet_v3_small.pth";
  MCONV_REQUIRE_SHARED_FILE(path);
  auto wrong_arch = import_torch_file(path, {.arch = "resnet18"});
  ASSERT_FALSE(wrong_arch.ok());
  EXPECT_NE(wrong_arch.status().message().find("missing keys 'conv1.weight'"), std::string::npos)
      << wrong_arch.status().message();
  EXPECT_NE(wrong_arch.status().message().find("unexpected keys 'features.0.0.weight'"),
            std::string::npos)
      << wrong_arch.status().message();
  auto large = import_torch_file(path, {.arch = "mobilenet_v3_large"});
  ASSERT_FALSE(large.ok());
  EXPECT_EQ(large.status().message().find('\n'), std::string::npos);
  auto unknown = import_torch_file(path, {.arch = "vgg16"});
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("unknown architecture"), std::string::npos);
}

}  // namespace
}  // namespace mconv::torch
