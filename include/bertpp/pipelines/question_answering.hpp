// HF's question-answering pipeline (extractive QA, fast-tokenizer path): the
// question and context are encoded as a pair, the context split into
// overlapping windows (max_seq_len, doc_stride), every window scored by the
// model's start/end logits, and the best context spans returned.
// Semantics of transformers up to 4.52 (what the golden data was made with):
// each window offers its own top_k spans and equal answers from overlapping
// windows stay separate (4.53+ merges them and over-fetches per window).
//
//   bertpp::QuestionAnsweringPipeline qa("models/bert-squad");
//   auto result = qa("Where is Normandy?", "Normandy is a region in France.");
//   result.best().answer;                       // "France" (with a trained model)
//   bertpp::QuestionAnsweringOptions options;  options.top_k = 3;
//   auto ranked = qa({{"Who?", "..."}, {"When?", "..."}}, options);
#pragma once

#include "bertpp/error.hpp"
#include "bertpp/pipelines/detail/json_args.hpp"
#include "bertpp/pipelines/detail/qa_answers.hpp"
#include "bertpp/pipelines/detail/qa_spans.hpp"
#include "bertpp/pipelines/pipeline.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace bertpp {

struct QuestionAnsweringInput {
  std::string question;
  std::string context;
};

// HF's option names and defaults.
struct QuestionAnsweringOptions {
  std::size_t top_k = 1;  // answers per question, best first
  // Tokens of overlap between consecutive context windows; HF's default is
  // min(max_seq_len / 2, 128).
  std::optional<std::size_t> doc_stride;
  std::size_t max_answer_len = 15;  // in tokens
  // Tokens per window (question + context + specials); HF's default is
  // min(tokenizer model_max_length, 384), here also at most the model's
  // max_position_embeddings. A larger explicit value is refused.
  std::optional<std::size_t> max_seq_len;
  // Only HF's slow-tokenizer path uses it; accepted for parity, no effect.
  std::size_t max_question_len = 64;
  // Also offer "no answer" ({score, 0, 0, ""}) scored by the [CLS] token.
  bool handle_impossible_answer = false;
  // Widen answers to whole words (else token boundaries).
  bool align_to_words = true;
  BatchOptions batch;  // windows run through the model together
};

// The answers to one question, best first. HF returns a single dict when
// there is exactly one answer, else a list: to_json() does the same.
struct QuestionAnsweringResult {
  std::vector<QuestionAnswer> answers;

  const QuestionAnswer& best() const {
    if (answers.empty()) throw ArgumentError("question answering: no answer was found");
    return answers.front();
  }

  nlohmann::json to_json() const {
    if (answers.size() == 1) return answers.front().to_json();
    nlohmann::json list = nlohmann::json::array();
    for (const QuestionAnswer& a : answers) list.push_back(a.to_json());
    return list;
  }
};

class QuestionAnsweringPipeline : public Pipeline {
 public:
  using Pipeline::Pipeline;

  QuestionAnsweringResult operator()(const std::string& question, const std::string& context,
                                     const QuestionAnsweringOptions& options = {}) const {
    return std::move(
        (*this)(std::vector<QuestionAnsweringInput>{{question, context}}, options).front());
  }

  // Several questions about one context.
  std::vector<QuestionAnsweringResult> operator()(
      const std::vector<std::string>& questions, const std::string& context,
      const QuestionAnsweringOptions& options = {}) const {
    std::vector<QuestionAnsweringInput> inputs;
    for (const std::string& q : questions) inputs.push_back({q, context});
    return (*this)(inputs, options);
  }

  // A batch: windows of all inputs go through the model together.
  std::vector<QuestionAnsweringResult> operator()(
      const std::vector<QuestionAnsweringInput>& inputs,
      const QuestionAnsweringOptions& options = {}) const {
    check(options);
    const EncodeOptions encode = encode_options(options);
    std::vector<Encoding> windows;
    std::vector<std::size_t> first_window;  // input i owns windows [first[i], first[i+1])
    std::vector<std::pair<std::string, std::string>> pairs;
    pairs.reserve(inputs.size());
    for (const QuestionAnsweringInput& input : inputs) {
      check(input);
      pairs.emplace_back(input.question, input.context);
    }
    std::vector<Encoding> encodings = tokenizer().encode_batch(pairs, encode);
    for (Encoding& main : encodings) {
      first_window.push_back(windows.size());
      std::vector<Encoding> overflow = std::move(main.overflowing);
      main.overflowing.clear();
      windows.push_back(std::move(main));
      for (Encoding& window : overflow) windows.push_back(std::move(window));
    }
    first_window.push_back(windows.size());

    std::vector<WindowLogits> logits(windows.size());
    for_each_batch(windows, options.batch,
                   [&](const std::vector<std::size_t>& indices, const ModelInput& batch) {
                     const QuestionAnsweringLogits out = model().question_answering_logits(batch, forward_options());
                     for (std::size_t i = 0; i < indices.size(); ++i) {
                       const auto row = static_cast<Eigen::Index>(i);
                       const auto n = static_cast<Eigen::Index>(windows[indices[i]].size());
                       WindowLogits& w = logits[indices[i]];
                       w.start.assign(out.start.row(row).data(), out.start.row(row).data() + n);
                       w.end.assign(out.end.row(row).data(), out.end.row(row).data() + n);
                     }
                   });

    std::vector<QuestionAnsweringResult> results;
    results.reserve(inputs.size());
    for (std::size_t i = 0; i < inputs.size(); ++i)
      results.push_back(answer(inputs[i].context, windows, logits, first_window[i],
                               first_window[i + 1], options));
    return results;
  }

  // HF's call with JSON arguments: {"question": str | [str], "context": str |
  // [str], "top_k", "doc_stride", "max_answer_len", "max_seq_len",
  // "max_question_len", "handle_impossible_answer", "align_to_words",
  // "batch_size"}. One question gives its result (a dict, or a list when
  // top_k > 1 yields several answers); several give a list of those.
  nlohmann::json run(const nlohmann::json& args) const {
    detail::JsonArgs reader(args, "question-answering");
    const std::vector<QuestionAnsweringInput> inputs = parse_inputs(reader);
    QuestionAnsweringOptions options;
    options.top_k = reader.count("topk", options.top_k);  // HF's deprecated name
    options.top_k = reader.count("top_k", options.top_k);
    options.doc_stride = reader.optional_count("doc_stride");
    options.max_answer_len = reader.count("max_answer_len", options.max_answer_len);
    options.max_seq_len = reader.optional_count("max_seq_len");
    options.max_question_len = reader.count("max_question_len", options.max_question_len);
    options.handle_impossible_answer =
        reader.get<bool>("handle_impossible_answer", options.handle_impossible_answer);
    options.align_to_words = reader.get<bool>("align_to_words", options.align_to_words);
    options.batch.batch_size = reader.count("batch_size", options.batch.batch_size);
    reader.reject_unknown();

    const std::vector<QuestionAnsweringResult> results = (*this)(inputs, options);
    if (results.size() == 1) return results.front().to_json();
    nlohmann::json out = nlohmann::json::array();
    for (const QuestionAnsweringResult& r : results) out.push_back(r.to_json());
    return out;
  }

 private:
  struct WindowLogits {
    std::vector<float> start, end;
  };

  static void check(const QuestionAnsweringOptions& options) {
    if (options.top_k < 1) throw ArgumentError("question answering: top_k must be >= 1 (got 0)");
    if (options.max_answer_len < 1)
      throw ArgumentError("question answering: max_answer_len must be >= 1 (got 0)");
  }

  static void check(const QuestionAnsweringInput& input) {
    if (input.question.empty())
      throw ArgumentError("question answering: `question` cannot be empty");
    if (input.context.empty()) throw ArgumentError("question answering: `context` cannot be empty");
  }

  // HF's preprocess: pair encoding truncated only in the context, with
  // overflowing windows overlapping by doc_stride tokens, no padding.
  EncodeOptions encode_options(const QuestionAnsweringOptions& options) const {
    // The default window is clamped to the model's positions (a tokenizer may
    // claim a longer model_max_length than the model has); an explicit one
    // that the model cannot take is refused.
    if (options.max_seq_len && *options.max_seq_len > model_positions())
      detail::throw_error<ArgumentError>(
          {"question answering: max_seq_len ", std::to_string(*options.max_seq_len),
           " is longer than the model's ", std::to_string(model_positions()),
           " positions (max_position_embeddings in config.json, less any padding offset)"});
    const std::size_t max_seq_len =
        options.max_seq_len ? *options.max_seq_len
                            : std::min({tokenizer().options().model_max_length, std::size_t{384},
                                        model_positions()});
    const std::size_t doc_stride =
        options.doc_stride ? *options.doc_stride : std::min<std::size_t>(max_seq_len / 2, 128);
    if (doc_stride > max_seq_len)
      detail::throw_error<ArgumentError>(
          {"question answering: doc_stride (", std::to_string(doc_stride),
           ") is larger than max_seq_len (", std::to_string(max_seq_len), ")"});
    EncodeOptions encode;
    encode.add_special_tokens = true;
    encode.truncation = TruncationOptions{max_seq_len, TruncationStrategy::OnlySecond, doc_stride};
    encode.return_overflowing_tokens = true;
    return encode;
  }

  // HF's postprocess for one question: spans of every window, mapped to the
  // context, pooled with the lowest "no answer" score over the windows.
  static QuestionAnsweringResult answer(const std::string& context,
                                        const std::vector<Encoding>& windows,
                                        const std::vector<WindowLogits>& logits, std::size_t first,
                                        std::size_t last, const QuestionAnsweringOptions& options) {
    const CharIndex chars(context);
    double null_score = 1000000.0;  // HF's "large and positive" start
    std::vector<QuestionAnswer> pool;
    for (std::size_t w = first; w < last; ++w) {
      const Encoding& window = windows[w];
      const detail::QaWindowSpans spans = detail::qa_window_spans(
          logits[w].start.data(), logits[w].end.data(), detail::qa_allowed_tokens(window),
          options.top_k, options.max_answer_len);
      null_score = std::min(null_score, static_cast<double>(spans.null_score));
      for (const detail::QaSpan& span : spans.spans) {
        const Offset bytes =
            detail::qa_span_bytes(window, span.start, span.end, options.align_to_words);
        pool.push_back({static_cast<double>(span.score), chars.char_of_byte(bytes.begin),
                        chars.char_of_byte(bytes.end), detail::qa_slice(context, bytes)});
      }
    }
    return {detail::qa_best_answers(std::move(pool), options.handle_impossible_answer, null_score,
                                    options.top_k)};
  }

  // question/context each a string or a list: a list of questions with one
  // context asks them all of it; two lists pair up.
  static std::vector<QuestionAnsweringInput> parse_inputs(detail::JsonArgs& reader) {
    const nlohmann::json& question = reader.required("question");
    const nlohmann::json& context = reader.required("context");
    const std::vector<std::string> questions = reader.string_list(question, "question");
    const std::vector<std::string> contexts = reader.string_list(context, "context");
    std::vector<QuestionAnsweringInput> inputs;
    if (context.is_string()) {
      for (const std::string& q : questions) inputs.push_back({q, contexts.front()});
    } else if (question.is_array() && questions.size() == contexts.size()) {
      for (std::size_t i = 0; i < questions.size(); ++i)
        inputs.push_back({questions[i], contexts[i]});
    } else {
      detail::throw_error<ArgumentError>({"question-answering: ", std::to_string(questions.size()),
                                          " question(s) for ", std::to_string(contexts.size()),
                                          " context(s); give one context, or one per question"});
    }
    return inputs;
  }
};

}  // namespace bertpp
