// HF's zero-shot-classification pipeline: an NLI model scores each candidate
// label as the hypothesis "This example is {label}." against the text.
//
//   bertpp::ZeroShotClassificationPipeline classifier("models/nli");
//   auto r = classifier("The stock market crashed", {"travel", "finance"});
//   r.labels.front();  // the most likely label; r.scores are sorted likewise
#pragma once

#include "bertpp/pipelines/detail/batch_rows.hpp"
#include "bertpp/pipelines/detail/json_args.hpp"
#include "bertpp/pipelines/detail/model_labels.hpp"
#include "bertpp/pipelines/detail/scores.hpp"
#include "bertpp/pipelines/detail/zero_shot.hpp"
#include "bertpp/pipelines/pipeline.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <utility>
#include <vector>

namespace bertpp {

struct ZeroShotClassificationOptions {
  std::string hypothesis_template = "This example is {}.";
  // false: scores sum to 1 over the labels; true: each label judged alone.
  bool multi_label = false;
  BatchOptions batch;
};

// The former name (option structs are named after their pipeline).
using ZeroShotOptions = ZeroShotClassificationOptions;

struct ZeroShotResult {
  std::string sequence;
  std::vector<std::string> labels;  // best first
  std::vector<float> scores;        // aligned with labels
  nlohmann::json to_json() const {
    nlohmann::json out{{"sequence", sequence}, {"labels", labels}, {"scores", nlohmann::json::array()}};
    for (float s : scores) out["scores"].push_back(static_cast<double>(s));
    return out;
  }
};

class ZeroShotClassificationPipeline : public Pipeline {
 public:
  using Pipeline::Pipeline;

  ZeroShotResult operator()(const std::string& sequence,
                            const std::vector<std::string>& candidate_labels,
                            const ZeroShotClassificationOptions& options = {}) const {
    return std::move((*this)(std::vector<std::string>{sequence}, candidate_labels, options).front());
  }

  std::vector<ZeroShotResult> operator()(const std::vector<std::string>& sequences,
                                         const std::vector<std::string>& candidate_labels,
                                         const ZeroShotClassificationOptions& options = {}) const {
    if (sequences.empty() || candidate_labels.empty())
      throw ArgumentError(
          "zero-shot-classification: you must include at least one label and at least one "
          "sequence");
    std::vector<std::string> hypotheses;
    for (const std::string& label : candidate_labels)
      hypotheses.push_back(detail::format_hypothesis(options.hypothesis_template, label));

    std::vector<std::pair<std::string, std::string>> pairs;
    pairs.reserve(sequences.size() * hypotheses.size());
    for (const std::string& sequence : sequences)
      for (const std::string& hypothesis : hypotheses) pairs.emplace_back(sequence, hypothesis);
    const std::vector<Encoding> encodings = encode_pairs(pairs);
    const Matrix logits = pair_logits(encodings, options.batch);

    const int entailment = detail::entailment_id(detail::label2id_entries(model().config()));
    const auto count = static_cast<Eigen::Index>(candidate_labels.size());
    std::vector<ZeroShotResult> results;
    for (std::size_t s = 0; s < sequences.size(); ++s) {
      const std::vector<float> scores = detail::zero_shot_scores(
          logits, static_cast<Eigen::Index>(s) * count, count, entailment, options.multi_label);
      ZeroShotResult result;
      result.sequence = sequences[s];
      for (std::size_t i : detail::reversed_argsort(scores)) {
        result.labels.push_back(candidate_labels[i]);
        result.scores.push_back(scores[i]);
      }
      results.push_back(std::move(result));
    }
    return results;
  }

  // HF's call with JSON arguments: {"sequences": str | [str], "candidate_labels":
  // [str] | "a, b", "hypothesis_template": str, "multi_label": bool}. One
  // result object for a string, a list of them for a list.
  nlohmann::json run(const nlohmann::json& args) const {
    detail::JsonArgs reader(args, "zero-shot-classification");
    const nlohmann::json& sequences =
        reader.has("inputs") ? reader.required("inputs") : reader.required("sequences");
    const nlohmann::json& labels = reader.required("candidate_labels");
    ZeroShotClassificationOptions options;
    options.hypothesis_template =
        reader.get<std::string>("hypothesis_template", options.hypothesis_template);
    options.multi_label = reader.get<bool>("multi_label", reader.get<bool>("multi_class", false));
    options.batch.batch_size = reader.count("batch_size", options.batch.batch_size);
    reader.reject_unknown();

    const std::vector<std::string> candidates =
        labels.is_string() ? detail::split_candidate_labels(labels.get<std::string>())
                           : reader.as<std::vector<std::string>>(labels, "candidate_labels");
    const auto results = (*this)(reader.string_list(sequences, "sequences"), candidates, options);
    if (sequences.is_string()) return results.front().to_json();
    nlohmann::json out = nlohmann::json::array();
    for (const ZeroShotResult& r : results) out.push_back(r.to_json());
    return out;
  }

 private:
  // HF truncates the premise only (only_first, to the tokenizer's max length)
  // and, when that cannot be done, encodes without truncation. The batch
  // is encoded in parallel; a pair that cannot be truncated sends the batch
  // down the one-by-one path.
  std::vector<Encoding> encode_pairs(const std::vector<std::pair<std::string, std::string>>& pairs) const {
    EncodeOptions truncated;
    TruncationOptions truncation;
    truncation.max_length = tokenizer().options().model_max_length;
    truncation.strategy = TruncationStrategy::OnlyFirst;
    truncated.truncation = truncation;
    try {
      return tokenizer().encode_batch(pairs, truncated);
    } catch (const TokenizerError&) {
    }
    std::vector<Encoding> encodings;
    encodings.reserve(pairs.size());
    for (const auto& pair : pairs) {
      try {
        encodings.push_back(tokenizer().encode(pair.first, pair.second, truncated));
      } catch (const TokenizerError&) {
        encodings.push_back(tokenizer().encode(pair.first, pair.second));
      }
    }
    return encodings;
  }

  Matrix pair_logits(const std::vector<Encoding>& encodings, const BatchOptions& batch) const {
    Matrix out;
    for_each_batch(encodings, batch,
                   [&](const std::vector<std::size_t>& indices, const ModelInput& input) {
                     detail::scatter_rows(out, encodings.size(),
                                          model().sequence_classification_logits(input), indices);
                   });
    return out;
  }
};

}  // namespace bertpp
