// Checks that mconv's own TFLite schema (src/tflite/schema/mconv_tflite.fbs) is wire-compatible
// with the official one: both are compiled to binary schemas by flatc at build time and compared
// through flatbuffers reflection. Every table, enum and union mconv declares must exist in the
// official schema with the same field ids, field types, defaults, enum values and union
// discriminants, and the file identifier must be "TFL3".
#include <flatbuffers/reflection.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/file_io.h"
#include "support/test_support.h"
#include "tflite/schema/mconv_tflite_generated.h"

namespace {

std::vector<uint8_t> read_bfbs(const std::string& path) {
  auto bytes = mconv::read_file_bytes(path, 64 << 20);
  EXPECT_TRUE(bytes.ok()) << bytes.status().message();
  return bytes.ok() ? *bytes : std::vector<uint8_t>{};
}

const reflection::Schema* parse(const std::vector<uint8_t>& bytes) {
  flatbuffers::Verifier verifier(bytes.data(), bytes.size());
  if (!reflection::VerifySchemaBuffer(verifier)) return nullptr;
  return reflection::GetSchema(bytes.data());
}

std::string generated_dir() {
  return mconv::test::binary_dir() + "/generated/tflite";
}

class SchemaCompat : public ::testing::Test {
 protected:
  void SetUp() override {
    MCONV_REQUIRE_SHARED_FILE(mconv::test::shared_dir() + "/reference/tflite/schema.fbs");
    mine_bytes_ = read_bfbs(generated_dir() + "/schema/mconv_tflite.bfbs");
    official_bytes_ = read_bfbs(generated_dir() + "/official/official_schema.bfbs");
    mine_ = parse(mine_bytes_);
    official_ = parse(official_bytes_);
    ASSERT_NE(mine_, nullptr) << "mconv_tflite.bfbs missing or invalid";
    ASSERT_NE(official_, nullptr) << "official_schema.bfbs missing or invalid";
  }
  std::vector<uint8_t> mine_bytes_, official_bytes_;
  const reflection::Schema* mine_ = nullptr;
  const reflection::Schema* official_ = nullptr;
};

TEST_F(SchemaCompat, FileIdentifierAndRootMatch) {
  ASSERT_NE(mine_->file_ident(), nullptr);
  EXPECT_EQ(mine_->file_ident()->str(), "TFL3");
  EXPECT_EQ(mine_->file_ident()->str(), official_->file_ident()->str());
  ASSERT_NE(mine_->root_table(), nullptr);
  EXPECT_EQ(mine_->root_table()->name()->str(), "tflite.Model");
  // The generated identifier is what the exporter stamps into every file.
  EXPECT_STREQ(tflite::ModelIdentifier(), "TFL3");
}

TEST_F(SchemaCompat, EveryTableFieldHasTheOfficialIdTypeAndDefault) {
  int fields_checked = 0;
  for (const reflection::Object* table : *mine_->objects()) {
    const reflection::Object* theirs = official_->objects()->LookupByKey(table->name()->c_str());
    ASSERT_NE(theirs, nullptr) << "table " << table->name()->str() << " not in the official schema";
    EXPECT_EQ(table->is_struct(), theirs->is_struct()) << table->name()->str();
    for (const reflection::Field* field : *table->fields()) {
      const std::string where = table->name()->str() + "." + field->name()->str();
      const reflection::Field* other = theirs->fields()->LookupByKey(field->name()->c_str());
      ASSERT_NE(other, nullptr) << where << " not in the official schema";
      EXPECT_EQ(field->id(), other->id()) << where;
      EXPECT_EQ(field->offset(), other->offset()) << where;
      EXPECT_EQ(field->type()->base_type(), other->type()->base_type()) << where;
      EXPECT_EQ(field->type()->element(), other->type()->element()) << where;
      EXPECT_EQ(field->default_integer(), other->default_integer()) << where;
      EXPECT_EQ(field->default_real(), other->default_real()) << where;
      // Referenced tables/enums must be the same-named ones.
      if (field->type()->index() >= 0) {
        // Obj (or vector of Obj) indexes objects; everything else (enum, union, vector of enum)
        // indexes enums.
        const bool is_object = field->type()->base_type() == reflection::Obj ||
                               (field->type()->base_type() == reflection::Vector &&
                                field->type()->element() == reflection::Obj);
        const auto* my_ref = is_object ? mine_->objects()->Get(field->type()->index())->name()
                                       : mine_->enums()->Get(field->type()->index())->name();
        const auto* their_ref = is_object
                                    ? official_->objects()->Get(other->type()->index())->name()
                                    : official_->enums()->Get(other->type()->index())->name();
        EXPECT_EQ(my_ref->str(), their_ref->str()) << where;
      }
      ++fields_checked;
    }
    // Later official fields may be absent only if mconv never declares a field after them.
    EXPECT_LE(table->fields()->size(), theirs->fields()->size()) << table->name()->str();
  }
  EXPECT_GT(fields_checked, 150);
}

TEST_F(SchemaCompat, EveryEnumValueAndUnionDiscriminantMatches) {
  int values_checked = 0;
  for (const reflection::Enum* e : *mine_->enums()) {
    const reflection::Enum* theirs = official_->enums()->LookupByKey(e->name()->c_str());
    ASSERT_NE(theirs, nullptr) << "enum " << e->name()->str() << " not in the official schema";
    EXPECT_EQ(e->is_union(), theirs->is_union()) << e->name()->str();
    EXPECT_EQ(e->underlying_type()->base_type(), theirs->underlying_type()->base_type())
        << e->name()->str();
    for (const reflection::EnumVal* v : *e->values()) {
      const reflection::EnumVal* match = nullptr;
      for (const reflection::EnumVal* w : *theirs->values()) {
        if (w->name()->str() == v->name()->str()) match = w;
      }
      ASSERT_NE(match, nullptr) << e->name()->str() << "::" << v->name()->str();
      EXPECT_EQ(v->value(), match->value()) << e->name()->str() << "::" << v->name()->str();
      ++values_checked;
    }
  }
  // BuiltinOperator alone has 210 values; the full list is part of mconv's schema.
  const reflection::Enum* ops = mine_->enums()->LookupByKey("tflite.BuiltinOperator");
  ASSERT_NE(ops, nullptr);
  EXPECT_EQ(ops->values()->size(),
            official_->enums()->LookupByKey("tflite.BuiltinOperator")->values()->size());
  EXPECT_GT(values_checked, 300);
}

// A few facts spelled out against the generated C++ (what the exporter actually compiles with).
TEST(SchemaGeneratedCpp, KeyValuesMatchTheTfliteSpec) {
  static_assert(tflite::BuiltinOperator_CONV_2D == 3);
  static_assert(tflite::BuiltinOperator_DEPTHWISE_CONV_2D == 4);
  static_assert(tflite::BuiltinOperator_HARD_SWISH == 117);
  static_assert(tflite::BuiltinOperator_PLACEHOLDER_FOR_GREATER_OP_CODES == 127);
  static_assert(tflite::BuiltinOperator_RELU_0_TO_1 == 152);
  static_assert(tflite::BuiltinOptions_Conv2DOptions == 1);
  static_assert(tflite::BuiltinOptions_ReducerOptions == 27);
  static_assert(tflite::BuiltinOptions_HardSwishOptions == 91);
  static_assert(tflite::TensorType_INT8 == 9);
  static_assert(tflite::Padding_VALID == 1);
  static_assert(tflite::ActivationFunctionType_RELU6 == 3);
  // vtable offsets: 4 + 2 * field id.
  static_assert(tflite::Operator::VT_BUILTIN_OPTIONS_TYPE == 10);
  static_assert(tflite::Operator::VT_BUILTIN_OPTIONS_2 == 28);
  static_assert(tflite::Model::VT_SIGNATURE_DEFS == 18);
  static_assert(tflite::Tensor::VT_HAS_RANK == 20);
  static_assert(tflite::OperatorCode::VT_BUILTIN_CODE == 10);
  SUCCEED();
}

}  // namespace
