// AutoModel: HF's AutoModel for the BERT-like families (BERT, DistilBERT,
// RoBERTa). Reads config.json and the weights (safetensors or
// pytorch_model.bin) of a model folder, binds the encoder and the head its
// architecture names (BertForSequenceClassification, ...). Immutable after
// loading; copies share the weights; every method is const and thread-safe.
//
// The loaded state (encoder, heads, checkpoint) is only declared here and
// defined in auto_model-inl.hpp, so that with bertpp::compiled a program
// including this header parses neither the layers nor the weight readers.
// Code reading encoder() includes bertpp/models/encoder.hpp.
#pragma once

#include "bertpp/detail/build_mode.hpp"
#include "bertpp/io/config.hpp"
#include "bertpp/models/model_io.hpp"

#include <memory>
#include <string>
#include <vector>

namespace bertpp {

struct Encoder;

class AutoModel {
 public:
  static AutoModel from_folder(const std::string& dir, const LoadOptions& options = {});

  // `weights_path`: a .safetensors or PyTorch .bin file, or a *.index.json listing shards.
  static AutoModel from_files(const std::string& config_path, const std::string& weights_path,
                              const LoadOptions& options = {});

  const ModelConfig& config() const;
  Quantization quantization() const;
  const Encoder& encoder() const;

  bool has_head(HeadKind kind) const;

  EncoderOutput forward(const ModelInput& input, const ForwardOptions& options = {}) const;

  // [batch, num_labels]. Only [CLS] rows are read, so padding is skipped.
  Matrix sequence_classification_logits(const ModelInput& input) const;

  // The per-token heads take ForwardOptions for `skip_padding` (then the
  // logits of padding rows are the head's bias).

  // [batch*seq, num_labels]
  Matrix token_classification_logits(const ModelInput& input,
                                     const ForwardOptions& options = {}) const;

  QuestionAnsweringLogits question_answering_logits(const ModelInput& input,
                                                    const ForwardOptions& options = {}) const;

  // Logits over the vocabulary for the given flattened token rows
  // (b * seq_len + s) only: [rows.size(), vocab].
  Matrix masked_lm_logits(const ModelInput& input, const std::vector<Eigen::Index>& rows,
                          const ForwardOptions& options = {}) const;

  // Every tensor name in the checkpoint, used by the model or not.
  std::vector<std::string> tensor_names() const;
  bool has_tensor(const std::string& name) const;
  // A float32 copy of any float tensor in the checkpoint, flattened.
  std::vector<float> tensor(const std::string& name) const;

 private:
  AutoModel() = default;  // only the factories make one: a model always has weights

  struct State;  // config, checkpoint, encoder, heads: auto_model-inl.hpp
  std::shared_ptr<const State> state_;
};

}  // namespace bertpp

#if BERTPP_HEADER_ONLY
#include "bertpp/models/auto_model-inl.hpp"
#endif
