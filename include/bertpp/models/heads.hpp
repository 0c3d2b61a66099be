// Task heads on top of the encoder, as layer structs bound by name like the
// encoder's layers. Each maps encoder outputs to logits.
#pragma once

#include "bertpp/io/config.hpp"
#include "bertpp/nn/activations.hpp"
#include "bertpp/nn/layers.hpp"
#include "bertpp/nn/weight_binder.hpp"

#include <string>

namespace bertpp {

// Masked-LM: dense + activation + LayerNorm, then the decoder, whose weight
// is tied to the word embeddings unless the checkpoint stores its own.
// Names per family (MaskedLMScheme): BERT cls.predictions.*, DistilBERT
// vocab_transform / vocab_layer_norm / vocab_projector, RoBERTa lm_head.*.
struct MaskedLMHead {
  Linear transform;
  Activation activation = Activation::Gelu;
  LayerNorm norm;
  Parameter decoder_weight;  // [vocab, hidden]
  Parameter decoder_bias;    // [vocab]

  static MaskedLMHead bind(const ModelConfig& config, WeightBinder& binder,
                           const Parameter& word_embeddings) {
    const MaskedLMScheme& names = config.family().masked_lm;
    const Eigen::Index h = config.hidden_size, vocab = config.vocab_size;
    MaskedLMHead head;
    head.activation = names.activation_from_config ? config.hidden_act : Activation::Gelu;
    head.transform = Linear::bind(binder, names.transform, h, h);
    head.norm = LayerNorm::bind(binder, names.norm, h, config.layer_norm_eps);
    head.decoder_weight = binder.has(names.decoder + ".weight")
                              ? binder.matrix(names.decoder + ".weight", vocab, h)
                              : word_embeddings;
    // BERT saves the decoder bias as cls.predictions.bias, RoBERTa as
    // lm_head.bias (decoder.bias is tied to it).
    std::string bias = names.decoder + ".bias";
    if (!names.shared_bias.empty() && (binder.has(names.shared_bias) || !binder.has(bias)))
      bias = names.shared_bias;
    head.decoder_bias = binder.vector(bias, vocab);
    return head;
  }

  // hidden rows [n, hidden] -> logits [n, vocab].
  Matrix forward(const Matrix& hidden) const {
    Matrix x = transform(hidden);
    apply_activation(activation, x);
    norm.forward_inplace(x);
    Matrix logits(x.rows(), decoder_weight.rows);
    Linear decoder{decoder_weight, decoder_bias};
    decoder.forward(x, logits);
    return logits;
  }
};

// Sequence classification: out([activation(dense(] features [))]).
// BERT: classifier(pooler_output). DistilBERT: classifier(ReLU(pre_classifier(h[CLS]))).
// RoBERTa: classifier.out_proj(tanh(classifier.dense(h[<s>]))), no pooler.
struct SequenceClassificationHead {
  bool reads_pooler = true;  // else the first token's hidden state
  Linear dense;              // empty when the family has none
  Activation dense_activation = Activation::Linear;
  Linear classifier;

  static SequenceClassificationHead bind(const ModelConfig& config, WeightBinder& binder) {
    const SequenceClassifierScheme& names = config.family().sequence_classifier;
    SequenceClassificationHead head;
    head.reads_pooler = names.reads_pooler;
    if (!names.dense.empty())
      head.dense = Linear::bind(binder, names.dense, config.hidden_size, config.hidden_size);
    head.dense_activation = names.dense_activation;
    head.classifier = Linear::bind(binder, names.out, config.hidden_size, config.num_labels);
    return head;
  }

  // `features`: the pooler output or the first tokens' rows; [batch, labels].
  Matrix forward(const Matrix& features) const {
    if (dense.weight.empty()) return classifier(features);
    Matrix x(features.rows(), dense.out_features());
    dense.forward(features, x, dense_activation);
    return classifier(x);
  }
};

// Per-token labels: classifier(h) -> [tokens, labels].
struct TokenClassificationHead {
  Linear classifier;

  static TokenClassificationHead bind(const ModelConfig& config, WeightBinder& binder) {
    return {Linear::bind(binder, config.family().token_classifier, config.hidden_size, config.num_labels)};
  }
  Matrix forward(const Matrix& hidden) const { return classifier(hidden); }
};

// Extractive QA: qa_outputs(h) -> [tokens, 2] (start, end logits).
struct QuestionAnsweringHead {
  Linear qa_outputs;

  static QuestionAnsweringHead bind(const ModelConfig& config, WeightBinder& binder) {
    return {Linear::bind(binder, config.family().qa_outputs, config.hidden_size, 2)};
  }
  Matrix forward(const Matrix& hidden) const { return qa_outputs(hidden); }
};

}  // namespace bertpp
