// HF's fill-mask pipeline: the most likely tokens for each [MASK] of a text.
//
//   bertpp::FillMaskPipeline unmasker("models/bert-mlm");
//   auto masks = unmasker("Paris is the [MASK] of France.");
//   masks[0][0].token_str;  // best token for the first (here only) mask
//   masks[0][0].sequence;   // the text with it filled in
#pragma once

#include "bertpp/pipelines/detail/json_args.hpp"
#include "bertpp/pipelines/detail/scores.hpp"
#include "bertpp/pipelines/pipeline.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace bertpp {

struct FillMaskOptions {
  std::size_t top_k = 5;
  // Restrict predictions to these tokens. A target that is not a vocabulary
  // entry is replaced by the first token it tokenizes to (HF); one that
  // tokenizes to nothing is ignored.
  std::vector<std::string> targets;
  BatchOptions batch;
};

struct FillMaskCandidate {
  float score = 0.0f;
  std::int32_t token = 0;
  std::string token_str;  // the token decoded alone
  std::string sequence;   // the input decoded with this token in the mask's place
  nlohmann::json to_json() const {
    return nlohmann::json{{"score", static_cast<double>(score)},
                          {"token", token},
                          {"token_str", token_str},
                          {"sequence", sequence}};
  }
};

// The candidates for each mask of one input, masks in text order.
using FillMaskResult = std::vector<std::vector<FillMaskCandidate>>;

namespace detail {

// Positions of the mask token in an encoding, in order.
inline std::vector<std::size_t> mask_positions(const Encoding& encoding, std::int32_t mask_id) {
  std::vector<std::size_t> positions;
  for (std::size_t i = 0; i < encoding.ids.size(); ++i)
    if (encoding.ids[i] == mask_id) positions.push_back(i);
  return positions;
}

// One mask's vocabulary logits -> its top_k (token id, probability), best
// first. The softmax is over the whole vocabulary (in place); `targets`, when
// given, restrict the candidates afterwards, as HF does.
inline std::vector<std::pair<std::int32_t, float>> top_tokens(float* logits, std::size_t vocab,
                                                              const std::vector<std::int32_t>& targets,
                                                              std::size_t top_k) {
  softmax_inplace(logits, vocab);
  std::vector<float> restricted;
  for (std::int32_t id : targets) {
    if (id < 0 || static_cast<std::size_t>(id) >= vocab)
      detail::throw_error<ArgumentError>({"fill-mask: target token id ", std::to_string(id),
                                          " is outside the model's vocabulary of ",
                                          std::to_string(vocab)});
    restricted.push_back(logits[id]);
  }
  const float* scores = targets.empty() ? logits : restricted.data();
  const std::size_t count = targets.empty() ? vocab : restricted.size();
  std::vector<std::pair<std::int32_t, float>> top;
  for (std::size_t i : top_k_indices(scores, count, top_k))
    top.emplace_back(targets.empty() ? static_cast<std::int32_t>(i) : targets[i], scores[i]);
  return top;
}

}  // namespace detail

class FillMaskPipeline : public Pipeline {
 public:
  using Pipeline::Pipeline;

  FillMaskResult operator()(const std::string& text, const FillMaskOptions& options = {}) const {
    return std::move((*this)(std::vector<std::string>{text}, options).front());
  }

  std::vector<FillMaskResult> operator()(const std::vector<std::string>& texts,
                                         const FillMaskOptions& options = {}) const {
    const std::vector<std::int32_t> targets = target_ids(options.targets);
    std::vector<Encoding> encodings = tokenizer().encode_batch(texts);
    for (std::size_t i = 0; i < encodings.size(); ++i)
      if (detail::mask_positions(encodings[i], tokenizer().mask_id()).empty())
        detail::throw_error<ArgumentError>(
            {"fill-mask: no mask_token (", tokenizer().id_to_token(tokenizer().mask_id()),
             ") found in input ", std::to_string(i), ": \"", texts[i], "\""});
    std::vector<FillMaskResult> results(texts.size());
    for_each_batch(encodings, options.batch,
                   [&](const std::vector<std::size_t>& indices, const ModelInput& batch) {
                     fill_batch(encodings, indices, batch, targets, options.top_k, results);
                   });
    return results;
  }

  // HF's target resolution: vocabulary entries as they are, other strings by
  // their first token; duplicates removed. Empty input = no restriction.
  std::vector<std::int32_t> target_ids(const std::vector<std::string>& targets) const {
    std::vector<std::int32_t> ids;
    for (const std::string& target : targets) {
      if (auto id = tokenizer().token_to_id(target)) {
        ids.push_back(*id);
        continue;
      }
      EncodeOptions plain;
      plain.add_special_tokens = false;
      const Encoding encoding = tokenizer().encode(target, plain);
      if (!encoding.ids.empty()) ids.push_back(encoding.ids.front());
    }
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    if (!targets.empty() && ids.empty())
      throw ArgumentError("fill-mask: none of the targets is in the vocabulary or tokenizes to a token");
    return ids;
  }

  // HF's call with JSON arguments: {"inputs": str | [str], "top_k": int,
  // "targets": str | [str]}. Per input: a candidate list for a single mask,
  // a list of lists for several; a list of inputs gives a list of those
  // (a one-element list gives its only result, as HF).
  nlohmann::json run(const nlohmann::json& args) const {
    detail::JsonArgs reader(args, "fill-mask");
    const nlohmann::json& inputs = reader.required("inputs");
    FillMaskOptions options;
    options.top_k = reader.count("top_k", options.top_k);
    if (reader.has("targets") && !args.at("targets").is_null())
      options.targets = reader.string_list(args.at("targets"), "targets");
    options.batch.batch_size = reader.count("batch_size", options.batch.batch_size);
    reader.reject_unknown();

    const auto results = (*this)(reader.string_list(inputs, "inputs"), options);
    nlohmann::json out = nlohmann::json::array();
    for (const FillMaskResult& masks : results) out.push_back(to_json(masks));
    if (!inputs.is_array() || out.size() == 1) return out.front();
    return out;
  }

  // HF's shape of one input's result: the candidate list when there is one
  // mask, a list of candidate lists otherwise.
  static nlohmann::json to_json(const FillMaskResult& masks) {
    nlohmann::json per_mask = nlohmann::json::array();
    for (const auto& candidates : masks) {
      nlohmann::json list = nlohmann::json::array();
      for (const FillMaskCandidate& c : candidates) list.push_back(c.to_json());
      per_mask.push_back(std::move(list));
    }
    return per_mask.size() == 1 ? per_mask.front() : per_mask;
  }

 private:
  // Vocabulary logits only for the mask rows of the batch, then per mask:
  // softmax over the vocabulary, optional target restriction, top-k.
  void fill_batch(const std::vector<Encoding>& encodings, const std::vector<std::size_t>& indices,
                  const ModelInput& batch, const std::vector<std::int32_t>& targets,
                  std::size_t top_k, std::vector<FillMaskResult>& results) const {
    std::vector<Eigen::Index> rows;
    std::vector<std::vector<std::size_t>> masks(indices.size());
    for (std::size_t b = 0; b < indices.size(); ++b) {
      masks[b] = detail::mask_positions(encodings[indices[b]], tokenizer().mask_id());
      for (std::size_t position : masks[b])
        rows.push_back(static_cast<Eigen::Index>(b) * batch.seq_len +
                       static_cast<Eigen::Index>(position));
    }
    Matrix logits = model().masked_lm_logits(batch, rows, forward_options());
    Eigen::Index row = 0;
    for (std::size_t b = 0; b < indices.size(); ++b) {
      const Encoding& encoding = encodings[indices[b]];
      FillMaskResult& result = results[indices[b]];
      for (std::size_t position : masks[b]) {
        std::vector<FillMaskCandidate> candidates;
        for (const auto& [token, score] : detail::top_tokens(
                 logits.row(row++).data(), static_cast<std::size_t>(logits.cols()), targets, top_k))
          candidates.push_back(candidate(encoding, position, token, score, masks[b].size() == 1));
        result.push_back(std::move(candidates));
      }
    }
  }

  // HF: the sequence is decoded without padding; special tokens are skipped
  // only when there is a single mask (so other masks stay visible).
  FillMaskCandidate candidate(const Encoding& encoding, std::size_t position, std::int32_t token,
                              float score, bool single_mask) const {
    std::vector<std::int32_t> ids;
    ids.reserve(encoding.ids.size());
    for (std::size_t i = 0; i < encoding.ids.size(); ++i) {
      const std::int32_t id = i == position ? token : encoding.ids[i];
      if (id != tokenizer().pad_id()) ids.push_back(id);
    }
    FillMaskCandidate c;
    c.score = score;
    c.token = token;
    const bool cleanup = tokenizer().options().clean_up_tokenization_spaces;  // HF default
    c.token_str = tokenizer().decode({token}, /*skip_special_tokens=*/false, cleanup);
    c.sequence = tokenizer().decode(ids, /*skip_special_tokens=*/single_mask, cleanup);
    return c;
  }
};

}  // namespace bertpp
