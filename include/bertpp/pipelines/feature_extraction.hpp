// HF's feature-extraction pipeline: one vector per token (special tokens
// included), from the last layer or a combination of chosen layers — the
// classic BERT word-embedding recipes (sum or concat of the last four, ...).
//
//   bertpp::FeatureExtractionPipeline extractor("models/bert");
//   auto f = extractor("Hello world");        // f.embeddings: [tokens, hidden]
//   bertpp::FeatureExtractionOptions o;  o.layers = {-1, -2, -3, -4};
//   o.combine = bertpp::LayerCombine::Sum;    // or Concat (4 x hidden), Mean
//   auto words = extractor("Hello world", o);
#pragma once

#include "bertpp/pipelines/detail/json_args.hpp"
#include "bertpp/pipelines/detail/truncation_args.hpp"
#include "bertpp/pipelines/detail/layers.hpp"
#include "bertpp/pipelines/pipeline.hpp"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace bertpp {

struct FeatureExtractionOptions {
  // Indices into hidden_states as HF numbers them: 0 = embedding output,
  // 1..L = layers, negative from the end (-1 = last layer).
  std::vector<int> layers = {-1};
  LayerCombine combine = LayerCombine::Concat;
  // Tokenizer truncation (HF's tokenize_kwargs); none by default, as in HF.
  std::optional<TruncationOptions> truncation;
  BatchOptions batch;
};

// The features of one text: a row per token.
struct TokenFeatures {
  std::vector<std::string> tokens;
  std::vector<Offset> byte_offsets;  // UTF-8 byte spans in the text ({0,0} for specials)
  std::vector<Offset> char_offsets;  // the same in code points, as Python counts
  Matrix embeddings;                 // [tokens, dim]

  // HF's output for one text: a batch of one, [[token vector, ...]].
  nlohmann::json to_json() const {
    nlohmann::json rows = nlohmann::json::array();
    for (Eigen::Index r = 0; r < embeddings.rows(); ++r) {
      nlohmann::json row = nlohmann::json::array();
      for (Eigen::Index c = 0; c < embeddings.cols(); ++c)
        row.push_back(static_cast<double>(embeddings(r, c)));
      rows.push_back(std::move(row));
    }
    return nlohmann::json::array({std::move(rows)});
  }
};


class FeatureExtractionPipeline : public Pipeline {
 public:
  using Pipeline::Pipeline;

  TokenFeatures operator()(const std::string& text,
                           const FeatureExtractionOptions& options = {}) const {
    return std::move((*this)(std::vector<std::string>{text}, options).front());
  }

  std::vector<TokenFeatures> operator()(const std::vector<std::string>& texts,
                                        const FeatureExtractionOptions& options = {}) const {
    EncodeOptions encode_options;
    encode_options.truncation = options.truncation;
    const std::vector<Encoding> encodings = tokenizer().encode_batch(texts, encode_options);
    const bool last_only = options.layers.size() == 1 && options.layers.front() == -1;
    ForwardOptions forward = forward_options();
    forward.output_hidden_states = !last_only;

    std::vector<TokenFeatures> results(texts.size());
    for_each_batch(encodings, options.batch,
                   [&](const std::vector<std::size_t>& indices, const ModelInput& batch) {
                     const EncoderOutput out = model().forward(batch, forward);
                     std::vector<const Matrix*> layers;
                     if (last_only) {
                       layers.push_back(&out.last_hidden_state);
                     } else {
                       for (std::size_t l : detail::resolve_layers(options.layers,
                                                                   out.hidden_states.size()))
                         layers.push_back(&out.hidden_states[l]);
                     }
                     for (std::size_t b = 0; b < indices.size(); ++b) {
                       const std::size_t i = indices[b];
                       results[i] = features(encodings[i], texts[i], layers,
                                             static_cast<Eigen::Index>(b) * batch.seq_len,
                                             options.combine);
                     }
                   });
    return results;
  }

  // HF's call with JSON arguments: {"inputs": str | [str]} plus bertpp's
  // "layers": [int] and "combine": "concat" | "sum" | "mean". Per text HF's
  // [1, tokens, dim] nested list; a list of texts gives a list of those.
  nlohmann::json run(const nlohmann::json& args) const {
    detail::JsonArgs reader(args, "feature-extraction");
    const nlohmann::json& inputs = reader.required("inputs");
    FeatureExtractionOptions options;
    options.layers = reader.integer_list("layers", options.layers);
    if (reader.has("combine") && !args.at("combine").is_null())
      options.combine = detail::parse_layer_combine(reader.as<std::string>(args.at("combine"), "combine"));
    options.batch.batch_size = reader.count("batch_size", options.batch.batch_size);
    options.truncation =
        detail::truncation_from_args(reader, args, tokenizer().options().model_max_length);
    reader.reject_unknown();

    const auto results = (*this)(reader.string_list(inputs, "inputs"), options);
    if (!inputs.is_array()) return results.front().to_json();
    nlohmann::json out = nlohmann::json::array();
    for (const TokenFeatures& f : results) out.push_back(f.to_json());
    return out;
  }

 private:
  TokenFeatures features(const Encoding& encoding, const std::string& text,
                         const std::vector<const Matrix*>& layers, Eigen::Index first_row,
                         LayerCombine combine) const {
    TokenFeatures f;
    f.tokens = encoding.tokens;
    f.byte_offsets = encoding.byte_offsets;
    f.char_offsets = char_offsets(encoding, text);
    f.embeddings = detail::combine_layers(layers, first_row,
                                          static_cast<Eigen::Index>(encoding.size()), combine);
    return f;
  }
};

}  // namespace bertpp
