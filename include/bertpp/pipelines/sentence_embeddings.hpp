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
#include <numeric>
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
      if (!modules.is_array())
        detail::throw_error<ConfigError>({modules_path, ": expected a list of modules"});
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
          detail::throw_error<ConfigError>(
              {modules_path, ": module type '", type,
               "' is not supported (supported: Transformer, Pooling, Normalize)"});
        }
      }
      if (!has_pooling) detail::throw_error<ConfigError>({modules_path, ": no Pooling module"});
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

// What encode() does with a text longer than max_seq_length tokens.
enum class LongTextStrategy {
  // Keep the first max_seq_length tokens (sentence-transformers' behaviour).
  Truncate,
  // Embed the whole text: overlapping windows of max_seq_length tokens (each
  // with its own [CLS] ... [SEP]), consecutive windows sharing window_stride
  // word pieces. Each window w is pooled as usual into p_w; with n_w its
  // token count (special tokens included), the text's embedding is
  //     e = (sum_w n_w * p_w) / (sum_w n_w),
  // then normalised when the model has a Normalize module (or
  // normalize_embeddings is set). A text that fits one window gets exactly
  // its Truncate embedding.
  Windows
};

struct SentenceEmbeddingOptions {
  // Normalize to unit length even when the folder has no Normalize module.
  bool normalize_embeddings = false;
  LongTextStrategy long_text = LongTextStrategy::Truncate;
  // Windows: word pieces shared by consecutive windows; less than
  // max_seq_length minus the special tokens of one window.
  std::size_t window_stride = 0;
  // Windows of all texts are batched together.
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
    const bool windows = options.long_text == LongTextStrategy::Windows;
    // owner[i]: the sentence encoding i belongs to (one each when truncating).
    std::vector<std::size_t> owner;
    const std::vector<Encoding> encodings =
        windows ? tokenize_windows(sentences, options.window_stride, owner) : tokenize(sentences);
    if (!windows) {
      owner.resize(encodings.size());
      std::iota(owner.begin(), owner.end(), std::size_t{0});
    }
    Matrix pooled;
    for_each_batch(encodings, options.batch,
                   [&](const std::vector<std::size_t>& indices, const ModelInput& batch) {
                     const EncoderOutput tokens = model().forward(batch, forward_options());
                     detail::scatter_rows(pooled, encodings.size(),
                                          detail::pool_tokens(tokens.last_hidden_state,
                                                              batch.attention_mask,
                                                              batch.batch_size, batch.seq_len,
                                                              config_.pooling),
                                          indices);
                   });
    Matrix out;
    if (!windows) {
      out = std::move(pooled);
    } else {
      // e = sum_w n_w p_w / sum_w n_w over each sentence's windows.
      out = Matrix::Zero(static_cast<Eigen::Index>(sentences.size()), pooled.cols());
      std::vector<double> tokens(sentences.size(), 0.0);
      for (std::size_t w = 0; w < encodings.size(); ++w) {
        const auto n = static_cast<float>(encodings[w].size());
        out.row(static_cast<Eigen::Index>(owner[w])) += n * pooled.row(static_cast<Eigen::Index>(w));
        tokens[owner[w]] += n;
      }
      for (std::size_t i = 0; i < sentences.size(); ++i)
        out.row(static_cast<Eigen::Index>(i)) /= static_cast<float>(tokens[i]);
    }
    if (config_.normalize || options.normalize_embeddings) detail::normalize_rows(out);
    return out;
  }

  // sentence-transformers' text preparation: strip, optional lowercase, then
  // tokenize with longest_first truncation to max_seq_length.
  std::vector<Encoding> tokenize(const std::vector<std::string>& sentences) const {
    return tokenizer().encode_batch(prepare(sentences), truncation_options(0));
  }

  // LongTextStrategy::Windows: every window of every sentence, in sentence
  // order; owner[i] is the sentence of window i.
  std::vector<Encoding> tokenize_windows(const std::vector<std::string>& sentences,
                                         std::size_t window_stride,
                                         std::vector<std::size_t>& owner) const {
    const std::size_t room = max_seq_length() - std::min(max_seq_length(),
                                                         tokenizer().num_special_tokens_to_add(false));
    if (window_stride >= room)
      detail::throw_error<ArgumentError>(
          {"sentence embeddings: window_stride ", std::to_string(window_stride),
           " must be smaller than the ", std::to_string(room),
           " word pieces a window of max_seq_length ", std::to_string(max_seq_length()), " holds"});
    EncodeOptions windows_options = truncation_options(window_stride);
    windows_options.return_overflowing_tokens = true;  // the windows after the first
    std::vector<Encoding> firsts = tokenizer().encode_batch(prepare(sentences), windows_options);
    std::vector<Encoding> windows;
    owner.clear();
    for (std::size_t i = 0; i < firsts.size(); ++i) {
      std::vector<Encoding> rest = std::move(firsts[i].overflowing);
      firsts[i].overflowing.clear();
      windows.push_back(std::move(firsts[i]));
      owner.push_back(i);
      for (Encoding& window : rest) {
        windows.push_back(std::move(window));
        owner.push_back(i);
      }
    }
    return windows;
  }

  // JSON call: {"inputs" (or "sentences"): str | [str], "normalize_embeddings": bool,
  // "long_text": "truncate" | "windows", "window_stride": int, "batch_size": int}.
  // One embedding (a list of numbers) for a string, a list of them for a list.
  nlohmann::json run(const nlohmann::json& args) const {
    detail::JsonArgs reader(args, "sentence-embeddings");
    const nlohmann::json& inputs =
        reader.has("sentences") ? reader.required("sentences") : reader.required("inputs");
    SentenceEmbeddingOptions options;
    options.normalize_embeddings = reader.get<bool>("normalize_embeddings", false);
    const std::string long_text = reader.get<std::string>("long_text", "truncate");
    if (long_text == "windows") {
      options.long_text = LongTextStrategy::Windows;
    } else if (long_text != "truncate") {
      detail::throw_error<ArgumentError>(
          {"sentence-embeddings: long_text must be truncate or windows, got '", long_text, "'"});
    }
    options.window_stride = reader.count("window_stride", options.window_stride);
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
      detail::throw_error<ConfigError>({"pooling config: word_embedding_dimension ",
                                        std::to_string(config_.pooling.word_embedding_dimension),
                                        " does not match the model's hidden size ",
                                        std::to_string(hidden)});
    const auto positions = static_cast<std::size_t>(model().config().max_sequence_length());
    if (!config_.max_seq_length)
      config_.max_seq_length = std::min(positions, tokenizer().options().model_max_length);
    if (*config_.max_seq_length < 2)
      detail::throw_error<ConfigError>({"sentence_bert_config.json: max_seq_length ",
                                        std::to_string(*config_.max_seq_length),
                                        " leaves no room for text"});
  }

  // Stripped, and lowercased when the model says so.
  std::vector<std::string> prepare(const std::vector<std::string>& sentences) const {
    std::vector<std::string> texts;
    texts.reserve(sentences.size());
    for (const std::string& s : sentences) {
      std::string text = detail::python_strip(s);
      texts.push_back(config_.do_lower_case ? detail::python_lower(text) : std::move(text));
    }
    return texts;
  }

  EncodeOptions truncation_options(std::size_t stride) const {
    EncodeOptions options;
    options.truncation = TruncationOptions{max_seq_length(), TruncationStrategy::LongestFirst, stride};
    return options;
  }

  SentenceTransformerConfig config_;
};

// sentence-transformers' name for the same thing.
using SentenceTransformer = SentenceEmbeddingPipeline;

}  // namespace bertpp
