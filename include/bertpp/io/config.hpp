// config.json of a BERT, DistilBERT or RoBERTa model, normalised to one set
// of field names (DistilBERT's dim/n_layers/... are mapped onto BERT's; the
// family's table in io/model_family.hpp says which key is which). Missing
// fields take HuggingFace's defaults; unsupported values throw ConfigError.
#pragma once

#include "bertpp/detail/json_file.hpp"
#include "bertpp/error.hpp"
#include "bertpp/io/model_family.hpp"
#include "bertpp/nn/activations.hpp"

#include <Eigen/Core>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace bertpp {

struct ModelConfig {
  std::string path;  // the file it was read from, for messages
  ModelType model_type = ModelType::Bert;
  std::string model_type_name = "bert";
  std::vector<std::string> architectures;

  Eigen::Index vocab_size = 30522;
  Eigen::Index hidden_size = 768;           // DistilBERT: dim
  Eigen::Index num_hidden_layers = 12;      // DistilBERT: n_layers
  Eigen::Index num_attention_heads = 12;    // DistilBERT: n_heads
  Eigen::Index intermediate_size = 3072;    // DistilBERT: hidden_dim
  Eigen::Index max_position_embeddings = 512;
  Eigen::Index type_vocab_size = 2;         // 0 for DistilBERT (no token types)
  std::int32_t pad_token_id = 0;            // RoBERTa: also the position padding index
  Activation hidden_act = Activation::Gelu;  // DistilBERT: activation
  std::string hidden_act_name = "gelu";
  float layer_norm_eps = 1e-12f;             // DistilBERT: fixed 1e-12; RoBERTa checkpoints: 1e-5
  std::string position_embedding_type = "absolute";
  bool sinusoidal_pos_embds = false;         // DistilBERT; the table is in the weights either way

  // Labels of classification heads: id2label[i] is label i.
  std::vector<std::string> id2label;
  std::map<std::string, std::int64_t> label2id;
  Eigen::Index num_labels = 2;
  std::string problem_type;  // "" when unset

  // The family's names, defaults and quirks (see io/model_family.hpp).
  const ModelFamily& family() const { return ModelFamily::of(model_type); }

  Eigen::Index head_dim() const { return hidden_size / num_attention_heads; }
  // Position ids the family uses before the first token's (RoBERTa: the
  // padding index and below), so the longest input is
  // max_position_embeddings minus this.
  Eigen::Index position_offset() const {
    return family().positions == PositionScheme::AfterPadding ? Eigen::Index{pad_token_id} + 1 : 0;
  }
  // The most tokens one sequence may have (HF: max_position_embeddings,
  // less RoBERTa's offset).
  Eigen::Index max_sequence_length() const { return max_position_embeddings - position_offset(); }
  // The first entry of `architectures`, or "" when absent.
  std::string architecture() const { return architectures.empty() ? "" : architectures.front(); }

  static ModelConfig from_file(const std::string& path) {
    return from_json(detail::read_json_file<ConfigError>(path), path);
  }

  static ModelConfig from_json(const nlohmann::json& json, const std::string& path = "config.json") {
    if (!json.is_object()) detail::throw_error<ConfigError>({path, ": expected a JSON object"});
    ModelConfig config;
    config.path = path;
    config.architectures = detail::json_field<std::vector<std::string>>(json, "architectures", {}, path);
    config.model_type_name = detect_model_type(json, config.architectures, path);
    const ModelFamily* family = ModelFamily::find(config.model_type_name);
    if (!family)
      detail::throw_error<ConfigError>({path, ": field 'model_type' is '", config.model_type_name,
                                        "'; supported: ", ModelFamily::supported_names()});
    config.read_family_fields(json, *family);
    config.read_labels(json);
    config.problem_type = detail::json_field<std::string>(json, "problem_type", "", path);
    config.validate();
    return config;
  }

 private:
  // Old configs may lack model_type: infer it from architectures or fields.
  static std::string detect_model_type(const nlohmann::json& json,
                                       const std::vector<std::string>& architectures,
                                       const std::string& path) {
    std::string type = detail::json_field<std::string>(json, "model_type", "", path);
    if (!type.empty()) return type;
    for (const auto& name : architectures)
      for (const ModelFamily& family : ModelFamily::all())
        if (name.rfind(family.architecture_prefix, 0) == 0) return family.name;
    if (json.contains("n_layers") && json.contains("dim")) return "distilbert";
    if (json.contains("hidden_size") && json.contains("num_hidden_layers")) return "bert";
    detail::throw_error<ConfigError>(
        {path, ": field 'model_type' is missing and the model type cannot be inferred"});
  }

  template <typename T>
  T field(const nlohmann::json& json, const char* key, const T& fallback) const {
    return detail::json_field<T>(json, key, fallback, path);
  }

  void set_activation(const std::string& name, const char* key) {
    if (!parse_activation(name, hidden_act))
      detail::throw_error<ConfigError>({path, ": field '", key, "' is '", name,
                                        "', not a supported activation (",
                                        supported_activation_names(), ")"});
    hidden_act_name = name;
  }

  // The hyper-parameters under the family's key names.
  void read_family_fields(const nlohmann::json& json, const ModelFamily& family) {
    const FamilyConfigKeys& keys = family.config;
    model_type = family.type;
    vocab_size = field<Eigen::Index>(json, "vocab_size", keys.default_vocab_size);
    hidden_size = field<Eigen::Index>(json, keys.hidden_size, hidden_size);
    num_hidden_layers = field<Eigen::Index>(json, keys.num_hidden_layers, keys.default_num_hidden_layers);
    num_attention_heads = field<Eigen::Index>(json, keys.num_attention_heads, num_attention_heads);
    intermediate_size = field<Eigen::Index>(json, keys.intermediate_size, intermediate_size);
    max_position_embeddings = field<Eigen::Index>(json, "max_position_embeddings", max_position_embeddings);
    type_vocab_size = keys.type_vocab_size
                          ? field<Eigen::Index>(json, keys.type_vocab_size, keys.default_type_vocab_size)
                          : 0;
    layer_norm_eps = keys.layer_norm_eps ? field<float>(json, keys.layer_norm_eps, keys.default_layer_norm_eps)
                                         : keys.default_layer_norm_eps;
    set_activation(field<std::string>(json, keys.activation, "gelu"), keys.activation);
    position_embedding_type = field<std::string>(json, "position_embedding_type", "absolute");
    sinusoidal_pos_embds = field<bool>(json, "sinusoidal_pos_embds", false);
    pad_token_id = field<std::int32_t>(json, "pad_token_id", keys.default_pad_token_id);
  }

  // id2label keys are "0".."n-1"; HF derives num_labels from it.
  void read_labels(const nlohmann::json& json) {
    auto id2 = json.find("id2label");
    if (id2 != json.end() && !id2->is_null()) {
      if (!id2->is_object())
        detail::throw_error<ConfigError>({path, ": field 'id2label' must be an object"});
      std::map<std::int64_t, std::string> by_id;
      for (auto it = id2->begin(); it != id2->end(); ++it) {
        std::size_t used = 0;
        std::int64_t id = -1;
        try {
          id = std::stoll(it.key(), &used);
        } catch (const std::exception&) {
          used = 0;
        }
        if (used != it.key().size() || id < 0 || !it.value().is_string())
          detail::throw_error<ConfigError>({path, ": field 'id2label' entry '", it.key(),
                                            "' must map a non-negative integer to a string"});
        by_id[id] = it.value().get<std::string>();
      }
      for (const auto& entry : by_id) {
        if (entry.first != static_cast<std::int64_t>(id2label.size()))
          detail::throw_error<ConfigError>(
              {path, ": field 'id2label' skips label id ", std::to_string(id2label.size())});
        id2label.push_back(entry.second);
      }
    }
    // Entry by entry: get<map<string, int64>> would cast 1e300 (undefined behaviour).
    const auto l2i = json.find("label2id");
    if (l2i != json.end() && !l2i->is_null()) {
      if (!l2i->is_object())
        detail::throw_error<ConfigError>({path, ": field 'label2id' must be an object"});
      for (auto it = l2i->begin(); it != l2i->end(); ++it)
        label2id[it.key()] = detail::json_integer<std::int64_t, ConfigError>(it.value(), "label2id", path);
    }
    if (!id2label.empty()) {
      num_labels = static_cast<Eigen::Index>(id2label.size());
    } else {
      num_labels = field<Eigen::Index>(json, "num_labels", 2);
      for (Eigen::Index i = 0; i < num_labels && i < 100000; ++i)  // HF's LABEL_i defaults
        id2label.push_back("LABEL_" + std::to_string(i));
    }
  }

  void require_positive(Eigen::Index value, const char* key) const {
    if (value <= 0)
      detail::throw_error<ConfigError>(
          {path, ": field '", key, "' must be positive, found ", std::to_string(value)});
  }

  void validate() const {
    const FamilyConfigKeys& keys = family().config;
    require_positive(vocab_size, "vocab_size");
    require_positive(hidden_size, keys.hidden_size);
    require_positive(num_hidden_layers, keys.num_hidden_layers);
    require_positive(num_attention_heads, keys.num_attention_heads);
    require_positive(intermediate_size, keys.intermediate_size);
    require_positive(max_position_embeddings, "max_position_embeddings");
    require_positive(num_labels, "num_labels");
    if (keys.type_vocab_size) require_positive(type_vocab_size, keys.type_vocab_size);
    if (hidden_size % num_attention_heads != 0)
      detail::throw_error<ConfigError>({path, ": field '", keys.hidden_size, "' (",
                                        std::to_string(hidden_size), ") is not a multiple of '",
                                        keys.num_attention_heads, "' (",
                                        std::to_string(num_attention_heads), ")"});
    if (position_embedding_type != "absolute")
      detail::throw_error<ConfigError>({path, ": field 'position_embedding_type' is '",
                                        position_embedding_type,
                                        "'; only 'absolute' is supported"});
    if (!(layer_norm_eps > 0.0f))
      detail::throw_error<ConfigError>({path, ": field 'layer_norm_eps' must be positive"});
    if (pad_token_id < 0 || pad_token_id >= vocab_size)
      detail::throw_error<ConfigError>(
          {path, ": field 'pad_token_id' (", std::to_string(pad_token_id),
           ") is outside the vocabulary [0, ", std::to_string(vocab_size), ")"});
    if (max_sequence_length() < 1)
      detail::throw_error<ConfigError>({path, ": field 'max_position_embeddings' (",
                                        std::to_string(max_position_embeddings),
                                        ") leaves no position for a token after the padding index ",
                                        std::to_string(pad_token_id)});
  }
};

}  // namespace bertpp
