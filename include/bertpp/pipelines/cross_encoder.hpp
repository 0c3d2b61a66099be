// Cross-encoders (rerankers), as sentence-transformers' CrossEncoder: each
// (query, passage) pair goes through a sequence-classification model
// together, and the logits score how well the passage answers the query.
//
//   bertpp::CrossEncoderPipeline reranker("models/ms-marco-MiniLM-L6-v2");
//   for (const auto& hit : reranker.rank("How many people live in Berlin?", passages))
//     std::cout << hit.corpus_id << " " << hit.score << "\n";   // best first
//   auto scores = reranker.predict({{"query", "passage"}});     // [pairs][num_labels]
#pragma once

#include "bertpp/error.hpp"
#include "bertpp/pipelines/detail/json_args.hpp"
#include "bertpp/pipelines/detail/python_text.hpp"
#include "bertpp/pipelines/detail/scores.hpp"
#include "bertpp/pipelines/pipeline.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstddef>
#include <memory>
#include <numeric>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace bertpp {

struct CrossEncoderOptions {
  // rank(): keep the best k passages (all by default).
  std::optional<std::size_t> top_k;
  // rank(): copy each passage's text into its result.
  bool return_documents = false;
  // Sigmoid on every logit. Default: on when the model has one label (the
  // CrossEncoder default activation), off (raw logits) otherwise.
  std::optional<bool> apply_activation;
  // Pairs are truncated (longest_first) to this many tokens; default the
  // tokenizer's model_max_length, as CrossEncoder(max_length=None). A pair
  // longer than the model's positions is refused, never cut silently.
  std::optional<std::size_t> max_length;
  std::size_t batch_size = 32;
};

// One passage of rank()'s result, as CrossEncoder.rank's
// {"corpus_id", "score", "text"?}: corpus_id is the passage's index.
struct RankedPassage {
  std::size_t corpus_id = 0;
  float score = 0.0f;
  std::optional<std::string> text;

  nlohmann::json to_json() const {
    nlohmann::json j{{"corpus_id", corpus_id}, {"score", static_cast<double>(score)}};
    if (text) j["text"] = *text;
    return j;
  }
};

class CrossEncoderPipeline : public Pipeline {
 public:
  explicit CrossEncoderPipeline(const std::string& folder, const LoadOptions& options = {})
      : Pipeline(folder, options) {
    require_head(folder);
  }

  CrossEncoderPipeline(std::shared_ptr<const Tokenizer> tokenizer,
                       std::shared_ptr<const AutoModel> model)
      : Pipeline(std::move(tokenizer), std::move(model)) {
    require_head("the model");
  }

  std::size_t num_labels() const { return static_cast<std::size_t>(model().config().num_labels); }

  // Scores of each pair, in input order: [pairs][num_labels] (CrossEncoder.predict).
  std::vector<std::vector<float>> predict(
      const std::vector<std::pair<std::string, std::string>>& pairs,
      const CrossEncoderOptions& options = {}) const {
    const Matrix logits = pair_logits(pairs, options);
    const bool activation = options.apply_activation.value_or(num_labels() == 1);
    std::vector<std::vector<float>> scores(pairs.size());
    for (std::size_t i = 0; i < pairs.size(); ++i) {
      const float* row = logits.data() + static_cast<Eigen::Index>(i) * logits.cols();
      scores[i].assign(row, row + logits.cols());
      if (activation)
        for (float& s : scores[i]) s = detail::sigmoid(s);
    }
    return scores;
  }

  // The passages ordered by their score for `query`, best first; equal scores
  // keep passage order (CrossEncoder.rank's stable sort). Needs a one-label model.
  std::vector<RankedPassage> rank(const std::string& query, const std::vector<std::string>& passages,
                                  const CrossEncoderOptions& options = {}) const {
    if (num_labels() != 1)
      detail::throw_error<ArgumentError>(
          {"cross-encoder rank: the model has ", std::to_string(num_labels()),
           " labels; ranking needs a model with one (a relevance score)"});
    std::vector<std::pair<std::string, std::string>> pairs;
    pairs.reserve(passages.size());
    for (const std::string& passage : passages) pairs.emplace_back(query, passage);
    const std::vector<std::vector<float>> scores = predict(pairs, options);
    std::vector<float> flat(scores.size());
    for (std::size_t i = 0; i < scores.size(); ++i) flat[i] = scores[i][0];
    std::vector<RankedPassage> ranked;
    for (std::size_t i : detail::top_k_indices(flat.data(), flat.size(),
                                               options.top_k.value_or(flat.size()))) {
      RankedPassage hit;
      hit.corpus_id = i;
      hit.score = flat[i];
      if (options.return_documents) hit.text = passages[i];
      ranked.push_back(std::move(hit));
    }
    return ranked;
  }

  // JSON call. Ranking: {"query": str, "documents" (or "passages"): [str],
  // "top_k", "return_documents", "max_length", "activation": "sigmoid" |
  // "none" | null, "batch_size"} -> [{"corpus_id", "score", "text"?}].
  // Scoring: {"inputs": [q, p] | [[q, p], ...], ...} -> a score per pair (a
  // list per pair when the model has several labels), like predict().
  nlohmann::json run(const nlohmann::json& args) const {
    detail::JsonArgs reader(args, "cross-encoder");
    CrossEncoderOptions options;
    options.top_k = reader.optional_count("top_k");
    options.return_documents = reader.get<bool>("return_documents", false);
    options.max_length = reader.optional_count("max_length", 1);
    options.batch_size = reader.count("batch_size", options.batch_size, 1);
    if (reader.has("activation") && !args.at("activation").is_null()) {
      const std::string name = reader.as<std::string>(args.at("activation"), "activation");
      if (name != "sigmoid" && name != "none" && name != "identity")
        detail::throw_error<ArgumentError>(
            {"cross-encoder: activation must be sigmoid, none or identity, got '", name, "'"});
      options.apply_activation = name == "sigmoid";
    }
    if (reader.has("query")) {
      const std::string query = reader.as<std::string>(reader.required("query"), "query");
      const char* key = reader.has("passages") ? "passages" : "documents";
      const auto passages = reader.as<std::vector<std::string>>(reader.required(key), key);
      reader.reject_unknown();
      nlohmann::json out = nlohmann::json::array();
      for (const RankedPassage& hit : rank(query, passages, options)) out.push_back(hit.to_json());
      return out;
    }
    const nlohmann::json& inputs = reader.required("inputs");
    reader.reject_unknown();
    if (!inputs.is_array()) throw ArgumentError("cross-encoder: 'inputs' must be a list");
    const bool single = inputs.is_array() && !inputs.empty() && inputs.front().is_string();
    std::vector<std::pair<std::string, std::string>> pairs;
    for (const nlohmann::json& item : single ? nlohmann::json::array({inputs}) : inputs) {
      if (!item.is_array() || item.size() != 2 || !item[0].is_string() || !item[1].is_string())
        detail::throw_error<ArgumentError>(
            {"cross-encoder: 'inputs' must be a [text, text] pair or a list of "
             "them, got ",
             item.dump().substr(0, 80)});
      pairs.emplace_back(item[0].get<std::string>(), item[1].get<std::string>());
    }
    nlohmann::json out = nlohmann::json::array();
    for (const std::vector<float>& row : predict(pairs, options)) {
      if (row.size() == 1) {
        out.push_back(static_cast<double>(row[0]));
      } else {
        nlohmann::json list = nlohmann::json::array();
        for (float v : row) list.push_back(static_cast<double>(v));
        out.push_back(std::move(list));
      }
    }
    return single ? out.front() : out;
  }

 private:
  void require_head(const std::string& where) const {
    if (!model().has_head(HeadKind::SequenceClassification))
      detail::throw_error<ConfigError>(
          {where,
           ": a cross-encoder needs a sequence-classification model "
           "(…ForSequenceClassification), got ",
           (model().config().architecture().empty() ? std::string("a bare encoder")
                                                    : model().config().architecture())});
  }

  // CrossEncoder's collate: both texts stripped, the pair truncated
  // longest_first to max_length; raw logits [pairs, num_labels] in input order.
  Matrix pair_logits(const std::vector<std::pair<std::string, std::string>>& pairs,
                     const CrossEncoderOptions& options) const {
    std::vector<Encoding> encodings;
    encodings.reserve(pairs.size());
    EncodeOptions encode;
    TruncationOptions truncation;
    truncation.max_length = options.max_length.value_or(tokenizer().options().model_max_length);
    truncation.strategy = TruncationStrategy::LongestFirst;
    encode.truncation = truncation;
    for (const auto& pair : pairs)
      encodings.push_back(tokenizer().encode(detail::python_strip(pair.first),
                                             detail::python_strip(pair.second), encode));
    Matrix out(static_cast<Eigen::Index>(pairs.size()),
               static_cast<Eigen::Index>(num_labels()));
    BatchOptions batch;
    batch.batch_size = options.batch_size;
    for_each_batch(encodings, batch,
                   [&](const std::vector<std::size_t>& indices, const ModelInput& input) {
                     const Matrix rows = model().sequence_classification_logits(input);
                     for (std::size_t i = 0; i < indices.size(); ++i)
                       out.row(static_cast<Eigen::Index>(indices[i])) =
                           rows.row(static_cast<Eigen::Index>(i));
                   });
    return out;
  }
};

}  // namespace bertpp
