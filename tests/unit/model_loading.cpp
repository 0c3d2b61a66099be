// AutoModel on synthetic folders written by the test: binding by name
// (prefixes, missing tensors, shape mismatches), sharded checkpoints, input
// validation, heads, attention outputs and thread safety.
#include <bertpp/models/auto_model.hpp>
#include <bertpp/models/encoder.hpp>

#include "support/golden.hpp"
#include "support/safetensors_writer.hpp"

#include <catch2/catch.hpp>

#include <set>
#include <string>
#include <thread>
#include <vector>

using bertpp::AutoModel;
using bertpp::Matrix;
using bertpp::ModelInput;
using bertpp_test::SafetensorsBuilder;
using bertpp_test::TempDir;
using Catch::Matchers::Contains;

namespace {

constexpr int kHidden = 8, kInner = 16, kVocab = 20, kPositions = 16, kLayers = 2;

std::string tiny_config(const std::string& architecture, int num_labels = 3) {
  nlohmann::json config = {{"model_type", "bert"},     {"architectures", {architecture}},
                           {"hidden_size", kHidden},    {"num_hidden_layers", kLayers},
                           {"num_attention_heads", 2},  {"intermediate_size", kInner},
                           {"vocab_size", kVocab},      {"max_position_embeddings", kPositions},
                           {"type_vocab_size", 2},      {"hidden_act", "gelu"},
                           {"layer_norm_eps", 1e-12}};
  for (int i = 0; i < num_labels; ++i) config["id2label"][std::to_string(i)] = "L" + std::to_string(i);
  return config.dump();
}

// Every BertModel tensor (with `prefix`), except those in `skip`.
SafetensorsBuilder tiny_bert(const std::string& prefix, const std::set<std::string>& skip = {}) {
  SafetensorsBuilder b;
  auto add = [&](const std::string& name, std::vector<std::int64_t> shape) {
    if (!skip.count(name)) b.add_pattern(prefix + name, std::move(shape));
  };
  auto layer_norm = [&](const std::string& scope) {
    add(scope + ".weight", {kHidden});
    add(scope + ".bias", {kHidden});
  };
  auto linear = [&](const std::string& scope, int in, int out) {
    add(scope + ".weight", {out, in});
    add(scope + ".bias", {out});
  };
  add("embeddings.word_embeddings.weight", {kVocab, kHidden});
  add("embeddings.position_embeddings.weight", {kPositions, kHidden});
  add("embeddings.token_type_embeddings.weight", {2, kHidden});
  layer_norm("embeddings.LayerNorm");
  for (int i = 0; i < kLayers; ++i) {
    const std::string l = "encoder.layer." + std::to_string(i) + ".";
    for (const char* part : {"query", "key", "value"}) linear(l + "attention.self." + part, kHidden, kHidden);
    linear(l + "attention.output.dense", kHidden, kHidden);
    layer_norm(l + "attention.output.LayerNorm");
    linear(l + "intermediate.dense", kHidden, kInner);
    linear(l + "output.dense", kInner, kHidden);
    layer_norm(l + "output.LayerNorm");
  }
  linear("pooler.dense", kHidden, kHidden);
  return b;
}

void write_folder(const TempDir& dir, const std::string& architecture, const SafetensorsBuilder& weights) {
  bertpp_test::write_file(dir.file("config.json"), tiny_config(architecture));
  weights.write(dir.file("model.safetensors"));
}

ModelInput batch_of_two() {
  ModelInput input;
  input.batch_size = 2;
  input.seq_len = 4;
  input.input_ids = {2, 5, 7, 3, 2, 9, 3, 0};
  input.token_type_ids = {0, 0, 1, 1, 0, 0, 0, 0};
  input.attention_mask = {1, 1, 1, 1, 1, 1, 1, 0};
  return input;
}

}  // namespace

TEST_CASE("a BertModel folder loads, outputs have the documented shapes") {
  TempDir dir;
  write_folder(dir, "BertModel", tiny_bert(""));
  const AutoModel model = AutoModel::from_folder(dir.path());
  CHECK(model.config().hidden_size == kHidden);
  CHECK_FALSE(model.has_head(bertpp::HeadKind::MaskedLM));
  bertpp::ForwardOptions options;
  options.output_hidden_states = options.output_attentions = true;
  const auto out = model.forward(batch_of_two(), options);
  CHECK(out.last_hidden_state.rows() == 8);
  CHECK(out.last_hidden_state.cols() == kHidden);
  CHECK(out.pooler_output.rows() == 2);
  REQUIRE(out.hidden_states.size() == kLayers + 1);
  CHECK(out.hidden_states.back() == out.last_hidden_state);
  REQUIRE(out.attentions.size() == kLayers);
  const Matrix& attention = out.attentions[0];
  REQUIRE(attention.rows() == 2 * 2 * 4);  // batch * heads * seq
  REQUIRE(attention.cols() == 4);
  for (Eigen::Index r = 0; r < attention.rows(); ++r) CHECK(attention.row(r).sum() == Approx(1.0f));
  // Sequence 1 (rows 8..15) pads position 3: no query attends to it.
  for (Eigen::Index r = 8; r < 16; ++r) CHECK(attention(r, 3) == 0.0f);
}

TEST_CASE("the padded rows of a batch do not change the real positions") {
  TempDir dir;
  write_folder(dir, "BertModel", tiny_bert(""));
  const AutoModel model = AutoModel::from_folder(dir.path());
  const Matrix batched = model.forward(batch_of_two()).last_hidden_state;
  const Matrix alone = model.forward(ModelInput::single({2, 9, 3})).last_hidden_state;
  CHECK((batched.block(4, 0, 3, kHidden) - alone).cwiseAbs().maxCoeff() < 1e-6f);
}

TEST_CASE("ModelInput::from_encodings pads to the longest encoding") {
  bertpp::Encoding a, b;
  a.ids = {101, 7, 102};
  a.type_ids = {0, 0, 0};
  a.attention_mask = {1, 1, 1};
  b.ids = {101, 102};  // no type ids or mask: defaults
  const ModelInput input = ModelInput::from_encodings({a, b}, 5);
  CHECK(input.batch_size == 2);
  CHECK(input.seq_len == 3);
  CHECK(input.input_ids == std::vector<std::int32_t>{101, 7, 102, 101, 102, 5});
  CHECK(input.token_type_ids == std::vector<std::int32_t>{0, 0, 0, 0, 0, 0});
  CHECK(input.attention_mask == std::vector<std::int32_t>{1, 1, 1, 1, 1, 0});
}

TEST_CASE("missing tensors are reported together, by full name") {
  TempDir dir;
  write_folder(dir, "BertForSequenceClassification",
               tiny_bert("bert.", {"encoder.layer.1.attention.self.key.bias", "embeddings.LayerNorm.weight",
                                   "pooler.dense.weight"}));
  CHECK_THROWS_AS(AutoModel::from_folder(dir.path()), bertpp::LoadError);
  CHECK_THROWS_WITH(AutoModel::from_folder(dir.path()),
                    Contains("5 tensor(s) missing from the checkpoint") &&
                        Contains("bert.embeddings.LayerNorm.weight") &&
                        Contains("bert.encoder.layer.1.attention.self.key.bias") &&
                        Contains("bert.pooler.dense.weight") && Contains("classifier.weight") &&
                        Contains("classifier.bias"));
}

TEST_CASE("a tensor whose shape disagrees with the config is named with both shapes") {
  TempDir dir;
  SafetensorsBuilder weights = tiny_bert("", {"encoder.layer.0.intermediate.dense.weight"});
  weights.add_pattern("encoder.layer.0.intermediate.dense.weight", {kInner, kHidden + 1});
  write_folder(dir, "BertModel", weights);
  CHECK_THROWS_WITH(AutoModel::from_folder(dir.path()),
                    Contains("model.safetensors: tensor 'encoder.layer.0.intermediate.dense.weight' has "
                             "shape [16, 9], expected [16, 8] from the model config"));
}

TEST_CASE("heads bind by architecture, an absent head is an ArgumentError") {
  TempDir dir;
  SafetensorsBuilder weights = tiny_bert("bert.");
  weights.add_pattern("classifier.weight", {3, kHidden}).add_pattern("classifier.bias", {3});
  write_folder(dir, "BertForTokenClassification", weights);
  const AutoModel model = AutoModel::from_folder(dir.path());
  CHECK(model.has_head(bertpp::HeadKind::TokenClassification));
  const Matrix logits = model.token_classification_logits(batch_of_two());
  CHECK(logits.rows() == 8);
  CHECK(logits.cols() == 3);
  CHECK_THROWS_AS(model.question_answering_logits(batch_of_two()), bertpp::ArgumentError);
  CHECK_THROWS_WITH(model.masked_lm_logits(batch_of_two(), {0}),
                    Contains("(architecture 'BertForTokenClassification') has no masked-LM head"));
  // Extra tensors stay available by name.
  CHECK(model.has_tensor("bert.pooler.dense.bias"));
  CHECK(model.tensor("classifier.bias").size() == 3);
}

TEST_CASE("the MLM decoder is tied to the word embeddings unless stored") {
  std::vector<float> bias(kVocab);
  for (int i = 0; i < kVocab; ++i) bias[static_cast<std::size_t>(i)] = 0.25f * static_cast<float>(i);
  auto mlm_weights = [&] {
    SafetensorsBuilder weights = tiny_bert("bert.");
    weights.add_pattern("cls.predictions.transform.dense.weight", {kHidden, kHidden})
        .add_pattern("cls.predictions.transform.dense.bias", {kHidden})
        .add_pattern("cls.predictions.transform.LayerNorm.weight", {kHidden})
        .add_pattern("cls.predictions.transform.LayerNorm.bias", {kHidden})
        .add("cls.predictions.bias", {kVocab}, bias);
    return weights;
  };
  const ModelInput input = batch_of_two();
  TempDir tied_dir, stored_dir;
  write_folder(tied_dir, "BertForMaskedLM", mlm_weights());
  const AutoModel tied = AutoModel::from_folder(tied_dir.path());
  const Matrix tied_logits = tied.masked_lm_logits(input, {1, 6});
  REQUIRE(tied_logits.rows() == 2);
  REQUIRE(tied_logits.cols() == kVocab);
  // A stored all-zero decoder leaves only the bias: every row equals it.
  SafetensorsBuilder stored = mlm_weights();
  stored.add("cls.predictions.decoder.weight", {kVocab, kHidden}, std::vector<float>(kVocab * kHidden, 0.0f));
  write_folder(stored_dir, "BertForMaskedLM", stored);
  const Matrix logits = AutoModel::from_folder(stored_dir.path()).masked_lm_logits(input, {0, 5, 7});
  for (Eigen::Index r = 0; r < logits.rows(); ++r)
    for (Eigen::Index v = 0; v < kVocab; ++v) CHECK(logits(r, v) == bias[static_cast<std::size_t>(v)]);
  CHECK((tied_logits.row(0) - logits.row(0)).cwiseAbs().maxCoeff() > 0.01f);  // the tied decoder did work
  CHECK_THROWS_WITH(tied.masked_lm_logits(input, {8}), Contains("row 8 is outside the batch's 8 tokens"));
}

TEST_CASE("inputs the model cannot take are ArgumentErrors") {
  TempDir dir;
  write_folder(dir, "BertModel", tiny_bert(""));
  const AutoModel model = AutoModel::from_folder(dir.path());
  ModelInput input = batch_of_two();
  input.input_ids[2] = kVocab;
  CHECK_THROWS_AS(model.forward(input), bertpp::ArgumentError);
  CHECK_THROWS_WITH(model.forward(input), Contains("token id 20 at position [0, 2] is outside the vocabulary [0, 20)"));
  input = batch_of_two();
  input.token_type_ids[5] = 2;
  CHECK_THROWS_WITH(model.forward(input), Contains("token type 2 at position [1, 1] is outside [0, 2)"));
  const ModelInput too_long = ModelInput::single(std::vector<std::int32_t>(kPositions + 1, 1));
  CHECK_THROWS_WITH(model.forward(too_long),
                    Contains("sequence length 17 exceeds max_position_embeddings 16") && Contains("truncate"));
  input = batch_of_two();
  input.input_ids.pop_back();
  CHECK_THROWS_WITH(model.forward(input), Contains("input_ids has 7 ids, expected batch_size * seq_len = 8"));
  input = batch_of_two();
  input.batch_size = -1;
  CHECK_THROWS_WITH(model.forward(input), Contains("invalid shape [-1, 4]"));
  input = batch_of_two();
  input.attention_mask.resize(3);
  CHECK_THROWS_AS(model.forward(input), bertpp::ArgumentError);
}

TEST_CASE("model folders without usable files are LoadErrors / ConfigErrors") {
  TempDir dir;
  CHECK_THROWS_WITH(AutoModel::from_folder(dir.path()), Contains("no config.json"));
  bertpp_test::write_file(dir.file("config.json"), tiny_config("BertModel"));
  CHECK_THROWS_WITH(AutoModel::from_folder(dir.path()), Contains("no model.safetensors"));
  bertpp_test::write_file(dir.file("tf_model.h5"), "hdf5");
  CHECK_THROWS_WITH(AutoModel::from_folder(dir.path()), Contains("only TensorFlow/Flax weights found"));
  bertpp_test::write_file(dir.file("pytorch_model.bin"), "pickle");
  CHECK_THROWS_WITH(AutoModel::from_folder(dir.path()),
                    Contains("pytorch_model.bin: neither a zip archive nor a pickle"));
  tiny_bert("").write(dir.file("model.safetensors"));
  bertpp_test::write_file(dir.file("config.json"), "{\"model_type\": \"bert\",");
  CHECK_THROWS_AS(AutoModel::from_folder(dir.path()), bertpp::ConfigError);
}

TEST_CASE("a sharded copy of a golden model gives HF's outputs") {
  if (!bertpp_test::have_golden("models/bert-random")) return;
  const std::string source = bertpp_test::golden_path("models/bert-random");
  TempDir dir;
  const bertpp::SafetensorsFile original(source + "/model.safetensors");
  SafetensorsBuilder shards[2];
  nlohmann::json index = {{"metadata", nlohmann::json::object()}, {"weight_map", nlohmann::json::object()}};
  std::size_t i = 0;
  for (const auto& info : original.tensors()) {
    const std::size_t shard = i++ % 2;
    const std::string bytes(reinterpret_cast<const char*>(original.bytes(info)), info.end - info.begin);
    shards[shard].add_raw(info.name, bertpp::dtype_name(info.dtype), info.shape, bytes);
    index["weight_map"][info.name] = "model-0000" + std::to_string(shard + 1) + "-of-00002.safetensors";
  }
  shards[0].write(dir.file("model-00001-of-00002.safetensors"));
  shards[1].write(dir.file("model-00002-of-00002.safetensors"));
  bertpp_test::write_file(dir.file("model.safetensors.index.json"), index.dump());
  std::ifstream config(source + "/config.json");
  bertpp_test::write_file(dir.file("config.json"), std::string(std::istreambuf_iterator<char>(config), {}));

  const AutoModel model = AutoModel::from_folder(dir.path());
  const nlohmann::json expected = bertpp_test::read_json(source + "/expected.json")["cases"][0];
  const Matrix out =
      model.forward(ModelInput::single(expected["input_ids"].get<std::vector<std::int32_t>>()))
          .last_hidden_state;
  float worst = 0;
  for (Eigen::Index k = 0; k < out.size(); ++k)
    worst = std::max(worst, std::abs(out.data()[k] - expected["last_hidden_state"][static_cast<std::size_t>(k)].get<float>()));
  CHECK(worst < 1e-4f);
}

TEST_CASE("one model serves several threads at once, copies share the weights") {
  TempDir dir;
  write_folder(dir, "BertModel", tiny_bert(""));
  const AutoModel model = AutoModel::from_folder(dir.path());
  const Matrix reference = model.forward(batch_of_two()).last_hidden_state;
  const AutoModel copy = model;
  CHECK(copy.encoder().embeddings.word.data == model.encoder().embeddings.word.data);
  std::vector<Matrix> results(4);
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < results.size(); ++t)
    threads.emplace_back([&, t] { results[t] = (t % 2 ? copy : model).forward(batch_of_two()).last_hidden_state; });
  for (auto& thread : threads) thread.join();
  for (const auto& result : results) CHECK(result == reference);
}

namespace {

SafetensorsBuilder tiny_distilbert(const std::string& prefix) {
  SafetensorsBuilder b;
  auto add = [&](const std::string& name, std::vector<std::int64_t> shape) { b.add_pattern(prefix + name, std::move(shape)); };
  auto linear = [&](const std::string& scope, int in, int out) {
    add(scope + ".weight", {out, in});
    add(scope + ".bias", {out});
  };
  add("embeddings.word_embeddings.weight", {kVocab, kHidden});
  add("embeddings.position_embeddings.weight", {kPositions, kHidden});
  add("embeddings.LayerNorm.weight", {kHidden});
  add("embeddings.LayerNorm.bias", {kHidden});
  for (int i = 0; i < kLayers; ++i) {
    const std::string l = "transformer.layer." + std::to_string(i) + ".";
    for (const char* part : {"q_lin", "k_lin", "v_lin", "out_lin"}) linear(l + "attention." + part, kHidden, kHidden);
    linear(l + "ffn.lin1", kHidden, kInner);
    linear(l + "ffn.lin2", kInner, kHidden);
    for (const char* norm : {"sa_layer_norm", "output_layer_norm"}) {
      add(l + norm + ".weight", {kHidden});
      add(l + norm + ".bias", {kHidden});
    }
  }
  return b;
}

}  // namespace

TEST_CASE("DistilBertForMaskedLM binds vocab_transform / vocab_layer_norm / vocab_projector") {
  TempDir dir;
  nlohmann::json config = {{"model_type", "distilbert"}, {"architectures", {"DistilBertForMaskedLM"}},
                           {"dim", kHidden}, {"n_layers", kLayers}, {"n_heads", 2}, {"hidden_dim", kInner},
                           {"vocab_size", kVocab}, {"max_position_embeddings", kPositions}};
  bertpp_test::write_file(dir.file("config.json"), config.dump());
  SafetensorsBuilder weights = tiny_distilbert("distilbert.");
  std::vector<float> bias(kVocab, 0.5f);
  weights.add_pattern("vocab_transform.weight", {kHidden, kHidden})
      .add_pattern("vocab_transform.bias", {kHidden})
      .add_pattern("vocab_layer_norm.weight", {kHidden})
      .add_pattern("vocab_layer_norm.bias", {kHidden})
      .add("vocab_projector.bias", {kVocab}, bias);
  weights.write(dir.file("model.safetensors"));
  const AutoModel model = AutoModel::from_folder(dir.path());
  CHECK(model.has_head(bertpp::HeadKind::MaskedLM));
  CHECK_FALSE(model.encoder().has_pooler());
  ModelInput input = batch_of_two();
  input.token_type_ids[2] = 7;  // DistilBERT has no token types: ignored
  const Matrix logits = model.masked_lm_logits(input, {0, 1});
  CHECK(logits.rows() == 2);
  CHECK(logits.cols() == kVocab);
  CHECK(model.forward(input).pooler_output.size() == 0);
}

TEST_CASE("a config asking for more layers than the checkpoint holds is one clear LoadError") {
  TempDir dir;
  nlohmann::json config = nlohmann::json::parse(tiny_config("BertModel"));
  config["num_hidden_layers"] = 5000000;
  bertpp_test::write_file(dir.file("config.json"), config.dump());
  tiny_bert("").write(dir.file("model.safetensors"));
  CHECK_THROWS_WITH(AutoModel::from_folder(dir.path()),
                    Contains("asks for 5000000 layers but the checkpoint has encoder.layer.<i> tensors for only 2"));
}
