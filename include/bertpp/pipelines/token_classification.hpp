// HF's token-classification ("ner") pipeline: a label per token, optionally
// fused into words and grouped into entities.
//
//   bertpp::TokenClassificationPipeline ner("models/bert-ner");
//   bertpp::TokenClassificationOptions options;
//   options.aggregation_strategy = bertpp::AggregationStrategy::Simple;
//   for (const auto& e : ner("Angela Merkel met Emmanuel Macron in Paris.", options))
//     std::cout << e.entity << " " << e.word << " " << e.score << "\n";  // PER angela merkel ...
#pragma once

#include "bertpp/error.hpp"
#include "bertpp/pipelines/detail/json_args.hpp"
#include "bertpp/pipelines/detail/model_labels.hpp"
#include "bertpp/pipelines/detail/ner_aggregation.hpp"
#include "bertpp/pipelines/detail/scores.hpp"
#include "bertpp/pipelines/pipeline.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace bertpp {

// HF's option names and defaults.
struct TokenClassificationOptions {
  // Results whose label (per token) or group (aggregated) is listed are dropped.
  std::vector<std::string> ignore_labels{"O"};
  AggregationStrategy aggregation_strategy = AggregationStrategy::None;
  BatchOptions batch;
};

class TokenClassificationPipeline : public Pipeline {
 public:
  using Pipeline::Pipeline;

  std::vector<TokenClassificationEntity> operator()(
      const std::string& text, const TokenClassificationOptions& options = {}) const {
    return std::move((*this)(std::vector<std::string>{text}, options).front());
  }

  std::vector<std::vector<TokenClassificationEntity>> operator()(
      const std::vector<std::string>& texts, const TokenClassificationOptions& options = {}) const {
    const std::vector<std::string>& labels = detail::id2label_names(model().config());
    const std::vector<Encoding> encodings = tokenizer().encode_batch(texts, encode_options());

    std::vector<std::vector<TokenClassificationEntity>> results(texts.size());
    for_each_batch(encodings, options.batch,
                   [&](const std::vector<std::size_t>& indices, const ModelInput& batch) {
                     const Matrix logits = model().token_classification_logits(batch, forward_options());
                     check_labels(static_cast<std::size_t>(logits.cols()), labels.size());
                     for (std::size_t i = 0; i < indices.size(); ++i) {
                       const std::size_t k = indices[i];
                       const float* rows = logits.data() + static_cast<Eigen::Index>(i) *
                                                               batch.seq_len * logits.cols();
                       results[k] = entities(texts[k], encodings[k], rows, labels, options);
                     }
                   });
    return results;
  }

  // HF's call with JSON arguments: {"inputs": str | [str],
  // "aggregation_strategy": "none"|"simple"|"first"|"average"|"max",
  // "ignore_labels": [str], "batch_size"}, plus HF's legacy
  // "grouped_entities" / "ignore_subwords". A string gives its entity list, a
  // list of strings a list of those.
  nlohmann::json run(const nlohmann::json& args) const {
    detail::JsonArgs reader(args, "token-classification");
    const nlohmann::json& inputs = reader.required("inputs");
    TokenClassificationOptions options;
    const bool grouped = reader.get<bool>("grouped_entities", false);
    const bool ignore_subwords = reader.get<bool>("ignore_subwords", false);
    if (grouped)
      options.aggregation_strategy =
          ignore_subwords ? AggregationStrategy::First : AggregationStrategy::Simple;
    const std::string strategy = reader.get<std::string>("aggregation_strategy", "");
    if (!strategy.empty()) options.aggregation_strategy = parse_aggregation_strategy(strategy);
    options.ignore_labels =
        reader.get<std::vector<std::string>>("ignore_labels", options.ignore_labels);
    options.batch.batch_size = reader.get<std::size_t>("batch_size", options.batch.batch_size);
    reader.reject_unknown();

    const auto results = (*this)(reader.string_list(inputs, "inputs"), options);
    nlohmann::json out = nlohmann::json::array();
    for (const auto& entities : results) {
      nlohmann::json list = nlohmann::json::array();
      for (const TokenClassificationEntity& e : entities) list.push_back(e.to_json());
      out.push_back(std::move(list));
    }
    return inputs.is_string() ? out.front() : out;
  }

 private:
  // HF's preprocess truncates to the tokenizer's model_max_length.
  EncodeOptions encode_options() const {
    EncodeOptions encode;
    const std::size_t max_length = tokenizer().options().model_max_length;
    if (max_length > 0) encode.truncation = TruncationOptions{max_length};
    return encode;
  }

  static void check_labels(std::size_t logits, std::size_t labels) {
    if (logits != labels)
      throw ArgumentError("token classification: the model gives " + std::to_string(logits) +
                          " logits per token but config.json names " + std::to_string(labels) +
                          " labels");
  }

  // Softmax per token, then HF's gather_pre_entities / aggregate / filter.
  std::vector<TokenClassificationEntity> entities(const std::string& text, const Encoding& encoding,
                                                  const float* logits,
                                                  const std::vector<std::string>& labels,
                                                  const TokenClassificationOptions& options) const {
    const std::size_t n = labels.size();
    std::vector<float> probs(logits, logits + encoding.size() * n);
    for (std::size_t t = 0; t < encoding.size(); ++t) detail::softmax_inplace(&probs[t * n], n);
    // WordPiece's "##" makes the tokenizer word-aware; byte-level BPE has no
    // such prefix, so HF falls back to its space heuristic.
    const bool word_aware = !tokenizer().continuing_subword_prefix().empty();
    const std::vector<detail::NerPreEntity> pre =
        detail::ner_pre_entities(encoding, text, char_offsets(encoding, text), probs.data(), n,
                                 tokenizer().unk_id(), word_aware);
    const detail::NerJoinTokens join = [this](const std::vector<std::string>& tokens) {
      return tokenizer().convert_tokens_to_string(tokens);
    };
    return detail::ner_aggregate(pre, options.aggregation_strategy, labels, options.ignore_labels,
                                 join);
  }
};

}  // namespace bertpp
