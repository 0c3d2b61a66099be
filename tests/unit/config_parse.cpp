// config.json -> ModelConfig: BERT and DistilBERT field names, HF defaults,
// labels, real published configs, and ConfigErrors for unsupported values.
#include <bertpp/io/config.hpp>

#include "support/golden.hpp"
#include "support/safetensors_writer.hpp"

#include <catch2/catch.hpp>

#include <string>

using bertpp::ConfigError;
using bertpp::ModelConfig;
using Catch::Matchers::Contains;
using Json = nlohmann::json;

namespace {

Json bert_json() {
  return Json::parse(R"({"model_type":"bert","architectures":["BertModel"],"hidden_size":32,
    "num_hidden_layers":2,"num_attention_heads":4,"intermediate_size":64,"hidden_act":"gelu",
    "layer_norm_eps":1e-12,"max_position_embeddings":128,"type_vocab_size":2,"vocab_size":30522,
    "pad_token_id":0,"position_embedding_type":"absolute"})");
}

void refused(const Json& json, const std::string& message) {
  INFO("expected: " << message);
  CHECK_THROWS_AS(ModelConfig::from_json(json, "dir/config.json"), ConfigError);
  CHECK_THROWS_WITH(ModelConfig::from_json(json, "dir/config.json"),
                    Contains("dir/config.json") && Contains(message));
}

}  // namespace

TEST_CASE("BERT config fields are read as written") {
  const ModelConfig config = ModelConfig::from_json(bert_json());
  CHECK(config.model_type == bertpp::ModelType::Bert);
  CHECK(config.hidden_size == 32);
  CHECK(config.num_hidden_layers == 2);
  CHECK(config.num_attention_heads == 4);
  CHECK(config.head_dim() == 8);
  CHECK(config.intermediate_size == 64);
  CHECK(config.max_position_embeddings == 128);
  CHECK(config.type_vocab_size == 2);
  CHECK(config.vocab_size == 30522);
  CHECK(config.hidden_act == bertpp::Activation::Gelu);
  CHECK(config.layer_norm_eps == 1e-12f);
  CHECK(config.architecture() == "BertModel");
  CHECK(config.num_labels == 2);  // HF's default
  CHECK(config.id2label == std::vector<std::string>{"LABEL_0", "LABEL_1"});
}

TEST_CASE("missing fields take HF BertConfig defaults, model_type is inferred when absent") {
  const ModelConfig config = ModelConfig::from_json(Json::parse(R"({"architectures":["BertForMaskedLM"]})"));
  CHECK(config.model_type == bertpp::ModelType::Bert);
  CHECK(config.hidden_size == 768);
  CHECK(config.num_hidden_layers == 12);
  CHECK(config.num_attention_heads == 12);
  CHECK(config.intermediate_size == 3072);
  CHECK(config.max_position_embeddings == 512);
  CHECK(config.vocab_size == 30522);
  const ModelConfig distil = ModelConfig::from_json(Json::parse(R"({"dim":64,"n_layers":3,"n_heads":2})"));
  CHECK(distil.model_type == bertpp::ModelType::DistilBert);
  CHECK(distil.hidden_size == 64);
  CHECK(distil.intermediate_size == 3072);
}

TEST_CASE("DistilBERT names map onto the common fields") {
  const ModelConfig config = ModelConfig::from_json(Json::parse(R"({"model_type":"distilbert",
    "dim":32,"n_layers":2,"n_heads":4,"hidden_dim":64,"activation":"relu","max_position_embeddings":128,
    "sinusoidal_pos_embds":true,"vocab_size":100,"id2label":{"0":"NEG","1":"POS"},
    "label2id":{"NEG":0,"POS":1}})"));
  CHECK(config.model_type == bertpp::ModelType::DistilBert);
  CHECK(config.hidden_size == 32);
  CHECK(config.num_hidden_layers == 2);
  CHECK(config.num_attention_heads == 4);
  CHECK(config.intermediate_size == 64);
  CHECK(config.hidden_act == bertpp::Activation::Relu);
  CHECK(config.type_vocab_size == 0);
  CHECK(config.sinusoidal_pos_embds);
  CHECK(config.num_labels == 2);
  CHECK(config.id2label == std::vector<std::string>{"NEG", "POS"});
  CHECK(config.label2id.at("POS") == 1);
}

TEST_CASE("activation names follow HF's ACT2FN") {
  auto act = [](const char* name) {
    Json json = bert_json();
    json["hidden_act"] = name;
    return ModelConfig::from_json(json).hidden_act;
  };
  CHECK(act("gelu") == bertpp::Activation::Gelu);
  CHECK(act("gelu_new") == bertpp::Activation::GeluTanh);
  CHECK(act("gelu_pytorch_tanh") == bertpp::Activation::GeluTanh);
  CHECK(act("relu") == bertpp::Activation::Relu);
  CHECK(act("swish") == bertpp::Activation::Silu);
}

TEST_CASE("golden and real published configs load") {
  if (!bertpp_test::have_golden("models/bert-random-ner")) return;
  const ModelConfig ner = ModelConfig::from_file(bertpp_test::golden_path("models/bert-random-ner/config.json"));
  CHECK(ner.num_labels == 9);
  CHECK(ner.id2label[8] == "I-LOC");
  CHECK(ner.label2id.at("B-ORG") == 5);
  CHECK(ner.architecture() == "BertForTokenClassification");

  const ModelConfig gelu_new =
      ModelConfig::from_file(bertpp_test::golden_path("models/bert-random-gelu-new/config.json"));
  CHECK(gelu_new.hidden_act == bertpp::Activation::GeluTanh);
  CHECK(gelu_new.num_attention_heads == 6);

  const std::string real = bertpp_test::shared_dir() + "/real-model-files/";
  const ModelConfig minilm = ModelConfig::from_file(real + "all-MiniLM-L6-v2/config.json");
  CHECK(minilm.hidden_size == 384);
  CHECK(minilm.num_hidden_layers == 6);
  CHECK(minilm.num_attention_heads == 12);
  CHECK(minilm.intermediate_size == 1536);
  CHECK(minilm.max_position_embeddings == 512);
  const ModelConfig dslim = ModelConfig::from_file(real + "dslim-bert-base-NER/config.json");
  CHECK(dslim.vocab_size == 28996);
  CHECK(dslim.num_labels == 9);
  CHECK(dslim.id2label[3] == "B-PER");
  // A Marian translation model is not a BERT: refused by name.
  CHECK_THROWS_WITH(ModelConfig::from_file(real + "opus-mt-en-fr/config.json"),
                    Contains("field 'model_type' is 'marian'; supported: bert, distilbert, roberta"));
}

TEST_CASE("unsupported or invalid config values are ConfigErrors naming file and field") {
  Json json = bert_json();
  SECTION("unknown model_type") {
    json["model_type"] = "xlnet";
    refused(json, "field 'model_type' is 'xlnet'; supported: bert, distilbert, roberta");
  }
  SECTION("relative position embeddings") {
    json["position_embedding_type"] = "relative_key";
    refused(json, "field 'position_embedding_type' is 'relative_key'; only 'absolute' is supported");
  }
  SECTION("hidden size not divisible by the heads") {
    json["hidden_size"] = 30;
    refused(json, "field 'hidden_size' (30) is not a multiple of 'num_attention_heads' (4)");
  }
  SECTION("non-positive sizes") {
    json["num_hidden_layers"] = 0;
    refused(json, "field 'num_hidden_layers' must be positive, found 0");
    json = bert_json();
    json["vocab_size"] = -5;
    refused(json, "field 'vocab_size' must be positive, found -5");
  }
  SECTION("unknown activation") {
    json["hidden_act"] = "gelu_magic";
    refused(json, "field 'hidden_act' is 'gelu_magic', not a supported activation");
  }
  SECTION("wrong-typed field") {
    json["hidden_size"] = "thirty-two";
    refused(json, "field 'hidden_size' has the wrong type (string)");
  }
  SECTION("id2label with a gap or a bad key") {
    json["id2label"] = {{"0", "A"}, {"2", "C"}};
    refused(json, "field 'id2label' skips label id 1");
    json["id2label"] = {{"zero", "A"}};
    refused(json, "field 'id2label' entry 'zero' must map a non-negative integer to a string");
  }
  SECTION("pad_token_id outside the vocabulary") {
    json["pad_token_id"] = 40000;
    refused(json, "field 'pad_token_id' (40000) is outside the vocabulary [0, 30522)");
  }
  SECTION("no model_type and nothing to infer it from") {
    refused(Json::parse(R"({"foo": 1})"), "field 'model_type' is missing");
  }
  SECTION("not an object") { refused(Json::array(), "expected a JSON object"); }
}

TEST_CASE("a broken or missing config.json file is a ConfigError naming it") {
  bertpp_test::TempDir dir;
  const std::string path = dir.file("config.json");
  bertpp_test::write_file(path, R"({"model_type": "bert", "hidden_size": )");
  CHECK_THROWS_AS(ModelConfig::from_file(path), ConfigError);
  CHECK_THROWS_WITH(ModelConfig::from_file(path), Contains(path + ": invalid JSON"));
  CHECK_THROWS_WITH(ModelConfig::from_file(dir.file("absent.json")), Contains("absent.json: cannot open file"));
}
