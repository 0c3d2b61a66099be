// generate() for encoder-decoder models: greedy search and beam search with
// transformers 4.31's semantics (GenerationConfig defaults overridden by the
// caller; logits processors NoBadWords, MinLength, ForcedBOS, ForcedEOS and
// LogitNormalization in HF's order; BeamSearchScorer's hypothesis
// bookkeeping, length penalty and stopping rule). The decoder runs over a
// key/value cache; rows that can no longer change the result (finished
// greedy rows, finished beam-search sentences) leave the batch at once.
//
// `Model` provides encode(ModelInput, ForwardOptions), start_decoding(...),
// decode(cache, ids, n), vocab_size(), config() (MarianMTModel does).
#pragma once

#include "bertpp/error.hpp"
#include "bertpp/io/generation_config.hpp"
#include "bertpp/models/model_io.hpp"
#include "bertpp/nn/tensor.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <vector>

namespace bertpp {

struct GenerationOutput {
  // HF's `sequences` tensor: [batch * num_return_sequences] rows of equal
  // length, starting with the decoder start token, padded with pad_token_id.
  std::vector<std::vector<std::int32_t>> sequences;
  // Beam search: each returned hypothesis' score (HF's sequences_scores).
  std::vector<float> sequences_scores;
  std::size_t num_return_sequences = 1;
};

namespace detail {

constexpr float kMinusInfinity = -std::numeric_limits<float>::infinity();

inline void log_softmax(float* row, Eigen::Index n) {
  Eigen::Map<Eigen::ArrayXf> x(row, n);
  const float max = x.maxCoeff();
  if (!std::isfinite(max)) return;  // all -inf: leave as is (as torch would give nan; never selected)
  const float log_sum = std::log((x - max).exp().sum());
  x = x - max - log_sum;
}

// The logits processors generate() builds from a GenerationConfig, in HF's
// order, applied to one row of scores given the row's ids so far.
class LogitsProcessors {
 public:
  LogitsProcessors(const GenerationConfig& config, std::size_t max_length, std::int32_t vocab)
      : config_(config), max_length_(max_length), vocab_(vocab) {
    for (const auto& word : config.bad_words_ids) {
      for (std::int32_t id : word)
        if (id < 0 || id >= vocab)
          detail::throw_error<ArgumentError>({"generation: bad_words_ids holds id ",
                                              std::to_string(id), ", outside the vocabulary [0, ",
                                              std::to_string(vocab), ")"});
      // HF drops a bad word that is just an eos token.
      if (word.size() == 1 &&
          std::find(config.eos_token_ids.begin(), config.eos_token_ids.end(), word[0]) != config.eos_token_ids.end())
        continue;
      if (word.size() == 1) banned_.push_back(word[0]);
      else sequences_.push_back(word);
    }
    for (auto id : {config.forced_bos_token_id, config.forced_eos_token_id})
      if (id && (*id < 0 || *id >= vocab))
        detail::throw_error<ArgumentError>(
            {"generation: forced token id ", std::to_string(*id), " is outside the vocabulary"});
  }

  void apply(float* scores, const std::vector<std::int32_t>& history) const {
    const std::size_t cur_len = history.size();
    for (std::int32_t id : banned_) scores[id] = kMinusInfinity;
    for (const auto& word : sequences_) {
      const std::size_t prefix = word.size() - 1;
      if (prefix <= cur_len && std::equal(word.begin(), word.end() - 1, history.end() - static_cast<std::ptrdiff_t>(prefix)))
        scores[word.back()] = kMinusInfinity;
    }
    if (cur_len < config_.min_length)
      for (std::int32_t eos : config_.eos_token_ids) scores[eos] = kMinusInfinity;
    if (config_.forced_bos_token_id && cur_len == 1) force(scores, *config_.forced_bos_token_id);
    if (config_.forced_eos_token_id && cur_len + 1 == max_length_) force(scores, *config_.forced_eos_token_id);
    if (config_.renormalize_logits) log_softmax(scores, vocab_);
  }

 private:
  void force(float* scores, std::int32_t id) const {
    std::fill(scores, scores + vocab_, kMinusInfinity);
    scores[id] = 0.0f;
  }

  const GenerationConfig& config_;
  std::size_t max_length_;
  std::int32_t vocab_;
  std::vector<std::int32_t> banned_;
  std::vector<std::vector<std::int32_t>> sequences_;
};

// HF's BeamHypotheses: the best num_beams finished hypotheses of a sentence.
struct BeamHypotheses {
  struct Hypothesis {
    double score;
    std::vector<std::int32_t> ids;
  };
  std::size_t num_beams;
  double length_penalty;
  EarlyStopping early_stopping;
  std::size_t max_length;
  std::vector<Hypothesis> beams;
  double worst_score = 1e9;

  void add(const std::vector<std::int32_t>& ids, double sum_logprobs) {
    const double score = sum_logprobs / std::pow(static_cast<double>(ids.size()), length_penalty);
    if (beams.size() < num_beams || score > worst_score) {
      beams.push_back({score, ids});
      if (beams.size() > num_beams) {
        std::vector<std::size_t> order(beams.size());
        std::iota(order.begin(), order.end(), std::size_t{0});
        std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
          return beams[a].score < beams[b].score || (beams[a].score == beams[b].score && a < b);
        });
        const double next_worst = beams[order[1]].score;
        beams.erase(beams.begin() + static_cast<std::ptrdiff_t>(order[0]));
        worst_score = next_worst;
      } else {
        worst_score = std::min(score, worst_score);
      }
    }
  }

  bool is_done(double best_sum_logprobs, std::size_t cur_len) const {
    if (beams.size() < num_beams) return false;
    if (early_stopping == EarlyStopping::True) return true;
    double highest;
    if (early_stopping == EarlyStopping::False || length_penalty <= 0.0)
      highest = best_sum_logprobs / std::pow(static_cast<double>(cur_len), length_penalty);
    else
      highest = best_sum_logprobs / std::pow(static_cast<double>(max_length), length_penalty);
    return worst_score >= highest;
  }
};

// The ids of the `k` largest scores, best first (ties: lower id first).
inline std::vector<std::int32_t> top_ids(const float* row, std::int32_t n, std::size_t k) {
  std::vector<std::int32_t> top;  // sorted best first
  top.reserve(k + 1);
  auto better = [&](std::int32_t a, std::int32_t b) { return row[a] > row[b] || (row[a] == row[b] && a < b); };
  for (std::int32_t id = 0; id < n; ++id) {
    if (top.size() == k && !better(id, top.back())) continue;
    top.insert(std::upper_bound(top.begin(), top.end(), id, better), id);
    if (top.size() > k) top.pop_back();
  }
  return top;
}

}  // namespace detail

// Generates from a padded source batch. `config` is the complete setting
// (the model's generation_config() with the caller's overrides applied).
template <typename Model>
GenerationOutput generate(const Model& model, const ModelInput& input, GenerationConfig config) {
  config.validate();
  if (config.eos_token_ids.empty()) config.eos_token_ids.push_back(model.config().eos_token_id);
  const std::int32_t start = config.decoder_start_token_id.value_or(model.config().decoder_start_token_id);
  const std::int32_t pad = config.pad_token_id.value_or(model.config().pad_token_id);
  const std::int32_t vocab = model.vocab_size();
  for (std::int32_t id : config.eos_token_ids)
    if (id < 0 || id >= vocab)
      detail::throw_error<ArgumentError>(
          {"generation: eos_token_id ", std::to_string(id), " is outside the vocabulary"});
  if (start < 0 || start >= vocab || pad < 0 || pad >= vocab)
    throw ArgumentError("generation: decoder_start_token_id / pad_token_id outside the vocabulary");
  // HF's sinusoidal table has max_position_embeddings rows: no sequence
  // can be longer than that.
  const std::size_t max_length = std::min<std::size_t>(
      config.effective_max_length(1), static_cast<std::size_t>(model.config().max_position_embeddings));
  const std::size_t batch = static_cast<std::size_t>(input.batch_size);
  const std::size_t beams = config.num_beams;
  const std::size_t returned = config.num_return_sequences;
  GenerationOutput out;
  out.num_return_sequences = returned;
  if (batch == 0) return out;
  const detail::LogitsProcessors processors(config, max_length, vocab);
  auto is_eos = [&](std::int32_t id) {
    return std::find(config.eos_token_ids.begin(), config.eos_token_ids.end(), id) != config.eos_token_ids.end();
  };

  ForwardOptions encode_options;
  encode_options.skip_padding = true;  // padding rows are masked out of cross-attention anyway
  const EncoderOutput encoded = model.encode(input, encode_options);
  auto cache = model.start_decoding(encoded.last_hidden_state, input.attention_mask, input.batch_size,
                                            input.seq_len, static_cast<Eigen::Index>(beams));

  if (beams == 1) {  // greedy search
    std::vector<std::vector<std::int32_t>> history(batch, std::vector<std::int32_t>{start});
    std::vector<std::size_t> live(batch);  // live row -> batch item
    std::iota(live.begin(), live.end(), std::size_t{0});
    std::size_t cur_len = 1;
    while (cur_len < max_length && !live.empty()) {
      std::vector<std::int32_t> last;
      for (std::size_t item : live) last.push_back(history[item].back());
      Matrix logits = model.decode(cache, last, 1);
      std::vector<Eigen::Index> keep;
      for (std::size_t j = 0; j < live.size(); ++j) {
        float* row = logits.row(static_cast<Eigen::Index>(j)).data();
        processors.apply(row, history[live[j]]);
        const std::int32_t next = static_cast<std::int32_t>(std::max_element(row, row + vocab) - row);
        history[live[j]].push_back(next);
        if (!is_eos(next)) keep.push_back(static_cast<Eigen::Index>(j));
      }
      ++cur_len;
      if (keep.size() != live.size()) {
        std::vector<std::size_t> still;
        for (Eigen::Index j : keep) still.push_back(live[static_cast<std::size_t>(j)]);
        live = std::move(still);
        if (!live.empty()) cache.reorder(keep);
      }
    }
    for (auto& ids : history) {
      ids.resize(cur_len, pad);  // finished rows are padded to the batch's length
      out.sequences.push_back(std::move(ids));
    }
    return out;
  }

  // Beam search.
  std::vector<detail::BeamHypotheses> hypotheses(
      batch, detail::BeamHypotheses{beams, config.length_penalty, config.early_stopping, max_length, {}, 1e9});
  std::vector<char> done(batch, 0);
  std::vector<std::size_t> live_items(batch);  // sentences still searching, in order
  std::iota(live_items.begin(), live_items.end(), std::size_t{0});
  // Live rows: beams of the live sentences, sentence-major.
  std::vector<std::vector<std::int32_t>> history(batch * beams, std::vector<std::int32_t>{start});
  std::vector<float> beam_scores(batch * beams, 0.0f);
  for (std::size_t b = 0; b < batch; ++b)
    for (std::size_t k = 1; k < beams; ++k) beam_scores[b * beams + k] = -1e9f;
  std::size_t cur_len = 1;
  struct Candidate {
    float score;
    std::int64_t index;  // beam * vocab + token, as HF's flattened top-k
  };
  while (true) {
    std::vector<std::int32_t> last;
    for (const auto& ids : history) last.push_back(ids.back());
    Matrix logits = model.decode(cache, last, 1);
    const std::size_t rows = history.size();
    for (std::size_t j = 0; j < rows; ++j) {
      float* row = logits.row(static_cast<Eigen::Index>(j)).data();
      row[pad] = detail::kMinusInfinity;  // Marian's adjust_logits_during_generation
      detail::log_softmax(row, vocab);
      processors.apply(row, history[j]);
      Eigen::Map<Eigen::ArrayXf>(row, vocab) += beam_scores[j];
    }
    std::vector<std::vector<std::int32_t>> next_history;
    std::vector<float> next_scores;
    std::vector<Eigen::Index> parents;
    std::vector<std::size_t> next_live;
    const std::size_t wanted = 2 * beams;
    for (std::size_t s = 0; s < live_items.size(); ++s) {
      const std::size_t item = live_items[s];
      // The best 2 * num_beams of num_beams * vocab candidates: each beam's
      // best 2 * num_beams, merged.
      std::vector<Candidate> pool;
      for (std::size_t k = 0; k < beams; ++k) {
        const float* row = logits.row(static_cast<Eigen::Index>(s * beams + k)).data();
        for (std::int32_t id : detail::top_ids(row, vocab, wanted))
          pool.push_back({row[id], static_cast<std::int64_t>(k) * vocab + id});
      }
      std::sort(pool.begin(), pool.end(), [](const Candidate& a, const Candidate& b) {
        return a.score > b.score || (a.score == b.score && a.index < b.index);
      });
      pool.resize(std::min(pool.size(), wanted));
      std::size_t filled = 0;
      std::vector<std::size_t> chosen_rows;
      for (std::size_t rank = 0; rank < pool.size() && filled < beams; ++rank) {
        const std::size_t beam = static_cast<std::size_t>(pool[rank].index / vocab);
        const auto token = static_cast<std::int32_t>(pool[rank].index % vocab);
        const std::size_t row = s * beams + beam;
        if (is_eos(token)) {
          if (rank >= beams) continue;  // an eos below the top num_beams does not count
          hypotheses[item].add(history[row], static_cast<double>(pool[rank].score));
        } else {
          std::vector<std::int32_t> ids = history[row];
          ids.push_back(token);
          next_history.push_back(std::move(ids));
          next_scores.push_back(pool[rank].score);
          parents.push_back(static_cast<Eigen::Index>(row));
          ++filled;
        }
      }
      if (filled < beams)
        throw Error("beam search: fewer than num_beams continuations (every candidate scored -inf)");
      done[item] = hypotheses[item].is_done(static_cast<double>(pool.front().score), cur_len + 1);
      if (done[item]) {  // its beams leave the batch
        next_history.resize(next_history.size() - beams);
        next_scores.resize(next_scores.size() - beams);
        parents.resize(parents.size() - beams);
      } else {
        next_live.push_back(item);
      }
    }
    ++cur_len;
    history = std::move(next_history);
    beam_scores = std::move(next_scores);
    live_items = std::move(next_live);
    if (live_items.empty() || cur_len >= max_length) break;
    cache.reorder(parents);
  }
  // Sentences still open at max_length: their beams are hypotheses too.
  for (std::size_t s = 0; s < live_items.size(); ++s)
    for (std::size_t k = 0; k < beams; ++k)
      hypotheses[live_items[s]].add(history[s * beams + k], static_cast<double>(beam_scores[s * beams + k]));

  std::vector<std::vector<std::int32_t>> best;
  for (std::size_t b = 0; b < batch; ++b) {
    auto sorted = hypotheses[b].beams;
    std::stable_sort(sorted.begin(), sorted.end(),
                     [](const auto& x, const auto& y) { return x.score < y.score; });
    for (std::size_t r = 0; r < returned; ++r) {
      best.push_back(sorted.back().ids);
      out.sequences_scores.push_back(static_cast<float>(sorted.back().score));
      sorted.pop_back();
    }
  }
  std::size_t longest = 0;
  for (const auto& ids : best) longest = std::max(longest, ids.size());
  const std::size_t width = std::min(longest + 1, max_length);
  for (auto& ids : best) {
    const std::size_t n = ids.size();
    if (n < width) ids.push_back(config.eos_token_ids.front());  // the eos that ended it
    ids.resize(width, pad);
    out.sequences.push_back(std::move(ids));
  }
  return out;
}

}  // namespace bertpp
