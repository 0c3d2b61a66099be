// An encoder family (BERT, DistilBERT, RoBERTa) described as data: the
// config.json keys of its hyper-parameters, the tensor names of its
// embeddings, layers and heads, and its embedding quirks. One config reader
// (io/config.hpp), one binder and one encoder (models/) consume these tables,
// so a further BERT-like family is one more entry in `all()`, not a branch in
// every function.
#pragma once

#include "bertpp/nn/activations.hpp"

#include <Eigen/Core>

#include <cstdint>
#include <string>
#include <vector>

namespace bertpp {

enum class ModelType { Bert, DistilBert, Roberta };

// How position ids follow from the input ids.
enum class PositionScheme {
  // A token's index in its (padded) row: 0, 1, 2, ... (BERT, DistilBERT).
  Index,
  // HF's create_position_ids_from_input_ids (RoBERTa): a pad token sits at
  // position padding_idx; every other token at padding_idx + (number of
  // non-pad tokens up to and including it), so the first is padding_idx + 1.
  AfterPadding,
};

// config.json names of the hyper-parameters, with the defaults HF's config
// class takes when a field is absent. A null key means the family has no
// such field and always uses the default.
struct FamilyConfigKeys {
  const char* hidden_size;
  const char* num_hidden_layers;
  const char* num_attention_heads;
  const char* intermediate_size;
  const char* activation;
  const char* layer_norm_eps;   // null: fixed at default_layer_norm_eps
  const char* type_vocab_size;  // null: no token types
  Eigen::Index default_vocab_size;
  Eigen::Index default_num_hidden_layers;
  Eigen::Index default_type_vocab_size;
  float default_layer_norm_eps;
  std::int32_t default_pad_token_id;
};

// Tensor names inside one transformer layer ("<layers><i>.<name>").
struct LayerTensorNames {
  std::string query, key, value, attention_output, attention_norm;
  std::string intermediate, output, output_norm;
};

// Sequence classification: [dense -> activation ->] out, on the pooler
// output or on the first token's hidden state.
struct SequenceClassifierScheme {
  bool reads_pooler;            // BERT: classifier(pooler_output)
  std::string dense;            // hidden -> hidden before `out`; "" for none
  Activation dense_activation;  // applied after `dense`
  std::string out;              // hidden -> num_labels
};

// Masked-LM: transform -> activation -> LayerNorm -> decoder (tied to the
// word embeddings unless stored).
struct MaskedLMScheme {
  std::string transform, norm, decoder;
  // The name HF saves the decoder bias under when it is a separate parameter
  // tied to "<decoder>.bias" ("" when the decoder owns its bias).
  std::string shared_bias;
  bool activation_from_config;  // else GELU (erf), as RoBERTa's lm_head hard-codes
};

struct ModelFamily {
  ModelType type;
  std::string name;                 // config.json's model_type
  std::string architecture_prefix;  // "Bert" in BertForMaskedLM, to infer a missing model_type
  std::string prefix;               // base-model tensors in a headed checkpoint: "bert."
  FamilyConfigKeys config;

  // Embeddings: "<prefix>embeddings.{word_embeddings,position_embeddings,...}".
  PositionScheme positions;
  // Layers: "<prefix><layers><i>.<layer.*>"; pooler "" when the family has none.
  std::string layers;
  LayerTensorNames layer;
  std::string pooler;

  // Heads (never prefixed).
  SequenceClassifierScheme sequence_classifier;
  std::string token_classifier;  // hidden -> num_labels
  std::string qa_outputs;        // hidden -> 2
  MaskedLMScheme masked_lm;

  bool has_token_types() const { return config.type_vocab_size != nullptr; }

  static const std::vector<ModelFamily>& all() {
    static const std::vector<ModelFamily> families = {
        {ModelType::Bert, "bert", "Bert", "bert.",
         {"hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size", "hidden_act",
          "layer_norm_eps", "type_vocab_size", 30522, 12, 2, 1e-12f, 0},
         PositionScheme::Index,
         "encoder.layer.",
         bert_layer_names(),
         "pooler.dense",
         {true, "", Activation::Linear, "classifier"},
         "classifier",
         "qa_outputs",
         {"cls.predictions.transform.dense", "cls.predictions.transform.LayerNorm", "cls.predictions.decoder",
          "cls.predictions.bias", true}},
        {ModelType::DistilBert, "distilbert", "DistilBert", "distilbert.",
         {"dim", "n_layers", "n_heads", "hidden_dim", "activation", nullptr, nullptr, 30522, 6, 0, 1e-12f, 0},
         PositionScheme::Index,
         "transformer.layer.",
         {"attention.q_lin", "attention.k_lin", "attention.v_lin", "attention.out_lin", "sa_layer_norm",
          "ffn.lin1", "ffn.lin2", "output_layer_norm"},
         "",
         {false, "pre_classifier", Activation::Relu, "classifier"},
         "classifier",
         "qa_outputs",
         {"vocab_transform", "vocab_layer_norm", "vocab_projector", "", true}},
        {ModelType::Roberta, "roberta", "Roberta", "roberta.",
         {"hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size", "hidden_act",
          "layer_norm_eps", "type_vocab_size", 50265, 12, 2, 1e-12f, 1},
         PositionScheme::AfterPadding,
         "encoder.layer.",
         bert_layer_names(),
         "pooler.dense",
         {false, "classifier.dense", Activation::Tanh, "classifier.out_proj"},
         "classifier",
         "qa_outputs",
         {"lm_head.dense", "lm_head.layer_norm", "lm_head.decoder", "lm_head.bias", false}},
    };
    return families;
  }

  // The family config.json's model_type names, or null.
  static const ModelFamily* find(const std::string& model_type) {
    for (const ModelFamily& family : all())
      if (family.name == model_type) return &family;
    return nullptr;
  }

  static const ModelFamily& of(ModelType type) {
    for (const ModelFamily& family : all())
      if (family.type == type) return family;
    return all().front();  // unreachable: every ModelType has an entry
  }

  // "bert, distilbert, roberta", for messages.
  static std::string supported_names() {
    std::string names;
    for (const ModelFamily& family : all()) names += (names.empty() ? "" : ", ") + family.name;
    return names;
  }

 private:
  static LayerTensorNames bert_layer_names() {
    return {"attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense",
            "attention.output.LayerNorm", "intermediate.dense", "output.dense", "output.LayerNorm"};
  }
};

}  // namespace bertpp
