// The encoder of every BERT-like family (BERT, DistilBERT, RoBERTa):
// embeddings, a stack of transformer layers and the optional tanh pooler
// over the first token. The family's table (io/model_family.hpp) names the
// tensors and the embedding quirks. Bound to its weights once, then
// immutable: forward() is const and safe to call from many threads.
#pragma once

#include "bertpp/error.hpp"
#include "bertpp/io/config.hpp"
#include "bertpp/models/model_io.hpp"
#include "bertpp/nn/embeddings.hpp"
#include "bertpp/nn/layers.hpp"
#include "bertpp/nn/transformer_layer.hpp"
#include "bertpp/nn/weight_binder.hpp"

#include <algorithm>
#include <limits>
#include <string>
#include <vector>

namespace bertpp {

struct Encoder {
  Eigen::Index hidden_size = 0, intermediate_size = 0, num_heads = 0;
  Eigen::Index vocab_size = 0, max_positions = 0, type_vocab_size = 0;
  Embeddings embeddings;
  std::vector<TransformerLayer> layers;
  Linear pooler;  // empty weights when the checkpoint has none
  std::string config_path;

  bool has_pooler() const { return !pooler.weight.empty(); }

  // `prefix` is "" or the family's ("bert.", "roberta.", ...); the pooler is
  // bound when present or `require_pooler` (then its absence is reported as
  // missing), if the family has one.
  static Encoder bind(const ModelConfig& config, WeightBinder& binder, const std::string& prefix,
                      bool require_pooler) {
    const ModelFamily& family = config.family();
    Encoder encoder;
    encoder.hidden_size = config.hidden_size;
    encoder.intermediate_size = config.intermediate_size;
    encoder.num_heads = config.num_attention_heads;
    encoder.vocab_size = config.vocab_size;
    encoder.max_positions = config.max_position_embeddings;
    encoder.type_vocab_size = config.type_vocab_size;
    encoder.config_path = config.path;
    encoder.bind_embeddings(config, binder, prefix + "embeddings");
    const std::string layer_prefix = prefix + family.layers;
    check_layer_count(config, binder, layer_prefix, "." + family.layer.query + ".weight");
    encoder.layers.reserve(static_cast<std::size_t>(config.num_hidden_layers));
    for (Eigen::Index i = 0; i < config.num_hidden_layers; ++i)
      encoder.layers.push_back(bind_layer(config, binder, layer_prefix + std::to_string(i) + "."));
    const std::string pooler_scope = prefix + family.pooler;
    if (!family.pooler.empty() && (require_pooler || binder.has(pooler_scope + ".weight")))
      encoder.pooler = Linear::bind(binder, pooler_scope, config.hidden_size, config.hidden_size);
    return encoder;
  }

  // Throws ArgumentError when the input does not fit the model.
  void check_input(const ModelInput& input) const {
    if (input.batch_size < 0 || input.seq_len < 0 ||
        (input.seq_len > 0 && input.batch_size > std::numeric_limits<Eigen::Index>::max() / input.seq_len))
      detail::throw_error<ArgumentError>({"model input: invalid shape [",
                                          std::to_string(input.batch_size), ", ",
                                          std::to_string(input.seq_len), "]"});
    const auto expected = static_cast<std::size_t>(input.batch_size * input.seq_len);
    if (input.input_ids.size() != expected)
      detail::throw_error<ArgumentError>(
          {"model input: input_ids has ", std::to_string(input.input_ids.size()),
           " ids, expected batch_size * seq_len = ", std::to_string(expected)});
    if (!input.token_type_ids.empty() && input.token_type_ids.size() != expected)
      detail::throw_error<ArgumentError>(
          {"model input: token_type_ids has ", std::to_string(input.token_type_ids.size()),
           " entries, expected ", std::to_string(expected), " (or none)"});
    if (!input.attention_mask.empty() && input.attention_mask.size() != expected)
      detail::throw_error<ArgumentError>(
          {"model input: attention_mask has ", std::to_string(input.attention_mask.size()),
           " entries, expected ", std::to_string(expected), " (or none)"});
    if (embeddings.positions == PositionScheme::Index && input.seq_len > max_positions)
      detail::throw_error<ArgumentError>(
          {"model input: sequence length ", std::to_string(input.seq_len),
           " exceeds max_position_embeddings ", std::to_string(max_positions), " of ", config_path,
           "; truncate the input"});
    for (std::size_t i = 0; i < expected; ++i) {
      const std::int32_t id = input.input_ids[i];
      if (id < 0 || id >= vocab_size)
        detail::throw_error<ArgumentError>(
            {"model input: token id ", std::to_string(id), " at position ", position_name(input, i),
             " is outside the vocabulary [0, ", std::to_string(vocab_size), ")"});
    }
    if (embeddings.positions == PositionScheme::AfterPadding) check_positions(input);
    if (embeddings.token_type.empty()) return;  // DistilBERT ignores token types
    for (std::size_t i = 0; i < input.token_type_ids.size(); ++i) {
      const std::int32_t type = input.token_type_ids[i];
      if (type < 0 || type >= type_vocab_size)
        detail::throw_error<ArgumentError>(
            {"model input: token type ", std::to_string(type), " at position ",
             position_name(input, i), " is outside [0, ", std::to_string(type_vocab_size), ")"});
    }
  }

  EncoderOutput forward(const ModelInput& input, const ForwardOptions& options = {}) const {
    check_input(input);
    const Eigen::Index batch = input.batch_size, seq = input.seq_len;
    SequenceLayout layout = SequenceLayout::padded(batch, seq);
    const bool packed = options.skip_padding && !options.output_attentions &&
                        !input.attention_mask.empty() &&
                        SequenceLayout::pack(input.attention_mask, batch, seq, layout);
    const AttentionMask mask =
        packed ? AttentionMask{} : AttentionMask::build(input.attention_mask, batch, seq);

    EncoderOutput out;
    Matrix hidden;
    const bool typed = !embeddings.token_type.empty() && !input.token_type_ids.empty();
    embeddings.forward(input.input_ids.data(), typed ? input.token_type_ids.data() : nullptr,
                       layout, hidden);
    if (options.output_hidden_states) {
      out.hidden_states.reserve(layers.size() + 1);
      out.hidden_states.push_back(unpack(hidden, layout));
    }
    if (options.output_attentions) out.attentions.reserve(layers.size());
    EncoderWorkspace workspace;
    workspace.resize(layout.rows, hidden_size, intermediate_size, seq);
    for (const TransformerLayer& layer : layers) {
      Matrix* probabilities = nullptr;
      if (options.output_attentions) {
        out.attentions.emplace_back(batch * num_heads * seq, seq);
        probabilities = &out.attentions.back();
      }
      layer.forward(hidden, layout, &mask, workspace, probabilities);
      if (options.output_hidden_states) out.hidden_states.push_back(unpack(hidden, layout));
    }
    out.last_hidden_state = packed ? unpack(hidden, layout) : std::move(hidden);
    if (has_pooler()) out.pooler_output = pool(out.last_hidden_state, batch, seq);
    return out;
  }

  // Activations in `layout` -> the padded [batch*seq_len, hidden] layout,
  // padding rows zero.
  static Matrix unpack(const Matrix& rows, const SequenceLayout& layout) {
    if (!layout.packed) return rows;
    Matrix padded = Matrix::Zero(layout.batch * layout.seq_len, rows.cols());
    for (Eigen::Index b = 0; b < layout.batch; ++b)
      padded.middleRows(b * layout.seq_len, layout.length[static_cast<std::size_t>(b)]) =
          rows.middleRows(layout.offset[static_cast<std::size_t>(b)],
                          layout.length[static_cast<std::size_t>(b)]);
    return padded;
  }

  // The [CLS] (first) row of each sequence: [batch, hidden].
  static Matrix first_tokens(const Matrix& hidden, Eigen::Index batch, Eigen::Index seq_len) {
    Matrix first(batch, hidden.cols());
    for (Eigen::Index b = 0; b < batch; ++b) first.row(b) = hidden.row(b * seq_len);
    return first;
  }

 private:
  // A config naming more layers than the checkpoint holds fails at once,
  // rather than listing every tensor of (possibly millions of) absent layers.
  static void check_layer_count(const ModelConfig& config, const WeightBinder& binder,
                                const std::string& layer_prefix, const std::string& probe) {
    const Eigen::Index wanted = config.num_hidden_layers;
    if (binder.has(layer_prefix + std::to_string(wanted - 1) + probe)) return;
    Eigen::Index present = 0;
    while (present < wanted && binder.has(layer_prefix + std::to_string(present) + probe)) ++present;
    if (present == wanted - 1) return;  // only the last layer is incomplete: list its tensors
    detail::throw_error<LoadError>({binder.source(), ": ", config.path, " asks for ",
                                    std::to_string(wanted), " layers but the checkpoint has ",
                                    layer_prefix, "<i> tensors for only ",
                                    std::to_string(present)});
  }

  static std::string position_name(const ModelInput& input, std::size_t flat) {
    const auto seq = static_cast<std::size_t>(std::max<Eigen::Index>(input.seq_len, 1));
    return "[" + std::to_string(flat / seq) + ", " + std::to_string(flat % seq) + "]";
  }

  // tanh(dense(h[CLS])).
  Matrix pool(const Matrix& hidden, Eigen::Index batch, Eigen::Index seq_len) const {
    if (seq_len == 0) return Matrix::Zero(batch, hidden_size);
    Matrix pooled = pooler(first_tokens(hidden, batch, seq_len));
    pooled = pooled.array().tanh();
    return pooled;
  }

  // RoBERTa's positions run from padding_idx + 1 and pads do not advance
  // them, so a row holds at most max_position_embeddings - padding_idx - 1
  // tokens that are not pads.
  void check_positions(const ModelInput& input) const {
    const Eigen::Index room = max_positions - embeddings.padding_idx - 1;
    for (Eigen::Index b = 0; b < input.batch_size; ++b) {
      const auto row = input.input_ids.begin() + b * input.seq_len;
      const auto tokens = static_cast<Eigen::Index>(input.seq_len - std::count(row, row + input.seq_len,
                                                                              embeddings.padding_idx));
      if (tokens > room)
        detail::throw_error<ArgumentError>(
            {"model input: sequence ", std::to_string(b), " has ", std::to_string(tokens),
             " tokens, but max_position_embeddings ", std::to_string(max_positions), " of ",
             config_path, " holds ", std::to_string(room), " (positions start after padding_idx ",
             std::to_string(embeddings.padding_idx), "); truncate the input"});
    }
  }

  void bind_embeddings(const ModelConfig& config, WeightBinder& binder, const std::string& scope) {
    const Eigen::Index h = config.hidden_size;
    embeddings.word = binder.matrix(scope + ".word_embeddings.weight", config.vocab_size, h);
    embeddings.position =
        binder.matrix(scope + ".position_embeddings.weight", config.max_position_embeddings, h);
    if (config.family().has_token_types())
      embeddings.token_type =
          binder.matrix(scope + ".token_type_embeddings.weight", config.type_vocab_size, h);
    embeddings.norm = LayerNorm::bind(binder, scope + ".LayerNorm", h, config.layer_norm_eps);
    embeddings.positions = config.family().positions;
    embeddings.padding_idx = config.pad_token_id;
  }

  // `scope` ends with the layer's "<i>.".
  static TransformerLayer bind_layer(const ModelConfig& config, WeightBinder& binder, const std::string& scope) {
    const LayerTensorNames& names = config.family().layer;
    const Eigen::Index h = config.hidden_size, inner = config.intermediate_size;
    const float eps = config.layer_norm_eps;
    TransformerLayer layer;
    layer.qkv = QkvProjection::fuse(Linear::bind(binder, scope + names.query, h, h),
                                    Linear::bind(binder, scope + names.key, h, h),
                                    Linear::bind(binder, scope + names.value, h, h));
    layer.attention_output = Linear::bind(binder, scope + names.attention_output, h, h);
    layer.attention_norm = LayerNorm::bind(binder, scope + names.attention_norm, h, eps);
    layer.intermediate = Linear::bind(binder, scope + names.intermediate, h, inner);
    layer.output = Linear::bind(binder, scope + names.output, inner, h);
    layer.output_norm = LayerNorm::bind(binder, scope + names.output_norm, h, eps);
    layer.activation = config.hidden_act;
    layer.num_heads = config.num_attention_heads;
    return layer;
  }
};

}  // namespace bertpp
