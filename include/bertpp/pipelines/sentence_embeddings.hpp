// Sentence embeddings from a sentence-transformers folder (modules.json:
// Transformer -> Pooling -> optional Normalize), like SentenceTransformer.encode.
//
//   bertpp::SentenceTransformer model("all-MiniLM-L6-v2");
//   bertpp::Matrix e = model.encode({"A man is eating.", "A man rides a horse."});
//   bertpp::Matrix similarity = bertpp::cos_sim(e, e);
#pragma once

#include "bertpp/detail/json_file.hpp"
#include "bertpp/pipelines/detail/batch_rows.hpp"
#include "bertpp/pipelines/detail/json_args.hpp"
#include "bertpp/pipelines/detail/pooling.hpp"
#include "bertpp/pipelines/detail/python_text.hpp"
#include "bertpp/pipelines/pipeline.hpp"
#include "bertpp/pipelines/similarity.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace bertpp {

// What a sentence-transformers folder says about its modules.
struct SentenceTransformerConfig {
  std::string transformer_path;               // the Transformer module's folder ("" = root)
  std::optional<std::size_t> max_seq_length;  // nullopt: min(positions, tokenizer max)
  bool do_lower_case = false;                 // lowercase texts before tokenizing
  PoolingConfig pooling;
  bool normalize = false;                     // a Normalize module follows pooling

  // Reads modules.json, the Transformer's sentence_bert_config.json and the
  // Pooling module's config.json. A folder without modules.json is a plain
  // HF model: mean pooling, as sentence-transformers falls back to.
  static SentenceTransformerConfig from_folder(const std::string& dir) {
    SentenceTransformerConfig config;
    const std::string modules_path = dir + "/modules.json";
    if (exists(modules_path)) {
      const nlohmann::json modules = detail::read_json_file<ConfigError>(modules_path);
      if (!modules.is_array()) throw ConfigError(modules_path + ": expected a list of modules");
      bool has_pooling = false;
      for (const nlohmann::json& module : modules) {
        const std::string type = detail::json_required<std::string>(module, "type", modules_path);
        const std::string path = detail::json_field<std::string>(module, "path", "", modules_path);
        const std::string kind = type.substr(type.rfind('.') + 1);
        if (kind == "Transformer") {
          config.transformer_path = path;
        } else if (kind == "Pooling") {
          config.pooling = PoolingConfig::from_file(dir + "/" + path + "/config.json");
          has_pooling = true;
        } else if (kind == "Normalize") {
          config.normalize = true;
        } else {
          throw ConfigError(modules_path + ": module type '" + type +
                            "' is not supported (supported: Transformer, Pooling, Normalize)");
        }
      }
      if (!has_pooling) throw ConfigError(modules_path + ": no Pooling module");
    }
    config.read_transformer_settings(config.transformer_folder(dir));
    return config;
  }

  std::string transformer_folder(const std::string& dir) const {
    return transformer_path.empty() ? dir : dir + "/" + transformer_path;
  }

 private:
  static bool exists(const std::string& path) { return std::ifstream(path).good(); }

  void read_transformer_settings(const std::string& dir) {
    for (const char* name : {"sentence_bert_config.json", "sentence_roberta_config.json",
                             "sentence_distilbert_config.json"}) {
      const std::string path = dir + "/" + name;
      if (!exists(path)) continue;
      const nlohmann::json j = detail::read_json_file<ConfigError>(path);
      if (j.contains("max_seq_length") && !j.at("max_seq_length").is_null())
        max_seq_length = detail::json_required<std::size_t>(j, "max_seq_length", path);
      do_lower_case = detail::json_field<bool>(j, "do_lower_case", false, path);
      return;
    }
  }
};

struct SentenceEmbeddingOptions {
  // Normalize to unit length even when the folder has no Normalize module.
  bool normalize_embeddings = false;
  BatchOptions batch{32};
};

class SentenceEmbeddingPipeline : public Pipeline {
 public:
  explicit SentenceEmbeddingPipeline(const std::string& folder, const LoadOptions& options = {})
      : SentenceEmbeddingPipeline(folder, SentenceTransformerConfig::from_folder(folder), options) {}

  SentenceEmbeddingPipeline(const std::string& folder, SentenceTransformerConfig config,
                            const LoadOptions& options = {})
      : Pipeline(config.transformer_folder(folder), options), config_(std::move(config)) {
    finish_config();
  }

  // Shares an already loaded tokenizer and model (e.g. to pool them differently).
  SentenceEmbeddingPipeline(std::shared_ptr<const Tokenizer> tokenizer,
                            std::shared_ptr<const AutoModel> model, SentenceTransformerConfig config)
      : Pipeline(std::move(tokenizer), std::move(model)), config_(std::move(config)) {
    finish_config();
  }

  const SentenceTransformerConfig& config() const { return config_; }
  std::size_t max_seq_length() const { return *config_.max_seq_length; }
  // Length of one embedding.
  std::size_t dimension() const {
    return config_.pooling.mode_count() * static_cast<std::size_t>(model().config().hidden_size);
  }

  Vector encode(const std::string& sentence, const SentenceEmbeddingOptions& options = {}) const {
    return encode(std::vector<std::string>{sentence}, options).row(0);
  }

  // One embedding per sentence: [sentences, dimension()].
  Matrix encode(const std::vector<std::string>& sentences,
                const SentenceEmbeddingOptions& options = {}) const {
    if (sentences.empty()) return Matrix(0, static_cast<Eigen::Index>(dimension()));
    const std::vector<Encoding> encodings = tokenize(sentences);
    Matrix out;
    for_each_batch(encodings, options.batch,
                   [&](const std::vector<std::size_t>& indices, const ModelInput& batch) {
                     const EncoderOutput tokens = model().forward(batch, forward_options());
                     detail::scatter_rows(out, sentences.size(),
                                          detail::pool_tokens(tokens.last_hidden_state,
                                                              batch.attention_mask,
                                                              batch.batch_size, batch.seq_len,
                                                              config_.pooling),
                                          indices);
                   });
    if (config_.normalize || options.normalize_embeddings) detail::normalize_rows(out);
    return out;
  }

  // sentence-transformers' text preparation: strip, optional lowercase, then
  // tokenize with longest_first truncation to max_seq_length.
  std::vector<Encoding> tokenize(const std::vector<std::string>& sentences) const {
    std::vector<std::string> texts;
    texts.reserve(sentences.size());
    for (const std::string& s : sentences) {
      std::string text = detail::python_strip(s);
      texts.push_back(config_.do_lower_case ? detail::python_lower(text) : std::move(text));
    }
    EncodeOptions options;
    TruncationOptions truncation;
    truncation.max_length = max_seq_length();
    truncation.strategy = TruncationStrategy::LongestFirst;
    options.truncation = truncation;
    return tokenizer().encode_batch(texts, options);
  }

  // JSON call: {"inputs" (or "sentences"): str | [str], "normalize_embeddings": bool}.
  // One embedding (a list of numbers) for a string, a list of them for a list.
  nlohmann::json run(const nlohmann::json& args) const {
    detail::JsonArgs reader(args, "sentence-embeddings");
    const nlohmann::json& inputs =
        reader.has("sentences") ? reader.required("sentences") : reader.required("inputs");
    SentenceEmbeddingOptions options;
    options.normalize_embeddings = reader.get<bool>("normalize_embeddings", false);
    options.batch.batch_size = reader.count("batch_size", options.batch.batch_size);
    reader.reject_unknown();
    const Matrix embeddings = encode(reader.string_list(inputs, "inputs"), options);
    nlohmann::json out = nlohmann::json::array();
    for (Eigen::Index r = 0; r < embeddings.rows(); ++r) {
      nlohmann::json row = nlohmann::json::array();
      for (Eigen::Index c = 0; c < embeddings.cols(); ++c)
        row.push_back(static_cast<double>(embeddings(r, c)));
      out.push_back(std::move(row));
    }
    return inputs.is_array() ? out : out.front();
  }

 private:
  void finish_config() {
    const auto hidden = static_cast<std::size_t>(model().config().hidden_size);
    if (config_.pooling.word_embedding_dimension != 0 &&
        config_.pooling.word_embedding_dimension != hidden)
      throw ConfigError("pooling config: word_embedding_dimension " +
                        std::to_string(config_.pooling.word_embedding_dimension) +
                        " does not match the model's hidden size " + std::to_string(hidden));
    const auto positions = static_cast<std::size_t>(model().config().max_sequence_length());
    if (!config_.max_seq_length)
      config_.max_seq_length = std::min(positions, tokenizer().options().model_max_length);
    if (*config_.max_seq_length < 2)
      throw ConfigError("sentence_bert_config.json: max_seq_length " +
                        std::to_string(*config_.max_seq_length) + " leaves no room for text");
  }

  SentenceTransformerConfig config_;
};

// sentence-transformers' name for the same thing.
using SentenceTransformer = SentenceEmbeddingPipeline;

}  // namespace bertpp
