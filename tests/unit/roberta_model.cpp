// The RoBERTa family on synthetic folders: config defaults and keys, HF's
// position ids (padding_idx + 1 onwards, pads at padding_idx, following the
// ids rather than the mask), the one token type, the roberta. prefix and the
// lm_head / classifier.dense + out_proj heads. Numeric parity with HF is in
// tests/parity/model_golden.cpp (roberta-random folders).
#include <bertpp/models/auto_model.hpp>
#include <bertpp/models/encoder.hpp>
#include <bertpp/nn/embeddings.hpp>

#include "support/golden.hpp"
#include "support/safetensors_writer.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using bertpp::AutoModel;
using bertpp::Matrix;
using bertpp::ModelConfig;
using bertpp::ModelInput;
using bertpp_test::SafetensorsBuilder;
using bertpp_test::TempDir;
using Catch::Matchers::Contains;
using Json = nlohmann::json;

namespace {

constexpr int kHidden = 8, kInner = 16, kVocab = 20, kPositions = 16, kLayers = 2, kPad = 1;

Json tiny_config(const std::string& architecture) {
  return {{"model_type", "roberta"},   {"architectures", {architecture}},
          {"hidden_size", kHidden},    {"num_hidden_layers", kLayers},
          {"num_attention_heads", 2},  {"intermediate_size", kInner},
          {"vocab_size", kVocab},      {"max_position_embeddings", kPositions},
          {"type_vocab_size", 1},      {"hidden_act", "gelu"},
          {"layer_norm_eps", 1e-5},    {"pad_token_id", kPad},
          {"id2label", {{"0", "NEGATIVE"}, {"1", "POSITIVE"}}}};
}

// Every RobertaModel tensor under `prefix`, without the pooler.
SafetensorsBuilder tiny_roberta(const std::string& prefix) {
  SafetensorsBuilder b;
  auto linear = [&](const std::string& scope, int in, int out) {
    b.add_pattern(prefix + scope + ".weight", {out, in}).add_pattern(prefix + scope + ".bias", {out});
  };
  auto layer_norm = [&](const std::string& scope) {
    b.add_pattern(prefix + scope + ".weight", {kHidden}).add_pattern(prefix + scope + ".bias", {kHidden});
  };
  b.add_pattern(prefix + "embeddings.word_embeddings.weight", {kVocab, kHidden})
      .add_pattern(prefix + "embeddings.position_embeddings.weight", {kPositions, kHidden})
      .add_pattern(prefix + "embeddings.token_type_embeddings.weight", {1, kHidden});
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
  return b;
}

AutoModel load(const TempDir& dir, const std::string& architecture, const SafetensorsBuilder& weights) {
  bertpp_test::write_file(dir.file("config.json"), tiny_config(architecture).dump());
  weights.write(dir.file("model.safetensors"));
  return AutoModel::from_folder(dir.path());
}

std::vector<Eigen::Index> positions_of(const bertpp::Embeddings& embeddings, std::vector<std::int32_t> ids) {
  std::vector<Eigen::Index> positions;
  embeddings.for_each_position(ids.data(), static_cast<Eigen::Index>(ids.size()),
                               [&](Eigen::Index, Eigen::Index p) { positions.push_back(p); });
  return positions;
}

}  // namespace

TEST_CASE("RoBERTa config: its keys, HF RobertaConfig defaults, model_type inferred from the architecture") {
  const ModelConfig config = ModelConfig::from_json(tiny_config("RobertaModel"));
  CHECK(config.model_type == bertpp::ModelType::Roberta);
  CHECK(config.family().prefix == "roberta.");
  CHECK(config.layer_norm_eps == 1e-5f);
  CHECK(config.type_vocab_size == 1);
  CHECK(config.pad_token_id == 1);
  CHECK(config.position_offset() == 2);
  CHECK(config.max_sequence_length() == kPositions - 2);

  const ModelConfig defaults =
      ModelConfig::from_json(Json::parse(R"({"architectures": ["RobertaForSequenceClassification"]})"));
  CHECK(defaults.model_type == bertpp::ModelType::Roberta);
  CHECK(defaults.model_type_name == "roberta");
  CHECK(defaults.vocab_size == 50265);
  CHECK(defaults.pad_token_id == 1);
  CHECK(defaults.type_vocab_size == 2);
  CHECK(defaults.layer_norm_eps == 1e-12f);
  CHECK(defaults.max_sequence_length() == 510);

  Json no_room = tiny_config("RobertaModel");
  no_room["max_position_embeddings"] = 2;
  CHECK_THROWS_WITH(ModelConfig::from_json(no_room, "dir/config.json"),
                    Contains("dir/config.json") &&
                        Contains("'max_position_embeddings' (2) leaves no position for a token after the "
                                 "padding index 1"));
}

TEST_CASE("RoBERTa positions: padding_idx + 1 onwards, pads at padding_idx, counted by ids not the mask") {
  TempDir dir;
  const AutoModel model = load(dir, "RobertaModel", tiny_roberta(""));
  const bertpp::Embeddings& embeddings = model.encoder().embeddings;
  CHECK(positions_of(embeddings, {0, 5, 7, 2}) == std::vector<Eigen::Index>{2, 3, 4, 5});
  // HF's create_position_ids_from_input_ids: cumsum of the non-pad mask, + padding_idx.
  CHECK(positions_of(embeddings, {0, 5, kPad, 7, 2, kPad, kPad}) ==
        std::vector<Eigen::Index>{2, 3, 1, 4, 5, 1, 1});
  CHECK(positions_of(embeddings, {kPad, kPad, 0, 2}) == std::vector<Eigen::Index>{1, 1, 2, 3});

  // So a left-padded row gives its real tokens the same states as when alone
  // (with BERT's index positions the pads would shift them).
  ModelInput left;
  left.batch_size = 1;
  left.seq_len = 5;
  left.input_ids = {kPad, kPad, 0, 9, 2};
  left.attention_mask = {0, 0, 1, 1, 1};
  const Matrix padded = model.forward(left).last_hidden_state;
  const Matrix alone = model.forward(ModelInput::single({0, 9, 2})).last_hidden_state;
  CHECK((padded.bottomRows(3) - alone).cwiseAbs().maxCoeff() < 1e-5f);
}

TEST_CASE("RoBERTa inputs: one token type, and max_position_embeddings - padding_idx - 1 tokens") {
  TempDir dir;
  const AutoModel model = load(dir, "RobertaModel", tiny_roberta(""));
  std::vector<std::int32_t> ids(kPositions - 2, 5);
  CHECK_NOTHROW(model.forward(ModelInput::single(ids)));
  // Trailing pads take no position of their own.
  ModelInput padded = ModelInput::single(ids);
  padded.input_ids.insert(padded.input_ids.end(), 6, kPad);
  padded.attention_mask.insert(padded.attention_mask.end(), 6, 0);
  padded.seq_len += 6;
  CHECK_NOTHROW(model.forward(padded));
  ids.push_back(5);
  CHECK_THROWS_AS(model.forward(ModelInput::single(ids)), bertpp::ArgumentError);
  CHECK_THROWS_WITH(model.forward(ModelInput::single(ids)),
                    Contains("sequence 0 has 15 tokens, but max_position_embeddings 16") &&
                        Contains("holds 14 (positions start after padding_idx 1); truncate the input"));
  CHECK_THROWS_WITH(model.forward(ModelInput::single({0, 5, 2}, {0, 1, 1})),
                    Contains("token type 1 at position [0, 1] is outside [0, 1)"));
}

TEST_CASE("RobertaForSequenceClassification: roberta. prefix, classifier.dense -> tanh -> out_proj on <s>") {
  SafetensorsBuilder weights = tiny_roberta("roberta.");
  weights.add_pattern("classifier.dense.weight", {kHidden, kHidden})
      .add_pattern("classifier.dense.bias", {kHidden})
      .add_pattern("classifier.out_proj.weight", {2, kHidden})
      .add_pattern("classifier.out_proj.bias", {2});
  TempDir dir;
  const AutoModel model = load(dir, "RobertaForSequenceClassification", weights);
  CHECK_FALSE(model.encoder().has_pooler());  // RoBERTa's classifier has its own dense layer
  ModelInput input;
  input.batch_size = 2;
  input.seq_len = 4;
  input.input_ids = {0, 5, 7, 2, 0, 9, 2, kPad};
  input.attention_mask = {1, 1, 1, 1, 1, 1, 1, 0};
  const Matrix logits = model.sequence_classification_logits(input);
  REQUIRE(logits.rows() == 2);
  REQUIRE(logits.cols() == 2);
  // Row 1 equals the same text alone: padding does not reach <s>.
  const Matrix alone = model.sequence_classification_logits(ModelInput::single({0, 9, 2}));
  CHECK((logits.row(1) - alone.row(0)).cwiseAbs().maxCoeff() < 1e-5f);

  // Missing head tensors are named as HF saves them.
  SafetensorsBuilder headless = tiny_roberta("roberta.");
  headless.add_pattern("classifier.dense.weight", {kHidden, kHidden}).add_pattern("classifier.dense.bias", {kHidden});
  TempDir broken;
  CHECK_THROWS_WITH(load(broken, "RobertaForSequenceClassification", headless),
                    Contains("2 tensor(s) missing") && Contains("classifier.out_proj.weight") &&
                        Contains("classifier.out_proj.bias"));
}

TEST_CASE("RobertaForMaskedLM binds lm_head.dense / layer_norm / bias with the decoder tied to the embeddings") {
  std::vector<float> bias(kVocab);
  for (int i = 0; i < kVocab; ++i) bias[static_cast<std::size_t>(i)] = 0.5f * static_cast<float>(i);
  auto mlm_weights = [&] {
    SafetensorsBuilder weights = tiny_roberta("roberta.");
    weights.add_pattern("lm_head.dense.weight", {kHidden, kHidden})
        .add_pattern("lm_head.dense.bias", {kHidden})
        .add_pattern("lm_head.layer_norm.weight", {kHidden})
        .add_pattern("lm_head.layer_norm.bias", {kHidden})
        .add("lm_head.bias", {kVocab}, bias);
    return weights;
  };
  TempDir tied_dir, stored_dir;
  const AutoModel tied = load(tied_dir, "RobertaForMaskedLM", mlm_weights());
  REQUIRE(tied.has_head(bertpp::HeadKind::MaskedLM));
  CHECK_FALSE(tied.has_tensor("lm_head.decoder.weight"));
  const ModelInput input = ModelInput::single({0, 5, 7, 2});
  const Matrix tied_logits = tied.masked_lm_logits(input, {1, 2});
  REQUIRE(tied_logits.rows() == 2);
  REQUIRE(tied_logits.cols() == kVocab);
  // A stored all-zero decoder leaves only lm_head.bias.
  SafetensorsBuilder stored = mlm_weights();
  stored.add("lm_head.decoder.weight", {kVocab, kHidden}, std::vector<float>(kVocab * kHidden, 0.0f));
  const Matrix logits = load(stored_dir, "RobertaForMaskedLM", stored).masked_lm_logits(input, {1, 2});
  for (Eigen::Index r = 0; r < logits.rows(); ++r)
    for (Eigen::Index v = 0; v < kVocab; ++v) CHECK(logits(r, v) == bias[static_cast<std::size_t>(v)]);
  CHECK((tied_logits.row(0) - logits.row(0)).cwiseAbs().maxCoeff() > 0.01f);
}
