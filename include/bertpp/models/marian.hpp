// MarianMTModel (HF transformers' Marian encoder-decoder, the opus-mt
// translation models): embeddings shared by encoder, decoder and LM head,
// scaled by sqrt(d_model), plus sinusoidal positions (computed, not stored);
// the encoder is bertpp's Encoder with Marian's tensor names; the decoder
// is a stack of DecoderLayer over a key/value cache; logits = h @ shared^T +
// final_logits_bias. Immutable after loading; copies share the weights;
// every method is const and thread-safe (a DecoderCache is per call).
#pragma once

#include "bertpp/error.hpp"
#include "bertpp/io/generation_config.hpp"
#include "bertpp/io/marian_config.hpp"
#include "bertpp/io/model_folder.hpp"
#include "bertpp/io/tensor_store.hpp"
#include "bertpp/models/encoder.hpp"
#include "bertpp/models/model_io.hpp"
#include "bertpp/nn/decoder_layer.hpp"
#include "bertpp/nn/layers.hpp"
#include "bertpp/nn/transformer_layer.hpp"
#include "bertpp/nn/weight_binder.hpp"

#include <cmath>
#include <memory>
#include <string>
#include <vector>

namespace bertpp {

// HF's MarianSinusoidalPositionalEmbedding table, [positions, dim]: row p is
// sin(p / 10000^(2i/dim)) for i < dim/2, then the cos of the same angles
// (halves, not interleaved); computed in double, stored as float.
inline Matrix sinusoidal_positions(Eigen::Index positions, Eigen::Index dim) {
  Matrix table(positions, dim);
  const Eigen::Index half = (dim + 1) / 2;  // sin columns (HF's sentinel)
  for (Eigen::Index p = 0; p < positions; ++p) {
    for (Eigen::Index j = 0; j < dim; ++j) {
      // Column j of the sin half uses frequency index 2j, of the cos half 2(j - half) + 1;
      // HF's exponent is 2 * (index // 2) / dim.
      const Eigen::Index index = j < half ? 2 * j : 2 * (j - half) + 1;
      const double angle = static_cast<double>(p) /
                           std::pow(10000.0, 2.0 * static_cast<double>(index / 2) / static_cast<double>(dim));
      table(p, j) = static_cast<float>(j < half ? std::sin(angle) : std::cos(angle));
    }
  }
  return table;
}

class MarianMTModel {
 public:
  static MarianMTModel from_folder(const std::string& dir, const LoadOptions& options = {}) {
    const ModelFolder folder = ModelFolder::locate(dir);
    auto state = std::make_shared<State>();
    state->config = MarianConfig::from_file(folder.config_path);
    state->generation = GenerationConfig::from_folder(dir);
    state->store = folder.open_weights();
    bind(*state, folder.weights_path);
    state->store.release_converted();  // the layers' parameters own what they use
    state->quantization = options.quantization;
    // Weights read from the layers' own copies from now on (fused q/k/v,
    // int8) leave resident memory.
    auto evict = [&](const Parameter& weight) {
      state->store.evict(weight.data, static_cast<std::size_t>(weight.rows * weight.cols));
    };
    for (TransformerLayer& layer : state->encoder.layers) {
      if (options.quantization == Quantization::DynamicInt8) layer.quantize();
      for (const Parameter& weight : layer.unread_weights()) evict(weight);
    }
    for (DecoderLayer& layer : state->decoder_layers) {
      if (options.quantization == Quantization::DynamicInt8) layer.quantize();
      for (const QkvProjection* fused : {&layer.self_qkv, &layer.cross_kv})
        for (const Linear& part : fused->parts) evict(part.weight);
    }
    MarianMTModel model;
    model.state_ = std::move(state);
    return model;
  }

  const MarianConfig& config() const { return state_->config; }
  // The folder's generation defaults (generation_config.json).
  const GenerationConfig& generation_config() const { return state_->generation; }
  Quantization quantization() const { return state_->quantization; }
  const Encoder& encoder() const { return state_->encoder; }
  std::int32_t vocab_size() const { return static_cast<std::int32_t>(state_->config.vocab_size); }

  // The encoder's last_hidden_state for a padded batch of source ids.
  EncoderOutput encode(const ModelInput& input, const ForwardOptions& options = {}) const {
    return state_->encoder.forward(input, options);
  }

  // A cache for decoding against `encoder_hidden` ([items * source_len, d],
  // padded rows) with `rows_per_item` decoder rows per item (beams); row j
  // attends to item j / rows_per_item. `source_mask` is the encoder's
  // attention mask ([items, source_len]; empty: all real).
  DecoderCache start_decoding(const Matrix& encoder_hidden, const std::vector<std::int32_t>& source_mask,
                              Eigen::Index items, Eigen::Index source_len,
                              Eigen::Index rows_per_item = 1) const {
    const Eigen::Index d = state_->config.d_model;
    if (encoder_hidden.rows() != items * source_len || encoder_hidden.cols() != d)
      throw ArgumentError("start_decoding: encoder output must be [items * source_len, d_model]");
    if (!source_mask.empty() && source_mask.size() != static_cast<std::size_t>(items * source_len))
      throw ArgumentError("start_decoding: source mask must have items * source_len entries");
    if (rows_per_item < 1) throw ArgumentError("start_decoding: rows_per_item must be at least 1");
    DecoderCache cache;
    cache.physical_rows = items * rows_per_item;
    cache.source_len = source_len;
    cache.source_mask = AttentionMask::build(source_mask, items, source_len);
    const std::size_t layers = state_->decoder_layers.size();
    cache.keys.resize(layers);
    cache.values.resize(layers);
    cache.cross.resize(layers);
    for (std::size_t l = 0; l < layers; ++l) state_->decoder_layers[l].project_source(encoder_hidden, cache.cross[l]);
    for (Eigen::Index j = 0; j < cache.physical_rows; ++j) {
      cache.write_row.push_back(j);
      cache.item.push_back(j / rows_per_item);
    }
    return cache;
  }

  // Feeds `n` new decoder ids per live row (`ids` is [rows, n] row-major),
  // extends the cache and returns logits: [rows, vocab] for each row's last
  // new position, or [rows * n, vocab] with `all_positions`.
  Matrix decode(DecoderCache& cache, const std::vector<std::int32_t>& ids, Eigen::Index n,
                bool all_positions = false) const {
    const State& s = *state_;
    const Eigen::Index rows = cache.rows(), d = s.config.d_model;
    if (n < 1 || ids.size() != static_cast<std::size_t>(rows * n))
      detail::throw_error<ArgumentError>({"decode: expected ", std::to_string(rows), " rows of ",
                                          std::to_string(n), " ids, got ",
                                          std::to_string(ids.size())});
    if (cache.length + n > s.config.max_position_embeddings)
      detail::throw_error<ArgumentError>(
          {"decode: decoder position ", std::to_string(cache.length + n - 1),
           " exceeds max_position_embeddings ", std::to_string(s.config.max_position_embeddings),
           " of ", s.config.path});
    for (std::int32_t id : ids)
      if (id < 0 || id >= s.config.vocab_size)
        detail::throw_error<ArgumentError>({"decode: token id ", std::to_string(id),
                                            " is outside the vocabulary [0, ",
                                            std::to_string(s.config.vocab_size), ")"});
    cache.reserve(cache.length + n, d);
    Matrix hidden;
    s.encoder.embeddings.forward(ids.data(), nullptr, SequenceLayout::padded(rows, n), hidden, cache.length);
    DecoderWorkspace workspace;
    for (std::size_t l = 0; l < s.decoder_layers.size(); ++l)
      s.decoder_layers[l].forward(hidden, n, cache, l, workspace);
    // Extend every live row's path by its new positions.
    for (Eigen::Index i = 0; i < n; ++i)
      for (Eigen::Index j = 0; j < rows; ++j) cache.path.push_back(cache.write_row[static_cast<std::size_t>(j)]);
    cache.length += n;
    if (all_positions || n == 1) return lm_head(hidden);
    Matrix last(rows, d);
    for (Eigen::Index j = 0; j < rows; ++j) last.row(j) = hidden.row(j * n + n - 1);
    return lm_head(last);
  }

  // Teacher-forced logits of `decoder_ids` ([batch, target_len]) given the
  // source batch: [batch * target_len, vocab], as MarianMTModel(input_ids,
  // attention_mask, decoder_input_ids).logits.
  Matrix forward(const ModelInput& input, const std::vector<std::int32_t>& decoder_ids,
                 Eigen::Index target_len) const {
    const EncoderOutput encoded = encode(input);
    DecoderCache cache = start_decoding(encoded.last_hidden_state, input.attention_mask, input.batch_size,
                                        input.seq_len);
    return decode(cache, decoder_ids, target_len, true);
  }

  // hidden [rows, d] -> logits [rows, vocab].
  Matrix lm_head(const Matrix& hidden) const {
    Matrix logits(hidden.rows(), state_->config.vocab_size);
    state_->lm_head.forward(hidden, logits);
    return logits;
  }

  std::vector<std::string> tensor_names() const { return state_->store.names(); }

 private:
  MarianMTModel() = default;

  struct State {
    MarianConfig config;
    GenerationConfig generation;
    Quantization quantization = Quantization::None;
    TensorStore store;
    std::shared_ptr<const Matrix> positions;  // the sinusoidal table the embeddings view
    Encoder encoder;  // its embeddings (shared words, positions, scale) serve the decoder too
    std::vector<DecoderLayer> decoder_layers;
    Linear lm_head;   // shared embeddings + final_logits_bias
  };

  // The shared embedding matrix under any of the names checkpoints use.
  static std::string shared_name(const TensorStore& store, const std::string& prefix) {
    for (const std::string& name : {prefix + "shared.weight", prefix + "encoder.embed_tokens.weight",
                                    prefix + "decoder.embed_tokens.weight", std::string("lm_head.weight")})
      if (store.contains(name)) return name;
    return prefix + "shared.weight";  // reported missing by the binder
  }

  static void check_layers(const WeightBinder& binder, const std::string& stack, Eigen::Index wanted,
                           const std::string& config_path) {
    const std::string probe = ".fc1.weight";
    if (binder.has(stack + std::to_string(wanted - 1) + probe)) return;
    Eigen::Index present = 0;
    while (present < wanted && binder.has(stack + std::to_string(present) + probe)) ++present;
    if (present == wanted - 1) return;  // the last layer is incomplete: its tensors get listed
    detail::throw_error<LoadError>({binder.source(), ": ", config_path, " asks for ",
                                    std::to_string(wanted), " layers but the checkpoint has ",
                                    stack, "<i> tensors for only ", std::to_string(present)});
  }

  static void bind(State& state, const std::string& source) {
    const MarianConfig& c = state.config;
    const std::string prefix = state.store.contains("model.encoder.layers.0.fc1.weight") ||
                                       state.store.contains("model.shared.weight")
                                   ? "model."
                                   : "";
    WeightBinder binder(state.store, source);
    const Eigen::Index d = c.d_model;
    const Parameter shared = binder.matrix(shared_name(state.store, prefix), c.vocab_size, d);

    state.positions = std::make_shared<const Matrix>(sinusoidal_positions(c.max_position_embeddings, d));
    Encoder& encoder = state.encoder;
    encoder.hidden_size = d;
    encoder.intermediate_size = c.encoder_ffn_dim;
    encoder.num_heads = c.encoder_attention_heads;
    encoder.vocab_size = c.vocab_size;
    encoder.max_positions = c.max_position_embeddings;
    encoder.type_vocab_size = 0;
    encoder.config_path = c.path;
    encoder.embeddings.word = shared;
    encoder.embeddings.position =
        Parameter{state.positions->data(), state.positions->rows(), state.positions->cols(), state.positions};
    encoder.embeddings.word_scale = c.embed_scale();

    const std::string encoder_stack = prefix + "encoder.layers.";
    check_layers(binder, encoder_stack, c.encoder_layers, c.path);
    for (Eigen::Index i = 0; i < c.encoder_layers; ++i) {
      const std::string scope = encoder_stack + std::to_string(i) + ".";
      TransformerLayer layer;
      layer.qkv = QkvProjection::fuse(Linear::bind(binder, scope + "self_attn.q_proj", d, d),
                                      Linear::bind(binder, scope + "self_attn.k_proj", d, d),
                                      Linear::bind(binder, scope + "self_attn.v_proj", d, d));
      layer.attention_output = Linear::bind(binder, scope + "self_attn.out_proj", d, d);
      layer.attention_norm = LayerNorm::bind(binder, scope + "self_attn_layer_norm", d, c.layer_norm_eps);
      layer.intermediate = Linear::bind(binder, scope + "fc1", d, c.encoder_ffn_dim);
      layer.output = Linear::bind(binder, scope + "fc2", c.encoder_ffn_dim, d);
      layer.output_norm = LayerNorm::bind(binder, scope + "final_layer_norm", d, c.layer_norm_eps);
      layer.activation = c.activation;
      layer.num_heads = c.encoder_attention_heads;
      encoder.layers.push_back(std::move(layer));
    }

    const std::string decoder_stack = prefix + "decoder.layers.";
    check_layers(binder, decoder_stack, c.decoder_layers, c.path);
    for (Eigen::Index i = 0; i < c.decoder_layers; ++i) {
      const std::string scope = decoder_stack + std::to_string(i) + ".";
      DecoderLayer layer;
      layer.self_qkv = QkvProjection::fuse(Linear::bind(binder, scope + "self_attn.q_proj", d, d),
                                           Linear::bind(binder, scope + "self_attn.k_proj", d, d),
                                           Linear::bind(binder, scope + "self_attn.v_proj", d, d));
      layer.self_output = Linear::bind(binder, scope + "self_attn.out_proj", d, d);
      layer.self_norm = LayerNorm::bind(binder, scope + "self_attn_layer_norm", d, c.layer_norm_eps);
      layer.cross_query = Linear::bind(binder, scope + "encoder_attn.q_proj", d, d);
      layer.cross_kv = QkvProjection::fuse_parts({Linear::bind(binder, scope + "encoder_attn.k_proj", d, d),
                                                  Linear::bind(binder, scope + "encoder_attn.v_proj", d, d)});
      layer.cross_output = Linear::bind(binder, scope + "encoder_attn.out_proj", d, d);
      layer.cross_norm = LayerNorm::bind(binder, scope + "encoder_attn_layer_norm", d, c.layer_norm_eps);
      layer.fc1 = Linear::bind(binder, scope + "fc1", d, c.decoder_ffn_dim);
      layer.fc2 = Linear::bind(binder, scope + "fc2", c.decoder_ffn_dim, d);
      layer.final_norm = LayerNorm::bind(binder, scope + "final_layer_norm", d, c.layer_norm_eps);
      layer.activation = c.activation;
      layer.num_heads = c.decoder_attention_heads;
      state.decoder_layers.push_back(std::move(layer));
    }

    state.lm_head.weight = shared;
    // final_logits_bias is stored as [1, vocab].
    state.lm_head.bias = binder.matrix("final_logits_bias", 1, c.vocab_size);
    binder.finish();
  }

  std::shared_ptr<const State> state_;
};

}  // namespace bertpp
