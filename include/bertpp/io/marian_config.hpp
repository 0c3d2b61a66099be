// config.json of a MarianMT model (model_type "marian"): BART-style keys
// (d_model, encoder_layers, decoder_attention_heads, ...), read with
// transformers' MarianConfig defaults. Settings bertpp does not implement
// (pre-LayerNorm, learned positions, separate vocabularies) throw ConfigError.
#pragma once

#include "bertpp/detail/json_file.hpp"
#include "bertpp/error.hpp"
#include "bertpp/nn/activations.hpp"

#include <Eigen/Core>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace bertpp {

struct MarianConfig {
  std::string path;  // the file it was read from, for messages
  std::vector<std::string> architectures;

  Eigen::Index vocab_size = 58101;
  Eigen::Index decoder_vocab_size = 58101;
  Eigen::Index d_model = 1024;
  Eigen::Index encoder_layers = 12, decoder_layers = 12;
  Eigen::Index encoder_attention_heads = 16, decoder_attention_heads = 16;
  Eigen::Index encoder_ffn_dim = 4096, decoder_ffn_dim = 4096;
  Eigen::Index max_position_embeddings = 1024;
  Activation activation = Activation::GeluTanh;
  std::string activation_function = "gelu";
  bool scale_embedding = false;
  std::int32_t pad_token_id = 58100;
  std::int32_t eos_token_id = 0;
  std::int32_t decoder_start_token_id = 58100;
  float layer_norm_eps = 1e-5f;  // torch.nn.LayerNorm's default; Marian does not configure it

  // sqrt(d_model) when scale_embedding, else 1 (HF's embed_scale).
  float embed_scale() const {
    return scale_embedding ? static_cast<float>(std::sqrt(static_cast<double>(d_model))) : 1.0f;
  }
  std::string architecture() const { return architectures.empty() ? "" : architectures.front(); }

  static bool is_marian(const nlohmann::json& json) {
    return json.is_object() && json.contains("model_type") && json["model_type"] == "marian";
  }

  static MarianConfig from_file(const std::string& path) {
    return from_json(detail::read_json_file<ConfigError>(path), path);
  }

  static MarianConfig from_json(const nlohmann::json& json, const std::string& path = "config.json") {
    if (!json.is_object()) detail::throw_error<ConfigError>({path, ": expected a JSON object"});
    MarianConfig c;
    c.path = path;
    const std::string type = detail::json_field<std::string>(json, "model_type", "", path);
    if (type != "marian")
      detail::throw_error<ConfigError>(
          {path, ": field 'model_type' is '", type, "', expected 'marian'"});
    c.architectures = detail::json_field<std::vector<std::string>>(json, "architectures", {}, path);
    auto field = [&](const char* key, Eigen::Index fallback) {
      return detail::json_field<Eigen::Index>(json, key, fallback, path);
    };
    c.vocab_size = field("vocab_size", c.vocab_size);
    c.decoder_vocab_size = field("decoder_vocab_size", c.vocab_size);
    c.d_model = field("d_model", c.d_model);
    c.encoder_layers = field("encoder_layers", c.encoder_layers);
    c.decoder_layers = field("decoder_layers", c.decoder_layers);
    c.encoder_attention_heads = field("encoder_attention_heads", c.encoder_attention_heads);
    c.decoder_attention_heads = field("decoder_attention_heads", c.decoder_attention_heads);
    c.encoder_ffn_dim = field("encoder_ffn_dim", c.encoder_ffn_dim);
    c.decoder_ffn_dim = field("decoder_ffn_dim", c.decoder_ffn_dim);
    c.max_position_embeddings = field("max_position_embeddings", c.max_position_embeddings);
    c.activation_function = detail::json_field<std::string>(json, "activation_function", "gelu", path);
    if (!parse_activation(c.activation_function, c.activation))
      detail::throw_error<ConfigError>({path, ": field 'activation_function' is '",
                                        c.activation_function, "', not a supported activation (",
                                        supported_activation_names(), ")"});
    c.scale_embedding = detail::json_field<bool>(json, "scale_embedding", false, path);
    c.pad_token_id = detail::json_field<std::int32_t>(json, "pad_token_id", c.pad_token_id, path);
    c.eos_token_id = detail::json_field<std::int32_t>(json, "eos_token_id", c.eos_token_id, path);
    c.decoder_start_token_id =
        detail::json_field<std::int32_t>(json, "decoder_start_token_id", c.pad_token_id, path);
    if (detail::json_field<bool>(json, "normalize_before", false, path))
      detail::throw_error<ConfigError>(
          {path,
           ": field 'normalize_before' is true; only post-LayerNorm Marian models are supported"});
    if (!detail::json_field<bool>(json, "static_position_embeddings", true, path))
      detail::throw_error<ConfigError>({path,
                                        ": field 'static_position_embeddings' is false; only "
                                        "sinusoidal positions are supported"});
    if (detail::json_field<bool>(json, "normalize_embedding", false, path) ||
        detail::json_field<bool>(json, "add_final_layer_norm", false, path))
      detail::throw_error<ConfigError>({path,
                                        ": embedding / final LayerNorms (normalize_embedding, "
                                        "add_final_layer_norm) are not supported"});
    if (!detail::json_field<bool>(json, "share_encoder_decoder_embeddings", true, path) ||
        c.decoder_vocab_size != c.vocab_size)
      detail::throw_error<ConfigError>(
          {path,
           ": separate source and target vocabularies are not supported "
           "(share_encoder_decoder_embeddings false or decoder_vocab_size != vocab_size)"});
    c.validate();
    return c;
  }

 private:
  void require_positive(Eigen::Index value, const char* key) const {
    if (value <= 0 || value > (Eigen::Index{1} << 31))
      detail::throw_error<ConfigError>(
          {path, ": field '", key, "' must be a positive size, found ", std::to_string(value)});
  }

  void validate() const {
    require_positive(vocab_size, "vocab_size");
    require_positive(d_model, "d_model");
    require_positive(encoder_layers, "encoder_layers");
    require_positive(decoder_layers, "decoder_layers");
    require_positive(encoder_attention_heads, "encoder_attention_heads");
    require_positive(decoder_attention_heads, "decoder_attention_heads");
    require_positive(encoder_ffn_dim, "encoder_ffn_dim");
    require_positive(decoder_ffn_dim, "decoder_ffn_dim");
    require_positive(max_position_embeddings, "max_position_embeddings");
    if (encoder_layers > 1024 || decoder_layers > 1024)
      detail::throw_error<ConfigError>({path, ": more than 1024 layers is not a Marian model"});
    for (auto [heads, key] : {std::pair<Eigen::Index, const char*>{encoder_attention_heads, "encoder_attention_heads"},
                              {decoder_attention_heads, "decoder_attention_heads"}})
      if (d_model % heads != 0)
        detail::throw_error<ConfigError>({path, ": field 'd_model' (", std::to_string(d_model),
                                          ") is not a multiple of '", key, "' (",
                                          std::to_string(heads), ")"});
    for (auto [id, key] : {std::pair<std::int32_t, const char*>{pad_token_id, "pad_token_id"},
                           {eos_token_id, "eos_token_id"},
                           {decoder_start_token_id, "decoder_start_token_id"}})
      if (id < 0 || id >= vocab_size)
        detail::throw_error<ConfigError>({path, ": field '", key, "' (", std::to_string(id),
                                          ") is outside the vocabulary [0, ",
                                          std::to_string(vocab_size), ")"});
  }
};

}  // namespace bertpp
