// Definitions of AutoModel (declared in auto_model.hpp): its loaded state and
// every member that reads it. Inline header-only, compiled once in
// bertpp::compiled otherwise, so a program using the compiled library does
// not parse the encoder layers, the GEMM kernels or the weight readers.
#pragma once

#include "bertpp/models/auto_model.hpp"
#include "bertpp/detail/mapped_file.hpp"
#include "bertpp/detail/string_suffix.hpp"
#include "bertpp/error.hpp"
#include "bertpp/io/model_folder.hpp"
#include "bertpp/io/tensor_store.hpp"
#include "bertpp/models/encoder.hpp"
#include "bertpp/models/heads.hpp"
#include "bertpp/nn/weight_binder.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <utility>

namespace bertpp {

struct AutoModel::State {
  ModelConfig config;
  Quantization quantization = Quantization::None;
  // The checkpoint's files (tensor(), tensor_names()); each weight keeps its own memory.
  TensorStore store;
  Encoder encoder;
  std::optional<MaskedLMHead> masked_lm;
  std::optional<SequenceClassificationHead> sequence_classification;
  std::optional<TokenClassificationHead> token_classification;
  std::optional<QuestionAnsweringHead> question_answering;

  template <typename Head>
  const Head& require(const std::optional<Head>& head, HeadKind kind) const {
    if (!head)
      detail::throw_error<ArgumentError>({"model ", config.path, " (architecture '",
                                          config.architecture(), "') has no ", head_kind_name(kind),
                                          " head"});
    return *head;
  }

  // The float weights a layer computes from a copy of (fused q/k/v, packed, int8)
  // let go of their memory: a converted (F16/BF16) copy is freed. Shapes stay.
  static void release_unread(TransformerLayer& layer) {
    auto release = [](Linear& dense) {
      for (Parameter* p : {&dense.weight, &dense.bias}) {
        p->data = nullptr;
        p->owner.reset();
      }
    };
    for (Linear& part : layer.qkv.parts) release(part);
    for (Linear* dense : {&layer.attention_output, &layer.intermediate, &layer.output})
      if (dense->quantized() || dense->is_packed()) release(*dense);
  }

  // Base-model tensors may carry the family's prefix ("bert.", "roberta.",
  // ...) or not, whatever the architecture; heads never do.
  std::string base_prefix(bool headed) const {
    const std::string& prefix = config.family().prefix;
    const std::string probe = "embeddings.word_embeddings.weight";
    if (store.contains(prefix + probe)) return prefix;
    if (store.contains(probe)) return "";
    return headed ? prefix : "";  // neither: report names as HF would save them
  }

  void bind(const std::string& source) {
    const std::string arch = config.architecture();
    using detail::ends_with;
    const bool mlm = ends_with(arch, "ForMaskedLM") || ends_with(arch, "ForPreTraining");
    const bool sequence = ends_with(arch, "ForSequenceClassification");
    const bool token = ends_with(arch, "ForTokenClassification");
    const bool qa = ends_with(arch, "ForQuestionAnswering");
    WeightBinder binder(store, source);
    const bool needs_pooler = sequence && config.family().sequence_classifier.reads_pooler;
    encoder =
        Encoder::bind(config, binder, base_prefix(mlm || sequence || token || qa), needs_pooler);
    if (mlm) masked_lm = MaskedLMHead::bind(config, binder, encoder.embeddings.word);
    if (sequence) sequence_classification = SequenceClassificationHead::bind(config, binder);
    if (token) token_classification = TokenClassificationHead::bind(config, binder);
    if (qa) question_answering = QuestionAnsweringHead::bind(config, binder);
    binder.finish();
  }
};

BERTPP_API AutoModel AutoModel::from_folder(const std::string& dir, const LoadOptions& options) {
  const ModelFolder folder = ModelFolder::locate(dir);
  return from_files(folder.config_path, folder.weights_path, options);
}

BERTPP_API AutoModel AutoModel::from_files(const std::string& config_path,
                                           const std::string& weights_path,
                                           const LoadOptions& options) {
  auto state = std::make_shared<State>();
  state->config = ModelConfig::from_file(config_path);
  state->store = detail::ends_with(weights_path, ".json") ? TensorStore::from_index(weights_path)
                                                         : TensorStore::from_file(weights_path);
  state->bind(weights_path);
  state->store.release_converted();  // the layers' parameters own what they use
  state->quantization = options.quantization;
  // Layer by layer, so at most one layer's float weights are resident extra.
  for (TransformerLayer& layer : state->encoder.layers) {
    if (options.quantization == Quantization::DynamicInt8) layer.quantize();
    else layer.pack();
    for (const Parameter& weight : layer.unread_weights())
      state->store.evict(weight.data, static_cast<std::size_t>(weight.rows * weight.cols));
    State::release_unread(layer);
  }
  detail::return_free_heap_memory();
  AutoModel model;
  model.state_ = std::move(state);
  return model;
}

BERTPP_API const ModelConfig& AutoModel::config() const { return state_->config; }
BERTPP_API Quantization AutoModel::quantization() const { return state_->quantization; }
BERTPP_API const Encoder& AutoModel::encoder() const { return state_->encoder; }

BERTPP_API bool AutoModel::has_head(HeadKind kind) const {
  switch (kind) {
    case HeadKind::MaskedLM: return state_->masked_lm.has_value();
    case HeadKind::SequenceClassification: return state_->sequence_classification.has_value();
    case HeadKind::TokenClassification: return state_->token_classification.has_value();
    case HeadKind::QuestionAnswering: return state_->question_answering.has_value();
  }
  return false;
}

BERTPP_API EncoderOutput AutoModel::forward(const ModelInput& input,
                                            const ForwardOptions& options) const {
  return state_->encoder.forward(input, options);
}

BERTPP_API Matrix AutoModel::sequence_classification_logits(const ModelInput& input) const {
  const auto& head =
      state_->require(state_->sequence_classification, HeadKind::SequenceClassification);
  if (input.seq_len == 0) throw ArgumentError("sequence classification needs at least one token");
  ForwardOptions options;
  options.skip_padding = true;
  const EncoderOutput out = forward(input, options);
  if (head.reads_pooler) return head.forward(out.pooler_output);
  return head.forward(
      Encoder::first_tokens(out.last_hidden_state, input.batch_size, input.seq_len));
}

BERTPP_API Matrix AutoModel::token_classification_logits(const ModelInput& input,
                                                         const ForwardOptions& options) const {
  const auto& head =
      state_->require(state_->token_classification, HeadKind::TokenClassification);
  return head.forward(forward(input, options).last_hidden_state);
}

BERTPP_API QuestionAnsweringLogits AutoModel::question_answering_logits(
    const ModelInput& input, const ForwardOptions& options) const {
  const auto& head = state_->require(state_->question_answering, HeadKind::QuestionAnswering);
  const Matrix logits = head.forward(forward(input, options).last_hidden_state);  // [tokens, 2]
  QuestionAnsweringLogits result;
  result.start.resize(input.batch_size, input.seq_len);
  result.end.resize(input.batch_size, input.seq_len);
  for (Eigen::Index r = 0; r < logits.rows(); ++r) {
    result.start(r / input.seq_len, r % input.seq_len) = logits(r, 0);
    result.end(r / input.seq_len, r % input.seq_len) = logits(r, 1);
  }
  return result;
}

BERTPP_API Matrix AutoModel::masked_lm_logits(const ModelInput& input,
                                              const std::vector<Eigen::Index>& rows,
                                              const ForwardOptions& options) const {
  const auto& head = state_->require(state_->masked_lm, HeadKind::MaskedLM);
  const EncoderOutput out = forward(input, options);
  Matrix selected(static_cast<Eigen::Index>(rows.size()), out.last_hidden_state.cols());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (rows[i] < 0 || rows[i] >= input.tokens())
      detail::throw_error<ArgumentError>({"masked_lm_logits: row ", std::to_string(rows[i]),
                                          " is outside the batch's ",
                                          std::to_string(input.tokens()), " tokens"});
    selected.row(static_cast<Eigen::Index>(i)) = out.last_hidden_state.row(rows[i]);
  }
  return head.forward(selected);
}

BERTPP_API std::vector<std::string> AutoModel::tensor_names() const {
  return state_->store.names();
}
BERTPP_API bool AutoModel::has_tensor(const std::string& name) const {
  return state_->store.contains(name);
}
BERTPP_API std::vector<float> AutoModel::tensor(const std::string& name) const {
  return state_->store.read_floats(name);
}

}  // namespace bertpp
