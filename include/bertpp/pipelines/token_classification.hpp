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

#include <algorithm>
#include <cstddef>
#include <iterator>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace bertpp {

// HF's option names and defaults.
struct TokenClassificationOptions {
  // Results whose label (per token) or group (aggregated) is listed are dropped.
  std::vector<std::string> ignore_labels{"O"};
  AggregationStrategy aggregation_strategy = AggregationStrategy::None;
  // HF's `stride`: a text longer than one window is split into overlapping
  // windows of the model's length (the tokenizer's model_max_length, at most
  // the model's max_position_embeddings) sharing `stride` word pieces; each
  // window is labelled and aggregated on its own, then overlapping entities
  // are resolved (the longer one wins, then the higher score). Without a
  // stride the text is truncated to model_max_length, as HF does. With
  // strategy None the per-token results of all windows are merged that way
  // (HF's behaviour when no aggregation_strategy is passed).
  std::optional<std::size_t> stride;
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
    const EncodeOptions encode = encode_options(options);
    // Every window of every text, batched together; `owner` maps a window
    // back to its text. Windows keep their text's order.
    std::vector<Encoding> windows;
    std::vector<std::size_t> owner;
    std::vector<Encoding> encodings = tokenizer().encode_batch(texts, encode);  // in parallel
    for (std::size_t t = 0; t < texts.size(); ++t) {
      Encoding& encoding = encodings[t];
      // Without a stride the overflow is dropped: HF labels the first window only.
      std::vector<Encoding> overflowing;
      if (options.stride) overflowing = std::move(encoding.overflowing);
      encoding.overflowing.clear();
      windows.push_back(std::move(encoding));
      owner.push_back(t);
      for (Encoding& window : overflowing) {
        windows.push_back(std::move(window));
        owner.push_back(t);
      }
    }

    std::vector<std::vector<TokenClassificationEntity>> per_window(windows.size());
    for_each_batch(windows, options.batch,
                   [&](const std::vector<std::size_t>& indices, const ModelInput& batch) {
                     const Matrix logits = model().token_classification_logits(batch, forward_options());
                     check_labels(static_cast<std::size_t>(logits.cols()), labels.size());
                     for (std::size_t i = 0; i < indices.size(); ++i) {
                       const std::size_t w = indices[i];
                       const float* rows = logits.data() + static_cast<Eigen::Index>(i) *
                                                               batch.seq_len * logits.cols();
                       per_window[w] = entities(texts[owner[w]], windows[w], rows, labels, options);
                     }
                   });

    std::vector<std::vector<TokenClassificationEntity>> results(texts.size());
    std::vector<std::size_t> window_count(texts.size(), 0);
    for (std::size_t w = 0; w < windows.size(); ++w) {
      std::vector<TokenClassificationEntity>& out = results[owner[w]];
      out.insert(out.end(), std::make_move_iterator(per_window[w].begin()),
                 std::make_move_iterator(per_window[w].end()));
      ++window_count[owner[w]];
    }
    for (std::size_t t = 0; t < texts.size(); ++t)
      if (window_count[t] > 1) results[t] = detail::ner_resolve_overlaps(std::move(results[t]));
    return results;
  }

  // HF's call with JSON arguments: {"inputs": str | [str],
  // "aggregation_strategy": "none"|"simple"|"first"|"average"|"max",
  // "ignore_labels": [str], "stride": int, "batch_size"}, plus HF's legacy
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
    options.stride = reader.optional_count("stride");
    if (options.stride) check_stride(*options.stride);
    // HF refuses stride with an explicit "none" (not with no strategy at all).
    if (options.stride && !strategy.empty() &&
        options.aggregation_strategy == AggregationStrategy::None)
      throw ArgumentError(
          "`stride` was provided to process all the text but "
          "`aggregation_strategy=\"AggregationStrategy.NONE\"`, please select another one instead.");
    options.ignore_labels =
        reader.get<std::vector<std::string>>("ignore_labels", options.ignore_labels);
    options.batch.batch_size = reader.count("batch_size", options.batch.batch_size);
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
  // HF's preprocess: truncation to the tokenizer's model_max_length; with a
  // stride, overflowing windows of that length instead (clamped to the
  // model's positions, so a tokenizer that claims more than the model has
  // still gives windows the model can read).
  EncodeOptions encode_options(const TokenClassificationOptions& options) const {
    EncodeOptions encode;
    const std::size_t max_length = tokenizer().options().model_max_length;
    if (!options.stride) {
      if (max_length > 0) encode.truncation = TruncationOptions{max_length};
      return encode;
    }
    const std::size_t stride = *options.stride;
    check_stride(stride);
    const std::size_t window = std::min(max_length, model_positions());
    const std::size_t special = tokenizer().num_special_tokens_to_add(false);
    if (window <= special || stride >= window - special)
      detail::throw_error<ArgumentError>(
          {"tokenizer stride set to ", std::to_string(stride),
           ", which is greater than or equal to its effective max length of ",
           std::to_string(window > special ? window - special : 0), " (= ", std::to_string(window),
           " original max length - ", std::to_string(special), " added special tokens)"});
    encode.truncation = TruncationOptions{window, TruncationStrategy::LongestFirst, stride};
    encode.return_overflowing_tokens = true;
    return encode;
  }

  // HF's first check of a stride, against the tokenizer's own max length.
  void check_stride(std::size_t stride) const {
    if (stride >= tokenizer().options().model_max_length)
      throw ArgumentError("`stride` must be less than `tokenizer.model_max_length` (or even lower "
                          "if the tokenizer adds special tokens)");
  }

  static void check_labels(std::size_t logits, std::size_t labels) {
    if (logits != labels)
      detail::throw_error<ArgumentError>(
          {"token classification: the model gives ", std::to_string(logits),
           " logits per token but config.json names ", std::to_string(labels), " labels"});
  }

  // Softmax per token, then HF's gather_pre_entities / aggregate / filter.
  std::vector<TokenClassificationEntity> entities(const std::string& text, const Encoding& encoding,
                                                  const float* logits,
                                                  const std::vector<std::string>& labels,
                                                  const TokenClassificationOptions& options) const {
    const std::size_t n = labels.size();
    std::vector<float> probs(logits, logits + encoding.size() * n);
    for (std::size_t t = 0; t < encoding.size(); ++t) softmax_inplace(&probs[t * n], n);
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
