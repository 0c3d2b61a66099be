// Weights outlive the model they came from: copies of the encoder, a layer
// or a head keep the mapped file (or the converted F16/BF16 copy) alive; and
// what no layer reads any more after fusing / int8 is let go. Run under ASan
// this is the use-after-unmap check.
#include <bertpp/models/auto_model.hpp>
#include <bertpp/models/encoder.hpp>
#include <bertpp/nn/layers.hpp>
#include <bertpp/nn/parameter.hpp>
#include <bertpp/nn/transformer_layer.hpp>

#include "support/golden.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <optional>
#include <string>
#include <vector>

namespace {

using bertpp::AutoModel;
using bertpp::Matrix;

float worst_vs_golden(const Matrix& out, const nlohmann::json& expected) {
  REQUIRE(static_cast<std::size_t>(out.size()) == expected.size());
  float worst = 0;
  for (Eigen::Index k = 0; k < out.size(); ++k)
    worst = std::max(worst, std::abs(out.data()[k] - expected[static_cast<std::size_t>(k)].get<float>()));
  return worst;
}

}  // namespace

TEST_CASE("an encoder or layer copied out of a model keeps working after the model is destroyed") {
  // F32 mapped (safetensors, zip .bin), F16 converted, legacy .bin (unaligned: converted).
  for (const char* folder : {"bert-random", "bert-random-f16", "bert-random-bin", "bert-random-bin-legacy"}) {
    SECTION(folder) {
      const std::string path = "models/" + std::string(folder);
      if (!bertpp_test::have_golden(path)) return;
      const nlohmann::json c = bertpp_test::read_json(bertpp_test::golden_path(path) + "/expected.json")["cases"][0];
      const auto input = bertpp::ModelInput::single(c["input_ids"].get<std::vector<std::int32_t>>());
      std::optional<AutoModel> model = AutoModel::from_folder(bertpp_test::golden_path(path));
      const bertpp::Encoder encoder = model->encoder();
      const bertpp::Linear intermediate = model->encoder().layers[0].intermediate;
      const bertpp::Parameter word = model->encoder().embeddings.word;
      const Matrix x = Matrix::Ones(2, intermediate.in_features());
      const Matrix before = intermediate(x);
      const float first_word = word.data[0];
      model.reset();  // unmaps the file unless the copies keep it
      CHECK(worst_vs_golden(encoder.forward(input).last_hidden_state, c["last_hidden_state"]) < 1e-4f);
      CHECK(intermediate(x) == before);
      CHECK(word.data[0] == first_word);
    }
  }
}

TEST_CASE("weights no layer reads after fusing and int8 are released, the rest are kept") {
  const std::string path = "models/bert-random-f16";
  if (!bertpp_test::have_golden(path)) return;
  for (const bool int8 : {false, true}) {
    INFO((int8 ? "int8" : "fp32"));
    bertpp::LoadOptions options;
    if (int8) options.quantization = bertpp::Quantization::DynamicInt8;
    const AutoModel model = AutoModel::from_folder(bertpp_test::golden_path(path), options);
    for (const bertpp::TransformerLayer& layer : model.encoder().layers) {
      for (const bertpp::Linear& part : layer.qkv.parts) {  // fused: q, k, v are read from the fused copy
        CHECK(part.weight.empty());
        CHECK(part.weight.owner == nullptr);
        CHECK(part.weight.rows == model.config().hidden_size);  // the shape stays
      }
      // int8 or packed (any SIMD level): read from its own copy, so released.
      const bool unread = int8 || layer.intermediate.is_packed();
      CHECK(layer.intermediate.weight.empty() == unread);
      CHECK((layer.intermediate.weight.owner == nullptr) == unread);
      CHECK_FALSE(layer.attention_norm.weight.empty());
      CHECK(layer.intermediate.out_features() == model.config().intermediate_size);
    }
    // The model still computes HF's numbers (int8 within its own tolerance).
    const nlohmann::json c = bertpp_test::read_json(bertpp_test::golden_path(path) + "/expected.json")["cases"][0];
    const auto input = bertpp::ModelInput::single(c["input_ids"].get<std::vector<std::int32_t>>());
    CHECK(worst_vs_golden(model.forward(input).last_hidden_state, c["last_hidden_state"]) < (int8 ? 0.1f : 1e-4f));
  }
}
