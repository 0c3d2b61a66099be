// HF's text-classification ("sentiment-analysis") pipeline: one text or a
// text pair in, ranked {label, score} out.
//
//   bertpp::TextClassificationPipeline classifier("models/sst2");
//   auto best = classifier("I love this movie!");            // [{label, score}]
//   bertpp::TextClassificationOptions all;  all.top_k = std::nullopt;
//   auto ranked = classifier(bertpp::TextInput("How old are you?", "I am six."), all);
#pragma once

#include "bertpp/pipelines/detail/batch_rows.hpp"
#include "bertpp/pipelines/detail/classification.hpp"
#include "bertpp/pipelines/detail/json_args.hpp"
#include "bertpp/pipelines/detail/truncation_args.hpp"
#include "bertpp/pipelines/detail/model_labels.hpp"
#include "bertpp/pipelines/pipeline.hpp"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace bertpp {

// One input: a text, or a text pair (HF's {"text": ..., "text_pair": ...}).
struct TextInput {
  std::string text;
  std::optional<std::string> text_pair;

  TextInput(std::string t) : text(std::move(t)) {}  // NOLINT: implicit, like HF's str input
  TextInput(const char* t) : text(t) {}             // NOLINT
  TextInput(std::string t, std::string pair) : text(std::move(t)), text_pair(std::move(pair)) {}
};

struct TextClassificationOptions {
  // How many labels to return per input, best first; nullopt = all labels.
  std::optional<std::size_t> top_k = 1;
  ClassificationFunction function_to_apply = ClassificationFunction::Default;
  // Tokenizer truncation (HF's tokenizer kwargs); none by default, as in HF.
  std::optional<TruncationOptions> truncation;
  BatchOptions batch;
};

class TextClassificationPipeline : public Pipeline {
 public:
  using Pipeline::Pipeline;

  std::vector<LabelScore> operator()(const TextInput& input,
                                     const TextClassificationOptions& options = {}) const {
    return std::move((*this)(std::vector<TextInput>{input}, options).front());
  }

  std::vector<std::vector<LabelScore>> operator()(
      const std::vector<TextInput>& inputs, const TextClassificationOptions& options = {}) const {
    const Matrix all_logits = logits(inputs, options);
    const std::vector<std::string>& labels = detail::id2label_names(model().config());
    const ClassificationFunction function = detail::resolve_classification_function(
        options.function_to_apply, detail::problem_type(model().config()),
        static_cast<std::size_t>(all_logits.cols()));
    std::vector<std::vector<LabelScore>> results;
    results.reserve(inputs.size());
    for (Eigen::Index row = 0; row < all_logits.rows(); ++row)
      results.push_back(detail::rank_labels(all_logits.row(row).data(),
                                            static_cast<std::size_t>(all_logits.cols()), labels,
                                            function, options.top_k));
    return results;
  }

  // The raw logits, one row per input, in input order: [inputs, num_labels].
  Matrix logits(const std::vector<TextInput>& inputs,
                const TextClassificationOptions& options = {}) const {
    EncodeOptions encode_options;
    encode_options.truncation = options.truncation;
    // Single texts and pairs are each encoded as one parallel batch.
    std::vector<std::string> singles;
    std::vector<std::pair<std::string, std::string>> pairs;
    for (const TextInput& input : inputs) {
      if (input.text_pair) pairs.emplace_back(input.text, *input.text_pair);
      else singles.push_back(input.text);
    }
    std::vector<Encoding> single_encodings = tokenizer().encode_batch(singles, encode_options);
    std::vector<Encoding> pair_encodings = tokenizer().encode_batch(pairs, encode_options);
    std::vector<Encoding> encodings;
    encodings.reserve(inputs.size());
    std::size_t next_single = 0, next_pair = 0;
    for (const TextInput& input : inputs)
      encodings.push_back(std::move(input.text_pair ? pair_encodings[next_pair++] : single_encodings[next_single++]));
    Matrix out;
    for_each_batch(encodings, options.batch,
                   [&](const std::vector<std::size_t>& indices, const ModelInput& batch) {
                     detail::scatter_rows(out, inputs.size(),
                                          model().sequence_classification_logits(batch), indices);
                   });
    return out;
  }

  // HF's call with JSON arguments: {"inputs": str | {text, text_pair} | [..],
  // "top_k": int | null, "function_to_apply": str}. The result has HF's shape:
  // without top_k one {label, score} per input (wrapped in a list for a lone
  // string), with top_k a ranked list per input.
  nlohmann::json run(const nlohmann::json& args) const {
    detail::JsonArgs reader(args, "text-classification");
    const nlohmann::json& inputs = reader.required("inputs");
    TextClassificationOptions options;
    // HF: no top_k at all = the legacy single-dict shape; top_k null = all labels.
    const bool legacy = !reader.has("top_k");
    if (!legacy && args.at("top_k").is_null()) options.top_k = std::nullopt;
    if (!legacy && !args.at("top_k").is_null()) options.top_k = reader.count("top_k", 1);
    if (reader.has("function_to_apply") && !args.at("function_to_apply").is_null())
      options.function_to_apply = parse_classification_function(
          reader.as<std::string>(args.at("function_to_apply"), "function_to_apply"));
    options.batch.batch_size = reader.count("batch_size", options.batch.batch_size);
    options.truncation =
        detail::truncation_from_args(reader, args, tokenizer().options().model_max_length);
    reader.reject_unknown();

    const bool is_list = inputs.is_array();
    std::vector<TextInput> texts;
    if (is_list) {
      for (const nlohmann::json& item : inputs) texts.push_back(parse_input(item));
    } else {
      texts.push_back(parse_input(inputs));
    }
    const auto results = (*this)(texts, options);
    nlohmann::json out = nlohmann::json::array();
    for (const auto& ranked : results) {
      if (legacy) {
        out.push_back(ranked.front().to_json());
      } else {
        nlohmann::json list = nlohmann::json::array();
        for (const LabelScore& s : ranked) list.push_back(s.to_json());
        out.push_back(std::move(list));
      }
    }
    // HF wraps a lone string's legacy result in a list; a lone pair is not.
    if (is_list || (legacy && inputs.is_string())) return out;
    return out.front();
  }

 private:
  static TextInput parse_input(const nlohmann::json& item) {
    if (item.is_string()) return TextInput(item.get<std::string>());
    if (item.is_object() && item.contains("text") && item.at("text").is_string()) {
      if (item.contains("text_pair") && item.at("text_pair").is_string())
        return TextInput(item.at("text").get<std::string>(),
                         item.at("text_pair").get<std::string>());
      return TextInput(item.at("text").get<std::string>());
    }
    detail::throw_error<ArgumentError>(
        {"text-classification: each input must be a string or {\"text\": ..., \"text_pair\": ...}, "
         "got ",
         item.dump()});
  }
};

}  // namespace bertpp
