// What every pipeline shares: a tokenizer and a model loaded from one HF
// model folder, and length-sorted batching. A pipeline = tokenizer + model +
// post-processing; the task headers add the post-processing.
#pragma once

#include "bertpp/detail/stable_order.hpp"
#include "bertpp/models/auto_model.hpp"
#include "bertpp/tokenizer/tokenizer.hpp"

#include <algorithm>
#include <cstddef>
#include <memory>
#include <numeric>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace bertpp {

struct BatchOptions {
  // Encodings run through the model together. Inputs are sorted by length
  // first so a batch wastes little on padding; results keep input order.
  std::size_t batch_size = 8;
};

class Pipeline {
 public:
  // `options`: e.g. Quantization::DynamicInt8 for the encoder.
  explicit Pipeline(const std::string& model_folder, const LoadOptions& options = {})
      : tokenizer_(std::make_shared<const Tokenizer>(
            Tokenizer::from_folder(model_folder))),
        model_(std::make_shared<const AutoModel>(AutoModel::from_folder(model_folder, options))) {}

  // Several pipelines may share one loaded tokenizer and model.
  Pipeline(std::shared_ptr<const Tokenizer> tokenizer,
           std::shared_ptr<const AutoModel> model)
      : tokenizer_(std::move(tokenizer)), model_(std::move(model)) {}

  const Tokenizer& tokenizer() const { return *tokenizer_; }
  const AutoModel& model() const { return *model_; }
  std::shared_ptr<const Tokenizer> shared_tokenizer() const { return tokenizer_; }
  std::shared_ptr<const AutoModel> shared_model() const { return model_; }

 protected:
  // Longest sequence the model's position embeddings allow (RoBERTa's start
  // after the padding index): windows a pipeline chooses itself are clamped
  // to it (a tokenizer_config.json may claim a larger model_max_length than
  // the model has positions).
  std::size_t model_positions() const {
    return static_cast<std::size_t>(model().config().max_sequence_length());
  }

  // Pipelines read real tokens only, so the encoder may skip padding.
  static ForwardOptions forward_options() {
    ForwardOptions options;
    options.skip_padding = true;
    return options;
  }

  // Calls fn(indices, input) for each batch: `indices` are positions in
  // `encodings` (sorted by length, longest first), `input` their padded batch.
  template <typename Fn>
  void for_each_batch(const std::vector<Encoding>& encodings, const BatchOptions& options,
                      Fn&& fn) const {
    // The loop is one function for every pipeline; only this call differs.
    using F = std::remove_reference_t<Fn>;
    batch_loop(encodings, options, const_cast<void*>(static_cast<const void*>(std::addressof(fn))),
               [](void* f, const std::vector<std::size_t>& indices, const ModelInput& input) {
                 (*static_cast<F*>(f))(indices, input);
               });
  }

 private:
  using BatchCall = void (*)(void*, const std::vector<std::size_t>&, const ModelInput&);

  void batch_loop(const std::vector<Encoding>& encodings, const BatchOptions& options, void* fn,
                  BatchCall call) const {
    std::vector<std::size_t> lengths;
    lengths.reserve(encodings.size());
    for (const Encoding& e : encodings) lengths.push_back(e.size());
    const std::vector<std::size_t> order = detail::stable_order(lengths, /*descending=*/true);
    const std::size_t step = std::max<std::size_t>(options.batch_size, 1);
    std::vector<const Encoding*> batch;
    for (std::size_t first = 0; first < order.size(); first += step) {
      const std::size_t last = std::min(order.size(), first + step);
      std::vector<std::size_t> indices(order.begin() + first, order.begin() + last);
      batch.clear();
      for (std::size_t i : indices) batch.push_back(&encodings[i]);
      call(fn, indices, ModelInput::from_encodings(batch, tokenizer_->pad_id()));
    }
  }

  std::shared_ptr<const Tokenizer> tokenizer_;
  std::shared_ptr<const AutoModel> model_;
};

}  // namespace bertpp
