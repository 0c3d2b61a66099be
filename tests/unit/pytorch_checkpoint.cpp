// PyTorchCheckpoint / TensorStore on pytorch_model.bin files: both formats
// torch.save writes, dtypes, views (offsets, strides), shards, and every
// kind of hostile file refused with a LoadError naming file and problem.
#include <bertpp/io/model_folder.hpp>
#include <bertpp/io/pytorch_checkpoint.hpp>
#include <bertpp/io/tensor_store.hpp>
#include <bertpp/models/auto_model.hpp>

#include "support/golden.hpp"
#include "support/pytorch_writer.hpp"
#include "support/safetensors_writer.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

using bertpp::LoadError;
using bertpp::PyTorchCheckpoint;
using bertpp::TensorStore;
using bertpp_test::PickleBytes;
using bertpp_test::PtTensor;
using bertpp_test::TempDir;
using Catch::Matchers::Contains;
using namespace std::string_literals;

namespace {

std::string write(const TempDir& dir, const std::string& bytes, const std::string& name = "pytorch_model.bin") {
  const std::string path = dir.file(name);
  bertpp_test::write_file(path, bytes);
  return path;
}

const std::vector<float> kSix = {0.5f, -1.0f, 2.0f, 0.0f, 3.25f, -0.125f};

// weight [2, 3] over storage "0"; bias [2] = elements 4..5 of storage "1".
std::vector<PtTensor> two_tensors() {
  return {{"layer.weight", "FloatStorage", "0", 6, 0, {2, 3}, {3, 1}},
          {"layer.bias", "FloatStorage", "1", 6, 4, {2}, {1}}};
}

std::string zip_of(const std::vector<PtTensor>& tensors,
                   const std::vector<std::pair<std::string, std::string>>& storages,
                   const std::string& stem = "pytorch_model") {
  return bertpp_test::pytorch_zip(stem, bertpp_test::state_dict_pickle(tensors, false), storages);
}

std::string legacy_of(const std::vector<PtTensor>& tensors,
                      const std::vector<std::pair<std::string, std::string>>& storages,
                      std::vector<std::int64_t> counts = {}) {
  if (counts.empty())
    for (const auto& s : storages) counts.push_back(static_cast<std::int64_t>(s.second.size() / 4));
  return bertpp_test::pytorch_legacy(bertpp_test::state_dict_pickle(tensors, true), storages, counts);
}

// The zip checkpoint whose data.pkl is `pickle` (storage "0" holds kSix).
std::string zip_with_pickle(const std::string& pickle) {
  return bertpp_test::pytorch_zip("archive", pickle, {{"0", bertpp_test::float_bytes(kSix)}});
}

void check_two_tensors(TensorStore& store) {
  REQUIRE(store.names() == std::vector<std::string>{"layer.weight", "layer.bias"});
  CHECK(store.find("layer.weight")->shape == std::vector<std::int64_t>{2, 3});
  CHECK(store.read_floats("layer.weight") == kSix);
  CHECK(store.read_floats("layer.bias") == std::vector<float>{3.25f, -0.125f});
  const bertpp::FloatTensor bias = store.floats("layer.bias");
  CHECK(bias.data[0] == 3.25f);
  CHECK(bias.owner != nullptr);
}

}  // namespace

TEST_CASE("zip checkpoints: tensors, storage offsets, any archive stem, F32 mapped in place") {
  TempDir dir;
  const auto storages = std::vector<std::pair<std::string, std::string>>{
      {"0", bertpp_test::float_bytes(kSix)}, {"1", bertpp_test::float_bytes(kSix)}};
  for (const char* stem : {"pytorch_model", "archive", "some.other-name"}) {
    INFO(stem);
    const std::string path = write(dir, zip_of(two_tensors(), storages, stem));
    TensorStore store = TensorStore::from_file(path);
    check_two_tensors(store);
    const PyTorchCheckpoint file(path);
    CHECK(std::string(file.format()) == "zip");
    const bertpp::TensorInfo& weight = file.tensors()[0];
    // Zero-copy: the float view lies in the page-aligned mapping at the
    // entry's offset (64-byte aligned, as torch pads it), not in a copy.
    const auto view = reinterpret_cast<std::uintptr_t>(store.floats("layer.weight").data);
    CHECK(view % 4096 == weight.begin % 4096);
    CHECK(view % 64 == 0);
    CHECK(reinterpret_cast<std::uintptr_t>(file.bytes(weight)) % 64 == 0);
  }
}

TEST_CASE("legacy checkpoints: magic, protocol 1001, storages after the pickle (unaligned, copied)") {
  TempDir dir;
  const auto storages = std::vector<std::pair<std::string, std::string>>{
      {"0", bertpp_test::float_bytes(kSix)}, {"1", bertpp_test::float_bytes(kSix)}};
  const std::string path = write(dir, legacy_of(two_tensors(), storages));
  TensorStore store = TensorStore::from_file(path);
  check_two_tensors(store);
  CHECK(std::string(PyTorchCheckpoint(path).format()) == "legacy");
}

TEST_CASE("F16 and BF16 storages, shared storages and non-contiguous views read as torch reads them") {
  TempDir dir;
  // F16: 1, -2, 65504, smallest subnormal; BF16: 1, -1, 0.5, 0.
  const std::string f16 = bertpp_test::u16_bytes({0x3C00, 0xC000, 0x7BFF, 0x0001});
  const std::string bf16 = bertpp_test::u16_bytes({0x3F80, 0xBF80, 0x3F00, 0x0000});
  const std::vector<PtTensor> tensors = {
      {"h", "HalfStorage", "0", 4, 0, {4}, {1}},
      {"b", "BFloat16Storage", "1", 4, 0, {2, 2}, {2, 1}},
      // The transpose of kSix viewed as [2, 3]: [[0.5, 0], [-1, 3.25], [2, -0.125]].
      {"t", "FloatStorage", "2", 6, 0, {3, 2}, {1, 3}},
      // Column 1 of the same storage, from offset 1 with stride 3.
      {"col", "FloatStorage", "2", 6, 1, {2}, {3}},
      // A broadcast (stride 0) row.
      {"rep", "FloatStorage", "2", 6, 2, {2, 2}, {0, 1}}};
  const std::vector<std::pair<std::string, std::string>> storages = {
      {"0", f16}, {"1", bf16}, {"2", bertpp_test::float_bytes(kSix)}};
  const std::vector<std::int64_t> counts = {4, 4, 6};
  const std::string legacy = bertpp_test::pytorch_legacy(bertpp_test::state_dict_pickle(tensors, true), storages, counts);
  for (const std::string& bytes : {zip_of(tensors, storages), legacy}) {
    TensorStore store = TensorStore::from_file(write(dir, bytes));
    CHECK(store.read_floats("h") == std::vector<float>{1.0f, -2.0f, 65504.0f, std::ldexp(1.0f, -24)});
    CHECK(store.read_floats("b") == std::vector<float>{1.0f, -1.0f, 0.5f, 0.0f});
    CHECK(store.read_floats("t") == std::vector<float>{0.5f, 0.0f, -1.0f, 3.25f, 2.0f, -0.125f});
    CHECK(store.read_floats("col") == std::vector<float>{-1.0f, 3.25f});
    CHECK(store.read_floats("rep") == std::vector<float>{2.0f, 0.0f, 2.0f, 0.0f});
    const bertpp::FloatTensor t = store.floats("t");
    CHECK(std::vector<float>(t.data, t.data + 6) == std::vector<float>{0.5f, 0.0f, -1.0f, 3.25f, 2.0f, -0.125f});
  }
}

TEST_CASE("state_dict variants torch writes: OrderedDict with _metadata (BUILD), _rebuild_parameter, protocol 4") {
  TempDir dir;
  PickleBytes p;
  p.proto().global("collections", "OrderedDict").op(")").reduce().mark();
  p.str("w").global("torch._utils", "_rebuild_parameter").mark();
  p.global("torch._utils", "_rebuild_tensor_v2").mark();
  p.mark().str("storage").global("torch", "FloatStorage").str("0").str("cpu").integer(6).tuple().op("Q");
  p.integer(0).mark().integer(6).tuple().mark().integer(1).tuple().op("\x89");
  p.global("collections", "OrderedDict").op(")").reduce().tuple().reduce();
  p.op("\x88").global("collections", "OrderedDict").op(")").reduce().tuple().reduce();
  p.op("u");
  // _metadata: {"": {"version": 1}} as the instance state of the OrderedDict.
  p.op("}").str("_metadata").op("}").str("").op("}").str("version").integer(1).op("sss").op("b").stop();
  TensorStore store = TensorStore::from_file(write(dir, zip_with_pickle(p.bytes())));
  CHECK(store.read_floats("w") == kSix);

  // Protocol 4 framing: FRAME, SHORT_BINUNICODE, STACK_GLOBAL, MEMOIZE.
  PickleBytes q;
  q.op("\x80\x04\x95"s).op(std::string(8, '\0')).op("}\x94(\x8c\x01w\x94\x8c\x0ctorch._utils\x8c\x12_rebuild_tensor_v2\x93\x94("s);
  q.op("(\x8c\x07storage\x8c\x05torch\x8c\x0c" "FloatStorage\x93\x8c\x01" "0\x8c\x03" "cpuK\x06tQ"s);
  q.op("K\x00K\x06\x85K\x01\x85\x89\x8c\x0b" "collections\x8c\x0bOrderedDict\x93)RtRu."s);
  TensorStore store4 = TensorStore::from_file(write(dir, zip_with_pickle(q.bytes())));
  CHECK(store4.read_floats("w") == kSix);
}

TEST_CASE("hostile pickles: globals and calls outside the allow-list are refused, never run") {
  TempDir dir;
  auto refuse = [&](const std::string& pickle, const std::string& message) {
    const std::string path = write(dir, zip_with_pickle(pickle));
    INFO(message);
    CHECK_THROWS_AS(TensorStore::from_file(path), LoadError);
    CHECK_THROWS_WITH(TensorStore::from_file(path), Contains(path) && Contains("archive/data.pkl") && Contains(message));
  };
  // os.system("...") — the classic malicious pickle.
  refuse(PickleBytes().proto().global("os", "system").str("touch /tmp/pwned").op("\x85").reduce().stop().bytes(),
         "global 'os.system' is not allowed");
  refuse(PickleBytes().proto().global("builtins", "eval").stop().bytes(), "global 'builtins.eval' is not allowed");
  refuse(PickleBytes().proto().op("\x8c\x08" "builtins\x8c\x04" "exec\x93").stop().bytes(),
         "global 'builtins.exec' is not allowed");
  refuse(PickleBytes().proto().global("torch", "load").stop().bytes(), "global 'torch.load' is not allowed");
  // REDUCE on an allowed name that is not a callable we build.
  refuse(PickleBytes().proto().global("torch", "FloatStorage").op(")").reduce().stop().bytes(),
         "REDUCE on 'torch.FloatStorage' is not allowed");
  refuse(PickleBytes().proto().str("os.system").op(")").reduce().stop().bytes(), "REDUCE on a str");
  refuse(PickleBytes().proto().global("collections", "OrderedDict").str("x").op("\x85").reduce().stop().bytes(),
         "OrderedDict called with arguments");
  // Opcodes a state_dict never needs: INST, OBJ, NEWOBJ, EXT1, BINFLOAT.
  refuse(PickleBytes().proto().op("ios\nsystem\n").stop().bytes(), "opcode 0x69");
  refuse(PickleBytes().proto().op(")\x81").stop().bytes(), "opcode 0x81");
  refuse(PickleBytes().proto().op("\x82\x01").stop().bytes(), "opcode 0x82");
  refuse(PickleBytes().proto().op("(o").stop().bytes(), "opcode 0x6f");
  // Persistent ids that are not storages.
  refuse(PickleBytes().proto().str("x").op("Q").stop().bytes(), "persistent id is not a ('storage'");
  refuse(PickleBytes().proto().mark().str("storage").global("collections", "OrderedDict").str("0").str("cpu")
             .integer(6).tuple().op("Q").stop().bytes(),
         "storage type is not a torch.*Storage");
  // Not a dict of tensors.
  refuse(PickleBytes().proto().op("]").stop().bytes(), "the pickled object is a list, not a state_dict");
  refuse(PickleBytes().proto().op("}").str("x").integer(3).op("s").stop().bytes(),
         "state_dict entry 'x' is a int, not a tensor");
}

TEST_CASE("hostile pickles: nesting and size bombs stop at fixed limits") {
  TempDir dir;
  auto message = [&](const std::string& pickle) {
    try {
      TensorStore::from_file(write(dir, zip_with_pickle(pickle)));
    } catch (const LoadError& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  CHECK_THAT(message(PickleBytes().proto().op(std::string(5000, '(')).stop().bytes()),
             Contains("nesting deeper than 1000 MARKs"));
  CHECK_THAT(message(PickleBytes().proto().op(std::string(70000, 'N')).stop().bytes()),
             Contains("more than 65536 values on the stack"));
  // 50000 lists each inside the previous: no recursion anywhere, refused as not a state_dict.
  std::string nested = "]";
  for (int i = 0; i < 50000; ++i) nested += "]\x94";
  for (int i = 0; i < 50000; ++i) nested += "a";
  CHECK_THAT(message(PickleBytes().proto().op(nested).stop().bytes()), Contains("is a list, not a state_dict"));
  // A list appended to itself through the memo: no cycle is built.
  CHECK_THAT(message(PickleBytes().proto().op("]q\x00h\x00" "a"s).stop().bytes()),
             Contains("a list may not contain itself"));
  // A memo bomb: billions of memo slots are not allocated.
  CHECK_THAT(message(PickleBytes().proto().op("Nr\xff\xff\xff\x7f").stop().bytes()), Contains("memo index"));
  CHECK_THAT(message(PickleBytes().proto().op("j\x05\x00\x00\x00"s).stop().bytes()), Contains("memo index 5 was never stored"));
  // Lengths past the end, truncation, stack underflow, a huge LONG1.
  CHECK_THAT(message(PickleBytes().proto().op("X\xff\xff\xff\xff").bytes()), Contains("runs past the end of the pickle"));
  CHECK_THAT(message(PickleBytes().proto().op("}").bytes()), Contains("ends before its STOP"));
  CHECK_THAT(message(PickleBytes().proto().op("s").stop().bytes()), Contains("pops an empty stack"));
  CHECK_THAT(message(PickleBytes().proto().op("\x8a\xff").stop().bytes()), Contains("LONG1 of 255 bytes"));
  CHECK_THAT(message(PickleBytes().proto().op("NN").stop().bytes()), Contains("STOP with 2 values"));
}

TEST_CASE("hostile storages: size lies, offsets and strides past the end, duplicates") {
  TempDir dir;
  auto zip_message = [&](const std::vector<PtTensor>& tensors, const std::string& data) {
    try {
      TensorStore::from_file(write(dir, zip_of(tensors, {{"0", data}})));
    } catch (const LoadError& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  const std::string six = bertpp_test::float_bytes(kSix);
  // The pickle claims 10 elements, the entry holds 6.
  CHECK_THAT(zip_message({{"w", "FloatStorage", "0", 10, 0, {10}, {1}}}, six),
             Contains("storage '0' declares 10 F32 elements but its entry pytorch_model/data/0 holds 24 bytes"));
  CHECK_THAT(zip_message({{"w", "FloatStorage", "0", 6, 4, {3}, {1}}}, six),
             Contains("tensor 'w': shape [3], strides [1] and offset 4 reach element 6 of storage '0', which holds 6"));
  CHECK_THAT(zip_message({{"w", "FloatStorage", "0", 6, 0, {2, 3}, {4, 1}}}, six), Contains("reach element 6"));
  CHECK_THAT(zip_message({{"w", "FloatStorage", "0", 6, 0, {1LL << 40, 1LL << 30}, {1, 1}}}, six),
             Contains("is too large"));
  CHECK_THAT(zip_message({{"w", "FloatStorage", "0", 6, 0, {3}, {1LL << 62}}}, six), Contains("reach too far"));
  CHECK_THAT(zip_message({{"w", "FloatStorage", "0", 6, 0, {1LL << 40}, {0}}}, six),
             Contains("tensor 'w': 1099511627776 elements viewed over storage '0' of 6"));
  CHECK_THAT(zip_message({{"w", "FloatStorage", "0", 6, -1, {2}, {1}}}, six), Contains("negative storage offset"));
  CHECK_THAT(zip_message({{"w", "FloatStorage", "0", 6, 0, {-2}, {1}}}, six), Contains("negative size or stride"));
  CHECK_THAT(zip_message({{"w", "FloatStorage", "0", 6, 0, {2}, {1}}, {"w", "FloatStorage", "0", 6, 2, {2}, {1}}}, six),
             Contains("tensor 'w' appears twice"));
  CHECK_THAT(zip_message({{"w", "FloatStorage", "0", 6, 0, {2}, {1}}, {"v", "HalfStorage", "0", 6, 2, {2}, {1}}}, six),
             Contains("storage '0' is declared twice with different types or sizes"));
  CHECK_THAT(zip_message({{"w", "FloatStorage", "7", 6, 0, {2}, {1}}}, six),
             Contains("storage '7' has no entry pytorch_model/data/7"));
  // Integer storages are listed but do not feed a model.
  {
    TensorStore store = TensorStore::from_file(write(dir, zip_of({{"ids", "LongStorage", "0", 3, 0, {3}, {1}}},
                                                                 {{"0", std::string(24, '\0')}})));
    CHECK(store.find("ids")->dtype == bertpp::Dtype::I64);
    CHECK_THROWS_WITH(store.read_floats("ids"), Contains("tensor 'ids' has dtype I64"));
  }

  auto legacy_message = [&](const std::string& bytes) {
    try {
      TensorStore::from_file(write(dir, bytes));
    } catch (const LoadError& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  const std::vector<PtTensor> one = {{"w", "FloatStorage", "0", 6, 0, {6}, {1}}};
  CHECK_THAT(legacy_message(legacy_of(one, {{"0", six}}, {7})),
             Contains("storage '0' declares 6 elements but its data holds 7"));
  CHECK_THAT(legacy_message(legacy_of({{"w", "FloatStorage", "0", 8, 0, {8}, {1}}}, {{"0", six}}, {8})),
             Contains("8 F32 elements run past the end of the file"));
  CHECK_THAT(legacy_message(legacy_of(one, {{"0", six}, {"1", six}})),
             Contains("storage '1' is listed but no tensor uses it"));
  CHECK_THAT(legacy_message(legacy_of(one, {})), Contains("storage '0' has no data after the pickle"));
  CHECK_THAT(legacy_message(legacy_of(one, {{"0", six}}).substr(0, 24)), Contains("ends before its STOP"));
  std::string bad_magic = legacy_of(one, {{"0", six}});
  bad_magic[5] = 'x';
  CHECK_THAT(legacy_message(bad_magic), Contains("no PyTorch magic number"));
  CHECK_THAT(legacy_message("PKfoo not a pickle"), Contains("neither a zip archive nor a pickle"));
}

TEST_CASE("hostile zip archives: compressed, encrypted, overlapping, truncated, lying zip64 records") {
  TempDir dir;
  const std::string pickle = bertpp_test::state_dict_pickle({{"w", "FloatStorage", "0", 6, 0, {6}, {1}}}, false);
  const std::string six = bertpp_test::float_bytes(kSix);
  auto message = [&](const std::string& bytes) {
    try {
      TensorStore::from_file(write(dir, bytes));
    } catch (const LoadError& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  using bertpp_test::ZipItem;
  CHECK_THAT(message(bertpp_test::zip_bytes({{"m/data.pkl", pickle}, {"m/data/0", six, 8}})),
             Contains("pytorch_model.bin: zip archive: entry 'm/data/0' is compressed (method 8, deflate)"));
  CHECK_THAT(message(bertpp_test::zip_bytes({{"m/data.pkl", pickle, 0, 1}, {"m/data/0", six}})),
             Contains("entry 'm/data.pkl' is encrypted"));
  CHECK(message(bertpp_test::zip_bytes({{"m/data.pkl", pickle}, {"m/data/0", six}})) == "accepted");
  CHECK(message(bertpp_test::zip_bytes({{"m/data.pkl", pickle}, {"m/data/0", six}}, nullptr, false)) == "accepted");
  CHECK_THAT(message(bertpp_test::zip_bytes({{"m/data.pkl", pickle}, {"m/data/0", six}, {"m/data.pkl", pickle}})),
             Contains("entry 'm/data.pkl' appears twice"));
  CHECK_THAT(message(bertpp_test::zip_bytes({{"m/other", pickle}, {"m/data/0", six}})), Contains("no m/data.pkl entry"));
  CHECK_THAT(message(bertpp_test::zip_bytes({{"flat.pkl", pickle}})), Contains("is not inside a folder"));

  // Overlap: m/data/0's bytes hide a second local header, which a central
  // record for m/data/1 points into.
  {
    std::string hidden;
    bertpp_test::put_le(hidden, 0x04034b50, 4);
    hidden += std::string(14, '\0');
    bertpp_test::put_le(hidden, 4, 4);
    bertpp_test::put_le(hidden, 4, 4);
    bertpp_test::put_le(hidden, 8, 2);
    bertpp_test::put_le(hidden, 0, 2);
    hidden += "m/data/1";
    hidden += "abcd";
    const std::vector<ZipItem> items = {{"m/data.pkl", pickle}, {"m/data/0", hidden}, {"m/data/1", "abcd"}};
    const std::string honest = bertpp_test::zip_bytes(items);
    const std::size_t inner = honest.find("m/data/1") - 30;  // first occurrence: inside m/data/0
    std::vector<std::uint64_t> offsets = {0, honest.find("m/data/0") - 30, inner};
    CHECK_THAT(message(bertpp_test::zip_bytes(items, &offsets)), Contains("entries 'm/data/0' and 'm/data/1' overlap"));
    offsets[2] = 1;
    CHECK_THAT(message(bertpp_test::zip_bytes(items, &offsets)), Contains("entry 'm/data/1': no local header at byte 1"));
  }

  const std::string good = bertpp_test::zip_bytes({{"m/data.pkl", pickle}, {"m/data/0", six}});
  // Truncated: the end records are gone.
  CHECK_THAT(message(good.substr(0, good.size() - 30)), Contains("no end-of-central-directory record"));
  // The zip64 end record's directory offset points past the file.
  {
    std::string bad = good;
    const std::size_t record = bad.rfind(std::string("PK\x06\x06", 4));
    for (int i = 0; i < 8; ++i) bad[record + 48 + static_cast<std::size_t>(i)] = i == 7 ? '\x01' : '\0';
    CHECK_THAT(message(bad), Contains("central directory [72057594037927936, +"));
    bad = good;
    for (int i = 0; i < 8; ++i) bad[record + 32 + static_cast<std::size_t>(i)] = '\x7f';
    CHECK_THAT(message(bad), Contains("entries cannot fit in a"));
    bad = good;
    const std::size_t locator = bad.rfind(std::string("PK\x06\x07", 4));
    bad[locator + 8] = static_cast<char>(bad[locator + 8] - 1);
    CHECK_THAT(message(bad), Contains("no zip64 end record at byte"));
  }
  // A central record saturated to 0xFFFFFFFF without its zip64 extra field.
  {
    std::string bad = good;
    const std::size_t central = bad.find(std::string("PK\x01\x02", 4));
    for (int i = 0; i < 4; ++i) bad[central + 24 + static_cast<std::size_t>(i)] = '\xff';
    CHECK_THAT(message(bad), Contains("need a zip64 extra field"));
  }
  // Byte order.
  CHECK_THAT(message(bertpp_test::zip_bytes({{"m/data.pkl", pickle}, {"m/byteorder", "big"}, {"m/data/0", six}})),
             Contains("byte order 'big' is not supported"));
}

TEST_CASE("NaN or infinite weights are a LoadError naming the tensor, at load") {
  TempDir dir;
  std::vector<float> values = kSix;
  values[4] = std::numeric_limits<float>::infinity();
  TensorStore store = TensorStore::from_file(write(dir, zip_of({{"w", "FloatStorage", "0", 6, 0, {6}, {1}}},
                                                              {{"0", bertpp_test::float_bytes(values)}})));
  CHECK_THROWS_AS(store.floats("w"), LoadError);
  CHECK_THROWS_WITH(store.floats("w"), Contains("pytorch_model.bin: tensor 'w' holds an infinite value (element 4)"));
  // F16 NaN, converted.
  TensorStore half = TensorStore::from_file(write(dir, zip_of({{"h", "HalfStorage", "0", 2, 0, {2}, {1}}},
                                                             {{"0", bertpp_test::u16_bytes({0x3C00, 0x7E00})}})));
  CHECK_THROWS_WITH(half.floats("h"), Contains("tensor 'h' holds NaN (element 1)"));
}

TEST_CASE("a pytorch_model.bin copy of a golden model, sharded with pytorch_model.bin.index.json, gives HF's outputs") {
  if (!bertpp_test::have_golden("models/bert-random-bin")) return;
  const std::string source = bertpp_test::golden_path("models/bert-random-bin");
  const TensorStore original = TensorStore::from_file(source + "/pytorch_model.bin");
  TempDir dir;
  std::vector<PtTensor> shards[2];
  std::vector<std::pair<std::string, std::string>> storages[2];
  nlohmann::json index = {{"metadata", nlohmann::json::object()}, {"weight_map", nlohmann::json::object()}};
  std::size_t i = 0;
  for (const std::string& name : original.names()) {
    const std::size_t shard = i++ % 2;
    const std::vector<float> values = original.read_floats(name);
    const std::string key = std::to_string(storages[shard].size());
    std::vector<std::int64_t> shape = original.find(name)->shape, stride(shape.size(), 1);
    for (std::size_t d = shape.size(); d-- > 1;) stride[d - 1] = stride[d] * shape[d];
    shards[shard].push_back({name, "FloatStorage", key, static_cast<std::int64_t>(values.size()), 0, shape, stride});
    storages[shard].emplace_back(key, bertpp_test::float_bytes(values));
    index["weight_map"][name] = "pytorch_model-0000" + std::to_string(shard + 1) + "-of-00002.bin";
  }
  bertpp_test::write_file(dir.file("pytorch_model-00001-of-00002.bin"),
                          zip_of(shards[0], storages[0], "pytorch_model-00001-of-00002"));
  bertpp_test::write_file(dir.file("pytorch_model-00002-of-00002.bin"), legacy_of(shards[1], storages[1]));
  bertpp_test::write_file(dir.file("pytorch_model.bin.index.json"), index.dump());
  std::ifstream config(source + "/config.json");
  bertpp_test::write_file(dir.file("config.json"), std::string(std::istreambuf_iterator<char>(config), {}));

  const bertpp::AutoModel model = bertpp::AutoModel::from_folder(dir.path());
  const nlohmann::json expected = bertpp_test::read_json(source + "/expected.json")["cases"][0];
  const bertpp::Matrix out =
      model.forward(bertpp::ModelInput::single(expected["input_ids"].get<std::vector<std::int32_t>>()))
          .last_hidden_state;
  float worst = 0;
  for (Eigen::Index k = 0; k < out.size(); ++k)
    worst = std::max(worst, std::abs(out.data()[k] - expected["last_hidden_state"][static_cast<std::size_t>(k)].get<float>()));
  CHECK(worst < 1e-4f);
}

TEST_CASE("model folders prefer safetensors over pytorch_model.bin, as transformers does") {
  if (!bertpp_test::have_golden("models/bert-random-bin")) return;
  CHECK(bertpp::ModelFolder::locate(bertpp_test::golden_path("models/bert-random-bin")).weights_path.find(
            "pytorch_model.bin") != std::string::npos);
  CHECK(bertpp::ModelFolder::locate(bertpp_test::golden_path("models/bert-random")).weights_path.find(
            "model.safetensors") != std::string::npos);
}
