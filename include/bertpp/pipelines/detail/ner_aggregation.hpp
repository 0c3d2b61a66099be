// Token-classification post-processing, as HF's token-classification
// pipeline does it: per-token label probabilities become "pre-entities",
// optionally fused into words (first / average / max), grouped into entity
// spans (simple B-/I- grouping), then filtered by ignore_labels.
#pragma once

#include "bertpp/detail/stable_order.hpp"
#include "bertpp/error.hpp"
#include "bertpp/tokenizer/encoding.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace bertpp {

// HF's aggregation_strategy.
enum class AggregationStrategy { None, Simple, First, Average, Max };

// "none", "simple", "first", "average", "max" (HF's names; case-insensitive).
inline AggregationStrategy parse_aggregation_strategy(std::string_view name) {
  std::string lower;
  for (char c : name) lower += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  if (lower == "none") return AggregationStrategy::None;
  if (lower == "simple") return AggregationStrategy::Simple;
  if (lower == "first") return AggregationStrategy::First;
  if (lower == "average") return AggregationStrategy::Average;
  if (lower == "max") return AggregationStrategy::Max;
  detail::throw_error<ArgumentError>(
      {"aggregation_strategy: expected none, simple, first, average or max, got '",
       std::string(name), "'"});
}

// One result. Per-token results (strategy None) carry the token `index` and
// print as {"entity", "score", "index", "word", "start", "end"}; aggregated
// ones have no index and print as {"entity_group", "score", "word", "start",
// "end"}. start/end are character (code point) offsets into the text.
struct TokenClassificationEntity {
  std::string entity;  // label, or entity group for aggregated results
  float score = 0.0f;
  std::optional<std::size_t> index;
  std::string word;
  std::size_t start = 0;
  std::size_t end = 0;

  nlohmann::json to_json() const {
    nlohmann::json j = nlohmann::json::object();
    j[index ? "entity" : "entity_group"] = entity;
    j["score"] = static_cast<double>(score);
    if (index) j["index"] = *index;
    j["word"] = word;
    j["start"] = start;
    j["end"] = end;
    return j;
  }
};

namespace detail {

// Joins token strings into text (BertTokenizerFast.convert_tokens_to_string).
using NerJoinTokens = std::function<std::string(const std::vector<std::string>&)>;

// One non-special token with its label probabilities (a row of `num_labels`).
struct NerPreEntity {
  std::string word;  // the token, or the original text for [UNK]
  const float* scores = nullptr;
  std::size_t start = 0, end = 0;  // characters
  std::size_t index = 0;           // position in the encoding
  bool is_subword = false;
};

inline std::size_t utf8_length(std::string_view s) {
  std::size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

// HF's gather_pre_entities. With a word-aware tokenizer (one with a
// continuing-subword prefix, WordPiece's "##") a token is a subword when its
// string and the text it covers differ in length ("##kel" vs "kel"). Without
// one (byte-level BPE) HF falls back to a heuristic: a token is a subword
// unless it starts the text or a space is just before or at its start.
// [UNK] shows the original text and starts a word. `probs` holds one row of
// label probabilities per token of `encoding`.
inline std::vector<NerPreEntity> ner_pre_entities(const Encoding& encoding, std::string_view text,
                                                  const std::vector<Offset>& char_offsets,
                                                  const float* probs, std::size_t num_labels,
                                                  std::int32_t unk_id, bool word_aware = true) {
  std::vector<NerPreEntity> pre;
  for (std::size_t i = 0; i < encoding.size(); ++i) {
    if (encoding.special_tokens_mask[i]) continue;
    const Offset bytes = encoding.byte_offsets[i];
    const std::string_view ref = text.substr(bytes.begin, bytes.end - bytes.begin);
    NerPreEntity e;
    e.scores = probs + i * num_labels;
    e.start = char_offsets[i].begin;
    e.end = char_offsets[i].end;
    e.index = i;
    if (encoding.ids[i] == unk_id) {
      e.word = std::string(ref);
    } else {
      e.word = encoding.tokens[i];
      if (word_aware) {
        e.is_subword = utf8_length(e.word) != e.end - e.start;
      } else {
        // The characters before and at the start: ' ' is one byte, so bytes will do.
        const bool space_at = bytes.begin < text.size() && text[bytes.begin] == ' ';
        e.is_subword = bytes.begin > 0 && text[bytes.begin - 1] != ' ' && !space_at;
      }
    }
    pre.push_back(std::move(e));
  }
  return pre;
}

inline std::size_t argmax(const float* v, std::size_t n) {
  return static_cast<std::size_t>(std::max_element(v, v + n) - v);  // first maximum, as numpy
}

inline const std::string& ner_label(const std::vector<std::string>& id2label, std::size_t id) {
  if (id >= id2label.size())
    detail::throw_error<ArgumentError>({"token classification: label id ", std::to_string(id),
                                        " has no name in id2label (",
                                        std::to_string(id2label.size()), " labels)"});
  return id2label[id];
}

// Strategies none/simple: every token keeps its own best label.
inline std::vector<TokenClassificationEntity> ner_token_entities(
    const std::vector<NerPreEntity>& pre, const std::vector<std::string>& id2label) {
  std::vector<TokenClassificationEntity> out;
  out.reserve(pre.size());
  for (const NerPreEntity& p : pre) {
    const std::size_t best = argmax(p.scores, id2label.size());
    out.push_back({ner_label(id2label, best), p.scores[best], p.index, p.word, p.start, p.end});
  }
  return out;
}

// HF's aggregate_word: one label for the tokens of a word.
inline TokenClassificationEntity ner_word_entity(const std::vector<const NerPreEntity*>& tokens,
                                                 AggregationStrategy strategy,
                                                 const std::vector<std::string>& id2label,
                                                 const NerJoinTokens& join) {
  const std::size_t n = id2label.size();
  std::vector<std::string> words;
  for (const NerPreEntity* t : tokens) words.push_back(t->word);
  TokenClassificationEntity word;
  word.word = join(words);
  word.start = tokens.front()->start;
  word.end = tokens.back()->end;
  if (strategy == AggregationStrategy::Average) {
    std::vector<double> sum(n, 0.0);
    for (const NerPreEntity* t : tokens)
      for (std::size_t l = 0; l < n; ++l) sum[l] += t->scores[l];
    std::vector<float> mean(n);
    for (std::size_t l = 0; l < n; ++l) mean[l] = static_cast<float>(sum[l] / tokens.size());
    const std::size_t best = argmax(mean.data(), n);
    word.entity = ner_label(id2label, best);
    word.score = mean[best];
    return word;
  }
  const NerPreEntity* chosen = tokens.front();  // First
  if (strategy == AggregationStrategy::Max) {
    // Python's max(): the first token holding the highest probability.
    float best_score = -1.0f;
    for (const NerPreEntity* t : tokens) {
      const float top = t->scores[argmax(t->scores, n)];
      if (top > best_score) best_score = top, chosen = t;
    }
  }
  const std::size_t best = argmax(chosen->scores, n);
  word.entity = ner_label(id2label, best);
  word.score = chosen->scores[best];
  return word;
}

// HF's aggregate_words: a word is a token followed by its subword tokens.
inline std::vector<TokenClassificationEntity> ner_word_entities(
    const std::vector<NerPreEntity>& pre, AggregationStrategy strategy,
    const std::vector<std::string>& id2label, const NerJoinTokens& join) {
  std::vector<TokenClassificationEntity> out;
  std::vector<const NerPreEntity*> word;
  for (const NerPreEntity& p : pre) {
    if (!word.empty() && !p.is_subword) {
      out.push_back(ner_word_entity(word, strategy, id2label, join));
      word.clear();
    }
    word.push_back(&p);
  }
  if (!word.empty()) out.push_back(ner_word_entity(word, strategy, id2label, join));
  return out;
}

// HF's get_tag: "B-PER" -> (B, PER), "I-PER" -> (I, PER), other -> (I, other).
inline std::pair<char, std::string_view> ner_tag(std::string_view label) {
  if (label.size() >= 2 && (label[0] == 'B' || label[0] == 'I') && label[1] == '-')
    return {label[0], label.substr(2)};
  return {'I', label};
}

// HF's group_sub_entities: mean score, words joined, span of first to last.
// A group's name drops a "B-"/"I-"-style prefix: everything after the first '-'.
inline TokenClassificationEntity ner_group(const TokenClassificationEntity* first,
                                           std::size_t count, const NerJoinTokens& join) {
  const std::string& label = first->entity;
  const std::size_t dash = label.find('-');
  TokenClassificationEntity group;
  group.entity = dash == std::string::npos ? label : label.substr(dash + 1);
  double sum = 0.0;
  std::vector<std::string> words;
  for (std::size_t i = 0; i < count; ++i) {
    sum += first[i].score;
    words.push_back(first[i].word);
  }
  group.score = static_cast<float>(sum / count);
  group.word = join(words);
  group.start = first->start;
  group.end = first[count - 1].end;
  return group;
}

// HF's group_entities: adjacent entities of one tag merge unless the newer
// one starts a new entity ("B-").
inline std::vector<TokenClassificationEntity> ner_group_entities(
    const std::vector<TokenClassificationEntity>& entities, const NerJoinTokens& join) {
  std::vector<TokenClassificationEntity> groups;
  std::size_t begin = 0;
  for (std::size_t i = 1; i <= entities.size(); ++i) {
    if (i < entities.size()) {
      const auto [bi, tag] = ner_tag(entities[i].entity);
      if (tag == ner_tag(entities[i - 1].entity).second && bi != 'B') continue;
    }
    groups.push_back(ner_group(&entities[begin], i - begin, join));
    begin = i;
  }
  return groups;
}

// HF's aggregate + the ignore_labels filter (on the label for per-token
// results, on the group name for aggregated ones).
inline std::vector<TokenClassificationEntity> ner_aggregate(
    const std::vector<NerPreEntity>& pre, AggregationStrategy strategy,
    const std::vector<std::string>& id2label, const std::vector<std::string>& ignore_labels,
    const NerJoinTokens& join) {
  std::vector<TokenClassificationEntity> entities;
  if (strategy == AggregationStrategy::None || strategy == AggregationStrategy::Simple) {
    entities = ner_token_entities(pre, id2label);
    if (strategy == AggregationStrategy::Simple) entities = ner_group_entities(entities, join);
  } else {
    entities = ner_group_entities(ner_word_entities(pre, strategy, id2label, join), join);
  }
  entities.erase(std::remove_if(entities.begin(), entities.end(),
                                [&](const TokenClassificationEntity& e) {
                                  return std::find(ignore_labels.begin(), ignore_labels.end(),
                                                   e.entity) != ignore_labels.end();
                                }),
                 entities.end());
  return entities;
}

// HF's aggregate_overlapping_entities, for the entities of all stride
// windows of one text: sorted by start (stably), an entity starting inside
// the one kept so far replaces it when it is longer, or as long with a
// higher score; otherwise the kept one is final.
inline std::vector<TokenClassificationEntity> ner_resolve_overlaps(
    std::vector<TokenClassificationEntity> entities) {
  if (entities.empty()) return entities;
  std::vector<std::size_t> starts;
  for (const TokenClassificationEntity& e : entities) starts.push_back(e.start);
  apply_order(entities, stable_order(starts));
  std::vector<TokenClassificationEntity> kept;
  std::size_t previous = 0;
  for (std::size_t i = 0; i < entities.size(); ++i) {
    const TokenClassificationEntity& p = entities[previous];
    const TokenClassificationEntity& e = entities[i];
    if (p.start <= e.start && e.start < p.end) {
      const std::size_t length = e.end - e.start, previous_length = p.end - p.start;
      if (length > previous_length || (length == previous_length && e.score > p.score))
        previous = i;
    } else {
      kept.push_back(p);
      previous = i;
    }
  }
  kept.push_back(entities[previous]);
  return kept;
}

}  // namespace detail
}  // namespace bertpp
