// AutoModel: HF's AutoModel for the BERT-like families (BERT, DistilBERT,
// RoBERTa). Reads config.json and the weights (safetensors or
// pytorch_model.bin) of a model folder, binds the encoder and the head its
// architecture names (BertForSequenceClassification, ...). Immutable after
// loading; copies share the weights; every method is const and thread-safe.
#pragma once

#include "bertpp/detail/mapped_file.hpp"
#include "bertpp/error.hpp"
#include "bertpp/io/config.hpp"
#include "bertpp/io/model_folder.hpp"
#include "bertpp/io/tensor_store.hpp"
#include "bertpp/models/encoder.hpp"
#include "bertpp/models/heads.hpp"
#include "bertpp/models/model_io.hpp"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace bertpp {

class AutoModel {
 public:
  static AutoModel from_folder(const std::string& dir, const LoadOptions& options = {}) {
    const ModelFolder folder = ModelFolder::locate(dir);
    return from_files(folder.config_path, folder.weights_path, options);
  }

  // `weights_path`: a .safetensors or PyTorch .bin file, or a *.index.json listing shards.
  static AutoModel from_files(const std::string& config_path, const std::string& weights_path,
                              const LoadOptions& options = {}) {
    auto state = std::make_shared<State>();
    state->config = ModelConfig::from_file(config_path);
    state->store = ends_with(weights_path, ".json") ? TensorStore::from_index(weights_path)
                                                    : TensorStore::from_file(weights_path);
    bind(*state, weights_path);
    state->store.release_converted();  // the layers' parameters own what they use
    state->quantization = options.quantization;
    // Layer by layer, so at most one layer's float weights are resident extra.
    for (TransformerLayer& layer : state->encoder.layers) {
      if (options.quantization == Quantization::DynamicInt8) layer.quantize();
      for (const Parameter& weight : layer.unread_weights())
        state->store.evict(weight.data, static_cast<std::size_t>(weight.rows * weight.cols));
      release_unread(layer);
    }
    detail::return_free_heap_memory();
    AutoModel model;
    model.state_ = std::move(state);
    return model;
  }

  const ModelConfig& config() const { return state_->config; }
  Quantization quantization() const { return state_->quantization; }
  const Encoder& encoder() const { return state_->encoder; }

  bool has_head(HeadKind kind) const {
    switch (kind) {
      case HeadKind::MaskedLM: return state_->masked_lm.has_value();
      case HeadKind::SequenceClassification: return state_->sequence_classification.has_value();
      case HeadKind::TokenClassification: return state_->token_classification.has_value();
      case HeadKind::QuestionAnswering: return state_->question_answering.has_value();
    }
    return false;
  }

  EncoderOutput forward(const ModelInput& input, const ForwardOptions& options = {}) const {
    return state_->encoder.forward(input, options);
  }

  // [batch, num_labels]. Only [CLS] rows are read, so padding is skipped.
  Matrix sequence_classification_logits(const ModelInput& input) const {
    const auto& head = require(state_->sequence_classification, HeadKind::SequenceClassification);
    if (input.seq_len == 0) throw ArgumentError("sequence classification needs at least one token");
    ForwardOptions options;
    options.skip_padding = true;
    const EncoderOutput out = forward(input, options);
    if (head.reads_pooler) return head.forward(out.pooler_output);
    return head.forward(Encoder::first_tokens(out.last_hidden_state, input.batch_size, input.seq_len));
  }

  // The per-token heads take ForwardOptions for `skip_padding` (then the
  // logits of padding rows are the head's bias).

  // [batch*seq, num_labels]
  Matrix token_classification_logits(const ModelInput& input, const ForwardOptions& options = {}) const {
    const auto& head = require(state_->token_classification, HeadKind::TokenClassification);
    return head.forward(forward(input, options).last_hidden_state);
  }

  QuestionAnsweringLogits question_answering_logits(const ModelInput& input,
                                                    const ForwardOptions& options = {}) const {
    const auto& head = require(state_->question_answering, HeadKind::QuestionAnswering);
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

  // Logits over the vocabulary for the given flattened token rows
  // (b * seq_len + s) only: [rows.size(), vocab].
  Matrix masked_lm_logits(const ModelInput& input, const std::vector<Eigen::Index>& rows,
                          const ForwardOptions& options = {}) const {
    const auto& head = require(state_->masked_lm, HeadKind::MaskedLM);
    const EncoderOutput out = forward(input, options);
    Matrix selected(static_cast<Eigen::Index>(rows.size()), out.last_hidden_state.cols());
    for (std::size_t i = 0; i < rows.size(); ++i) {
      if (rows[i] < 0 || rows[i] >= input.tokens())
        throw ArgumentError("masked_lm_logits: row " + std::to_string(rows[i]) +
                            " is outside the batch's " + std::to_string(input.tokens()) + " tokens");
      selected.row(static_cast<Eigen::Index>(i)) = out.last_hidden_state.row(rows[i]);
    }
    return head.forward(selected);
  }

  // Every tensor name in the checkpoint, used by the model or not.
  std::vector<std::string> tensor_names() const { return state_->store.names(); }
  bool has_tensor(const std::string& name) const { return state_->store.contains(name); }
  // A float32 copy of any float tensor in the checkpoint, flattened.
  std::vector<float> tensor(const std::string& name) const { return state_->store.read_floats(name); }

 private:
  AutoModel() = default;  // only the factories make one: a model always has weights

  struct State {
    ModelConfig config;
    Quantization quantization = Quantization::None;
    TensorStore store;  // the checkpoint's files (tensor(), tensor_names()); each weight keeps its own memory
    Encoder encoder;
    std::optional<MaskedLMHead> masked_lm;
    std::optional<SequenceClassificationHead> sequence_classification;
    std::optional<TokenClassificationHead> token_classification;
    std::optional<QuestionAnsweringHead> question_answering;
  };

  // The float weights a layer computes from a copy of (fused q/k/v, int8)
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
      if (dense->quantized()) release(*dense);
  }

  static bool ends_with(const std::string& text, const std::string& suffix) {
    return text.size() >= suffix.size() &&
           text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
  }

  template <typename Head>
  const Head& require(const std::optional<Head>& head, HeadKind kind) const {
    if (!head)
      throw ArgumentError("model " + config().path + " (architecture '" + config().architecture() +
                          "') has no " + head_kind_name(kind) + " head");
    return *head;
  }

  // Base-model tensors may carry the family's prefix ("bert.", "roberta.",
  // ...) or not, whatever the architecture; heads never do.
  static std::string base_prefix(const State& state, bool headed) {
    const std::string& prefix = state.config.family().prefix;
    const std::string probe = "embeddings.word_embeddings.weight";
    if (state.store.contains(prefix + probe)) return prefix;
    if (state.store.contains(probe)) return "";
    return headed ? prefix : "";  // neither: report names as HF would save them
  }

  static void bind(State& state, const std::string& source) {
    const ModelConfig& config = state.config;
    const std::string arch = config.architecture();
    const bool mlm = ends_with(arch, "ForMaskedLM") || ends_with(arch, "ForPreTraining");
    const bool sequence = ends_with(arch, "ForSequenceClassification");
    const bool token = ends_with(arch, "ForTokenClassification");
    const bool qa = ends_with(arch, "ForQuestionAnswering");
    WeightBinder binder(state.store, source);
    const bool needs_pooler = sequence && config.family().sequence_classifier.reads_pooler;
    state.encoder = Encoder::bind(config, binder, base_prefix(state, mlm || sequence || token || qa),
                                  needs_pooler);
    if (mlm) state.masked_lm = MaskedLMHead::bind(config, binder, state.encoder.embeddings.word);
    if (sequence) state.sequence_classification = SequenceClassificationHead::bind(config, binder);
    if (token) state.token_classification = TokenClassificationHead::bind(config, binder);
    if (qa) state.question_answering = QuestionAnsweringHead::bind(config, binder);
    binder.finish();
  }

  std::shared_ptr<const State> state_;
};

}  // namespace bertpp
