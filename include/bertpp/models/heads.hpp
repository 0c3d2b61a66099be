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
// BERT: cls.predictions.*; DistilBERT: vocab_transform, vocab_layer_norm,
// vocab_projector.
struct MaskedLMHead {
  Linear transform;
  Activation activation = Activation::Gelu;
  LayerNorm norm;
  Parameter decoder_weight;  // [vocab, hidden]
  Parameter decoder_bias;    // [vocab]

  static MaskedLMHead bind(const ModelConfig& config, WeightBinder& binder,
                           const Parameter& word_embeddings) {
    const Eigen::Index h = config.hidden_size, vocab = config.vocab_size;
    const bool distil = config.model_type == ModelType::DistilBert;
    MaskedLMHead head;
    head.activation = config.hidden_act;
    head.transform = Linear::bind(binder, distil ? "vocab_transform" : "cls.predictions.transform.dense", h, h);
    head.norm = LayerNorm::bind(binder, distil ? "vocab_layer_norm" : "cls.predictions.transform.LayerNorm",
                                h, config.layer_norm_eps);
    const std::string decoder = distil ? "vocab_projector" : "cls.predictions.decoder";
    head.decoder_weight = binder.has(decoder + ".weight")
                              ? binder.matrix(decoder + ".weight", vocab, h)
                              : word_embeddings;
    // BERT saves the decoder bias as cls.predictions.bias (decoder.bias is tied to it).
    std::string bias = decoder + ".bias";
    if (!distil && (binder.has("cls.predictions.bias") || !binder.has(bias))) bias = "cls.predictions.bias";
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

// Sequence classification. BERT: classifier(pooler_output).
// DistilBERT: classifier(ReLU(pre_classifier(h[CLS]))).
struct SequenceClassificationHead {
  Linear pre_classifier;  // DistilBERT only
  Linear classifier;

  static SequenceClassificationHead bind(const ModelConfig& config, WeightBinder& binder) {
    SequenceClassificationHead head;
    if (config.model_type == ModelType::DistilBert)
      head.pre_classifier = Linear::bind(binder, "pre_classifier", config.hidden_size, config.hidden_size);
    head.classifier = Linear::bind(binder, "classifier", config.hidden_size, config.num_labels);
    return head;
  }

  // `features`: BERT's pooler output or DistilBERT's [CLS] rows; [batch, labels].
  Matrix forward(const Matrix& features) const {
    if (pre_classifier.weight.empty()) return classifier(features);
    Matrix x = pre_classifier(features);
    apply_activation(Activation::Relu, x);
    return classifier(x);
  }
};

// Per-token labels: classifier(h) -> [tokens, labels].
struct TokenClassificationHead {
  Linear classifier;

  static TokenClassificationHead bind(const ModelConfig& config, WeightBinder& binder) {
    return {Linear::bind(binder, "classifier", config.hidden_size, config.num_labels)};
  }
  Matrix forward(const Matrix& hidden) const { return classifier(hidden); }
};

// Extractive QA: qa_outputs(h) -> [tokens, 2] (start, end logits).
struct QuestionAnsweringHead {
  Linear qa_outputs;

  static QuestionAnsweringHead bind(const ModelConfig& config, WeightBinder& binder) {
    return {Linear::bind(binder, "qa_outputs", config.hidden_size, 2)};
  }
  Matrix forward(const Matrix& hidden) const { return qa_outputs(hidden); }
};

}  // namespace bertpp
