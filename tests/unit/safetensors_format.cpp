// SafetensorsFile / TensorStore: valid files, dtype conversion, and every
// kind of malformed file, each refused with a LoadError that says why.
#include <bertpp/io/safetensors.hpp>
#include <bertpp/io/tensor_store.hpp>

#include "support/safetensors_writer.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

using bertpp::LoadError;
using bertpp::SafetensorsFile;
using bertpp::TensorStore;
using bertpp_test::safetensors_bytes;
using bertpp_test::SafetensorsBuilder;
using bertpp_test::TempDir;
using bertpp_test::write_file;
using Catch::Matchers::Contains;

namespace {

// Writes `bytes` as a file and returns its path.
std::string write_temp(const TempDir& dir, const std::string& bytes, const std::string& name = "m.safetensors") {
  const std::string path = dir.file(name);
  write_file(path, bytes);
  return path;
}

std::string le16(std::uint16_t value) {
  return std::string{static_cast<char>(value & 0xff), static_cast<char>(value >> 8)};
}

}  // namespace

TEST_CASE("a valid file lists its tensors, metadata and F32 data zero-copy") {
  TempDir dir;
  SafetensorsBuilder builder;
  builder.add("b", {2}, {5.0f, 6.0f}).add("a", {2, 2}, {1.0f, 2.0f, 3.0f, 4.0f});
  // Add __metadata__ by hand: it is not a tensor.
  nlohmann::json header = nlohmann::json::parse(builder.header());
  header["__metadata__"] = {{"format", "pt"}};
  const std::string data = builder.bytes().substr(8 + builder.header().size());
  const std::string path = write_temp(dir, safetensors_bytes(header.dump(), data));

  const SafetensorsFile file(path);
  REQUIRE(file.tensors().size() == 2);
  CHECK(file.metadata().at("format") == "pt");
  const bertpp::TensorInfo* a = file.find("a");
  REQUIRE(a);
  CHECK(a->dtype == bertpp::Dtype::F32);
  CHECK(a->shape == std::vector<std::int64_t>{2, 2});
  CHECK(a->element_count() == 4);
  CHECK(file.find("__metadata__") == nullptr);

  TensorStore store = TensorStore::from_file(path);
  const auto floats = store.floats("a");
  CHECK(floats.data[0] == 1.0f);
  CHECK(floats.data[3] == 4.0f);
  CHECK(store.floats("b").data[1] == 6.0f);
  CHECK(store.read_floats("a") == std::vector<float>{1.0f, 2.0f, 3.0f, 4.0f});
}

TEST_CASE("F16 and BF16 tensors are upcast exactly, unaligned F32 is copied") {
  TempDir dir;
  SafetensorsBuilder builder;
  // F16: 1.0, -2.0, 1/3 rounded (0x3555), smallest subnormal 2^-24, +inf.
  builder.add_raw("half", "F16", {5}, le16(0x3C00) + le16(0xC000) + le16(0x3555) + le16(0x0001) + le16(0x7C00));
  // BF16: 1.0, -3.0, 0x3EAB = 0.333984375.
  builder.add_raw("brain", "BF16", {3}, le16(0x3F80) + le16(0xC040) + le16(0x3EAB));
  // 2 bytes of U8 first would misalign a following F32 tensor.
  builder.add_raw("pad", "U8", {2}, std::string(2, '\x07'));
  builder.add("unaligned", {2}, {0.5f, -8.25f});
  TensorStore store = TensorStore::from_file(write_temp(dir, builder.bytes()));

  // The raw accessor upcasts exactly; binding weights (floats) refuses the infinity.
  const std::vector<float> half = store.read_floats("half");
  CHECK_THROWS_WITH(store.floats("half"), Contains("tensor 'half' holds an infinite value (element 4)"));
  CHECK(half[0] == 1.0f);
  CHECK(half[1] == -2.0f);
  CHECK(half[2] == 0.333251953125f);
  CHECK(half[3] == std::ldexp(1.0f, -24));
  CHECK(std::isinf(half[4]));
  const float* brain = store.floats("brain").data;
  CHECK(brain[0] == 1.0f);
  CHECK(brain[1] == -3.0f);
  CHECK(brain[2] == 0.333984375f);
  const float* unaligned = store.floats("unaligned").data;
  CHECK(reinterpret_cast<std::uintptr_t>(unaligned) % alignof(float) == 0);
  CHECK(unaligned[0] == 0.5f);
  CHECK(unaligned[1] == -8.25f);
  CHECK_THROWS_WITH(store.floats("pad"), Contains("tensor 'pad' has dtype U8; expected a float type"));
}

TEST_CASE("malformed safetensors files are refused with a precise LoadError") {
  TempDir dir;
  const std::string f32_2x2 = R"({"a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}})";
  const std::string sixteen(16, '\0');
  auto refused = [&](const std::string& bytes, const std::string& message) {
    const std::string path = write_temp(dir, bytes);
    INFO("expected message: " << message);
    CHECK_THROWS_AS(SafetensorsFile(path), LoadError);
    CHECK_THROWS_WITH(SafetensorsFile(path), Contains(path) && Contains(message));
  };

  SECTION("empty and truncated files") {
    refused("", "truncated file: 0 bytes");
    refused("abc", "truncated file: 3 bytes");
    refused(safetensors_bytes(f32_2x2, sixteen).substr(0, 40), "header length 57 is larger than the 32 bytes");
  }
  SECTION("header length larger than the file, or absurd") {
    refused(safetensors_bytes(f32_2x2, sixteen, 1000), "header length 1000 is larger than the 73 bytes");
    refused(safetensors_bytes(f32_2x2, sixteen, std::numeric_limits<std::uint64_t>::max()),
            "exceeds the 100000000-byte limit");
  }
  SECTION("invalid JSON header") {
    refused(safetensors_bytes(R"({"a": {"dtype": "F32",)", sixteen), "header: invalid JSON");
    refused(safetensors_bytes("[1, 2]", ""), "JSON header is not an object");
    refused(safetensors_bytes(R"({"a": 5})", ""), "tensor 'a': header entry is not an object");
  }
  SECTION("unknown dtype") {
    refused(safetensors_bytes(R"({"a":{"dtype":"F33","shape":[4],"data_offsets":[0,16]}})", sixteen),
            "tensor 'a': unknown dtype 'F33'");
  }
  SECTION("shape x dtype size differs from the byte span") {
    refused(safetensors_bytes(R"({"a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,12]}})", sixteen),
            "tensor 'a': F32 shape [2, 2] needs 16 bytes but data_offsets span 12");
    refused(safetensors_bytes(R"({"a":{"dtype":"F16","shape":[3],"data_offsets":[0,8]}})", sixteen),
            "F16 shape [3] needs 6 bytes but data_offsets span 8");
  }
  SECTION("shapes that are negative, fractional or overflow") {
    refused(safetensors_bytes(R"({"a":{"dtype":"F32","shape":[-1,4],"data_offsets":[0,16]}})", sixteen),
            "tensor 'a': shape entries must be non-negative integers");
    refused(safetensors_bytes(R"({"a":{"dtype":"F32","shape":[1.5],"data_offsets":[0,16]}})", sixteen),
            "shape entries must be non-negative integers");
    refused(safetensors_bytes(
                R"({"a":{"dtype":"F32","shape":[4611686018427387904,4611686018427387904],"data_offsets":[0,16]}})",
                sixteen),
            "overflows the byte count");
  }
  SECTION("offsets out of range, reversed or malformed") {
    refused(safetensors_bytes(R"({"a":{"dtype":"F32","shape":[16],"data_offsets":[0,64]}})", sixteen),
            "tensor 'a': data_offsets [0, 64] reach past the 16-byte data section");
    refused(safetensors_bytes(R"({"a":{"dtype":"F32","shape":[0],"data_offsets":[8,4]}})", sixteen),
            "data_offsets [8, 4] end before they begin");
    refused(safetensors_bytes(R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0]}})", sixteen),
            "tensor 'a': 'data_offsets' must be two non-negative integers");
    refused(safetensors_bytes(R"({"a":{"dtype":"F32","shape":[4]}})", sixteen),
            "'data_offsets' must be two non-negative integers");
  }
  SECTION("overlapping tensors") {
    refused(safetensors_bytes(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                              R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
                              sixteen),
            "tensors 'a' and 'b' overlap (bytes [0, 8) and [4, 12))");
  }
}

TEST_CASE("a missing file is a LoadError naming it") {
  CHECK_THROWS_AS(SafetensorsFile("/nonexistent/bertpp/model.safetensors"), LoadError);
  CHECK_THROWS_WITH(SafetensorsFile("/nonexistent/bertpp/model.safetensors"),
                    Contains("/nonexistent/bertpp/model.safetensors: cannot open file"));
}

TEST_CASE("sharded checkpoints are read through model.safetensors.index.json") {
  TempDir dir;
  SafetensorsBuilder first, second;
  first.add("x.weight", {2}, {1.0f, 2.0f});
  second.add("y.weight", {1}, {3.0f});
  first.write(dir.file("model-00001-of-00002.safetensors"));
  second.write(dir.file("model-00002-of-00002.safetensors"));
  const std::string index = dir.file("model.safetensors.index.json");

  SECTION("every tensor is found in its shard") {
    write_file(index, R"({"metadata":{"total_size":12},"weight_map":{)"
                      R"("x.weight":"model-00001-of-00002.safetensors",)"
                      R"("y.weight":"model-00002-of-00002.safetensors"}})");
    TensorStore store = TensorStore::from_index(index);
    CHECK(store.names().size() == 2);
    CHECK(store.floats("x.weight").data[1] == 2.0f);
    CHECK(store.floats("y.weight").data[0] == 3.0f);
    CHECK(store.file_of("y.weight") == dir.file("model-00002-of-00002.safetensors"));
  }
  SECTION("a tensor mapped to a shard that lacks it") {
    write_file(index, R"({"weight_map":{"y.weight":"model-00001-of-00002.safetensors"}})");
    CHECK_THROWS_WITH(TensorStore::from_index(index),
                      Contains("tensor 'y.weight' is mapped to model-00001-of-00002.safetensors but that "
                               "file does not hold it"));
  }
  SECTION("a missing shard, a shard outside the folder, no weight_map") {
    write_file(index, R"({"weight_map":{"x.weight":"nope.safetensors"}})");
    CHECK_THROWS_WITH(TensorStore::from_index(index), Contains("nope.safetensors: cannot open file"));
    write_file(index, R"({"weight_map":{"x.weight":"../x.safetensors"}})");
    CHECK_THROWS_WITH(TensorStore::from_index(index), Contains("leaves the model folder"));
    write_file(index, R"({"metadata":{}})");
    CHECK_THROWS_AS(TensorStore::from_index(index), LoadError);
    CHECK_THROWS_WITH(TensorStore::from_index(index), Contains("missing or empty 'weight_map'"));
  }
  SECTION("the same tensor in two shards") {
    SafetensorsBuilder duplicate;
    duplicate.add("x.weight", {2}, {9.0f, 9.0f});
    duplicate.write(dir.file("model-00002-of-00002.safetensors"));
    write_file(index, R"({"weight_map":{"x.weight":"model-00001-of-00002.safetensors",)"
                      R"("z":"model-00002-of-00002.safetensors"}})");
    CHECK_THROWS_WITH(TensorStore::from_index(index), Contains("tensor 'x.weight' is also in"));
  }
}

TEST_CASE("SafetensorsWriter writes what the reader loads back") {
  TempDir dir;
  bertpp::SafetensorsWriter writer;
  float next = 0.0f;
  writer.add("odd", {3}, {1.5f, -2.0f, 3.25f})
      .add("generated", {2, 3}, [&](float* values, std::size_t count) {
        for (std::size_t i = 0; i < count; ++i) values[i] = next++;
      })
      .add_raw("half", "F16", {1}, le16(0x3C00))
      .metadata("format", "pt");
  CHECK(writer.has("odd"));
  CHECK_FALSE(writer.has("__metadata__"));
  CHECK(writer.header().size() % 8 == 0);
  const std::string path = dir.file("w.safetensors");
  writer.write(path);
  const std::string bytes = writer.bytes();
  CHECK(bytes.size() == 8 + writer.header().size() + 12 + 24 + 2);

  const SafetensorsFile file(path);
  CHECK(file.metadata().at("format") == "pt");
  TensorStore store = TensorStore::from_file(path);
  CHECK(store.read_floats("odd") == std::vector<float>{1.5f, -2.0f, 3.25f});
  CHECK(store.read_floats("generated") == std::vector<float>{0, 1, 2, 3, 4, 5});
  CHECK(store.read_floats("half") == std::vector<float>{1.0f});
  // The data section starts 8-byte aligned (so page-aligned mappings give
  // aligned F32 tensors: zero-copy loading).
  CHECK((8 + writer.header().size()) % 8 == 0);

  CHECK_THROWS_WITH(writer.add("odd", {1}, {0.0f}), Contains("'odd' is already used"));
  CHECK_THROWS_WITH(writer.add_raw("x", "F17", {1}, "abcd"), Contains("unknown dtype 'F17'"));
  CHECK_THROWS_WITH(writer.add_raw("x", "F32", {2}, "abcd"), Contains("4 bytes for a shape that needs 8"));
  CHECK_THROWS_WITH(writer.add("x", {-1}, std::vector<float>{}), Contains("negative dimension"));
}

TEST_CASE("dropping a mapped tensor's pages keeps its values readable from the file") {
  TempDir dir;
  std::vector<float> values(16384);  // 64 KB: whole pages inside the tensor
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = static_cast<float>(i) * 0.5f;
  bertpp::SafetensorsWriter writer;
  writer.add("big", {16384}, values);
  const std::string path = dir.file("big.safetensors");
  writer.write(path);

  const SafetensorsFile file(path);
  const bertpp::TensorInfo* info = file.find("big");
  REQUIRE(info);
  const auto* data = reinterpret_cast<const float*>(file.bytes(*info));
  const std::size_t bytes = values.size() * sizeof(float);
  REQUIRE(std::equal(values.begin(), values.end(), data));
  CHECK(file.drop_pages(data, bytes));
  CHECK(std::equal(values.begin(), values.end(), data));  // faulted back in from the file
  CHECK_FALSE(file.drop_pages(values.data(), bytes));       // not in the mapping
  CHECK_FALSE(file.drop_pages(data, bytes + 4096));         // runs past the end

  TensorStore store = TensorStore::from_file(path);
  const float* view = store.floats("big").data;
  store.evict(view, values.size());
  CHECK(std::equal(values.begin(), values.end(), view));
}
