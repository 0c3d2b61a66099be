// bertpp: the command line face of the library.
//
//   bertpp <command> -m MODEL_DIR [options] [inputs...]
//
// Inputs come from the arguments, or one per line from --input FILE / stdin
// (plain text, or JSON Lines with --jsonl). Results are JSON Lines on stdout
// (or --output FILE): exactly one line per input line, in input order.
#include "command.hpp"
#include "rerank_command.hpp"
#include "serve_command.hpp"
#include "translate_command.hpp"

#include <bertpp/bertpp.hpp>

#include <Eigen/Core>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace {

using bertpp_cli::InputRecord;
using bertpp_cli::LengthLimit;
using bertpp_cli::Options;
using bertpp_cli::RecordError;
using nlohmann::json;

const char* const kUsage = R"(usage: bertpp <command> -m MODEL_DIR [options] [inputs...]

commands:
  tokenize    token ids, tokens and offsets (--max-length N, --truncation S, --stride N,
              --padding P; --jsonl lines may hold a text pair: --pair-field, default "text_pair")
  embed       sentence embeddings (--tokens: per-token embeddings; --max-length N, --no-truncate;
              --long windows [--stride N]: long texts embedded whole, in overlapping windows)
  classify    text classification / sentiment (--top-k N|all, --function softmax|sigmoid|none;
              --jsonl lines may hold a text pair: --pair-field; --max-length N, --no-truncate)
  zero-shot   zero-shot labels (--labels a,b,c [--template "This example is {}."] [--multi-label];
              --max-length N, --no-truncate)
  fill-mask   fill [MASK] tokens (--top-k N, --targets a,b)
  qa          extractive question answering (--question Q with contexts as inputs,
              or --jsonl lines {"question": ..., "context": ...}; --top-k N, --max-answer-len N,
              --max-seq-len N, --doc-stride N, --handle-impossible-answer)
  ner         named entities (--aggregation none|simple|first|average|max; --stride N: long
              texts in overlapping windows, with an aggregation other than none)
  rerank      passages ranked for a query by a cross-encoder (--query Q with passages as inputs:
              one ranking line; or --jsonl lines {"query": ..., "passages": [...]}: a ranking each;
              --top-k N, --return-documents, --max-length N, --no-truncate)
  translate   MarianMT translation (--num-beams N, --max-new-tokens N, --max-length N,
              --min-length N, --length-penalty X, --num-return-sequences N,
              --early-stopping true|false|never, --truncate); built with SentencePiece
  info        what a model folder holds
  serve       HTTP server for the model (bertpp serve --help)

options (every command that reads inputs):
  -m, --model DIR        HuggingFace model folder (config.json, model.safetensors or pytorch_model.bin,
                          vocab.txt / vocab.json + merges.txt / tokenizer.json)
  -i, --input FILE       read inputs from FILE, one per line ('-' = stdin; default: arguments, else stdin);
                         every line is one input, empty lines included
  --jsonl                input lines are JSON objects; --field NAME picks the text (default "text")
  --on-error fail|skip|record
                         a line that cannot be processed (invalid UTF-8 or JSON, missing field, a text
                         the model refuses) stops the run after the earlier results (fail, default),
                         is skipped with a warning naming FILE:LINE (skip), or gives the output line
                         {"error": ..., "line": N} in its place (record)
  --max-line-bytes N     longest input line accepted (default 1048576; 0 = no limit)
  -o, --output FILE      write results there instead of stdout
  --threads N            worker threads (default: all cores)
  -q, --quiet            no progress line on stderr
options of the commands that run a model (not tokenize, info):
  --batch-size N         inputs per model call (default 32)
  --int8                 quantise the encoder's linear layers to int8 (faster on CPUs with
                         AVX-512 VNNI; outputs differ slightly from HF's float32)
embed only:
  --format jsonl|npy     npy writes a float32 [n, dim] array (needs --output)

Long inputs: classify, zero-shot, embed and rerank truncate inputs longer than the model takes
(with one warning naming how many); --max-length N truncates shorter; --no-truncate refuses
them instead (under --on-error).
)";

const std::set<std::string> kSwitches = {"jsonl", "quiet", "multi-label", "tokens", "help",
                                         "handle-impossible-answer", "int8", "no-truncate",
                                         "return-documents", "truncate"};

// HF's tokenizer output for one text (or pair); word ids of special tokens are null.
json encoding_json(const bertpp::Encoding& e, const std::string& text, const std::string& pair) {
  json bytes = json::array(), chars = json::array();
  const auto char_spans = bertpp::char_offsets(e, text, pair);
  auto nullable = [](const std::vector<std::int32_t>& ids) {
    json out = json::array();
    for (std::int32_t id : ids) out.push_back(id == bertpp::Encoding::kNone ? json(nullptr) : json(id));
    return out;
  };
  for (std::size_t i = 0; i < e.size(); ++i) {
    bytes.push_back({e.byte_offsets[i].begin, e.byte_offsets[i].end});
    chars.push_back({char_spans[i].begin, char_spans[i].end});
  }
  json out = {{"ids", e.ids},
              {"tokens", e.tokens},
              {"type_ids", e.type_ids},
              {"attention_mask", e.attention_mask},
              {"special_tokens_mask", e.special_tokens_mask},
              {"word_ids", nullable(e.word_ids)},
              {"sequence_ids", nullable(e.sequence_ids)},
              {"char_offsets", chars},
              {"byte_offsets", bytes}};
  return out;
}

// --truncation / --max-length / --stride / --padding as HF's tokenizer call
// takes them: max_length alone truncates longest_first (as HF does, with a
// warning); truncation alone cuts at the tokenizer's model_max_length.
bertpp::EncodeOptions tokenize_options(const Options& options, std::size_t model_max_length) {
  bertpp::EncodeOptions encode;
  const std::string truncation =
      options.get("truncation", options.has("max-length") ? "longest_first" : "do_not_truncate");
  const std::size_t max_length = options.size("max-length", model_max_length, 1);
  if (truncation != "false" && truncation != "do_not_truncate") {
    bertpp::TruncationOptions t;
    t.max_length = max_length;
    if (truncation == "true" || truncation == "longest_first") {
      t.strategy = bertpp::TruncationStrategy::LongestFirst;
    } else if (truncation == "only_first") {
      t.strategy = bertpp::TruncationStrategy::OnlyFirst;
    } else if (truncation == "only_second") {
      t.strategy = bertpp::TruncationStrategy::OnlySecond;
    } else {
      throw bertpp::ArgumentError("--truncation must be true, longest_first, only_first, "
                                  "only_second, false or do_not_truncate, got '" + truncation + "'");
    }
    t.stride = options.size("stride", 0);
    encode.truncation = t;
    encode.return_overflowing_tokens = options.has("stride");  // HF's overflowing windows
  } else if (options.has("stride")) {
    throw bertpp::ArgumentError("--stride needs truncation (--max-length N or --truncation)");
  }
  const std::string padding = options.get("padding", "do_not_pad");
  if (padding == "max_length") {
    encode.padding.strategy = bertpp::PaddingStrategy::MaxLength;
    encode.padding.max_length = max_length;
  } else if (padding == "longest" || padding == "true") {
    encode.padding.strategy = bertpp::PaddingStrategy::Longest;  // one input: nothing to pad to
  } else if (padding != "do_not_pad" && padding != "false") {
    throw bertpp::ArgumentError("--padding must be longest, max_length or do_not_pad, got '" +
                                padding + "'");
  }
  return encode;
}

int run_tokenize(const Options& options) {
  options.reject_unknown(bertpp_cli::with(bertpp_cli::input_options(),
                                          {"pair-field", "max-length", "truncation", "stride", "padding"}),
                         "tokenize");
  const std::string folder = bertpp_cli::model_folder(options, true);
  const auto tokenizer = bertpp::Tokenizer::from_folder(folder);
  const bertpp::EncodeOptions encode = tokenize_options(options, tokenizer.options().model_max_length);
  const bool with_windows = options.has("stride");
  const std::string field = bertpp_cli::field_name(options, "field", "text");
  const std::string pair_field = bertpp_cli::field_name(options, "pair-field", "text_pair");
  struct Texts {
    std::string text;
    std::optional<std::string> pair;
  };
  auto in = bertpp_cli::open_inputs(options, "tokenize", folder);
  bertpp_cli::JsonLinesSink sink(options.get("output"));
  bertpp_cli::run_records<Texts>(
      in.reader, in.run, sink,
      [&](const InputRecord& record) {
        return Texts{bertpp_cli::text_field(record, field),
                     bertpp_cli::optional_text_field(record, pair_field)};
      },
      [&](const std::vector<Texts>& items) {
        // Single texts are encoded as one batch, on every --threads worker
        // (not under padding "longest": each line is padded alone, as HF pads one text).
        std::vector<bertpp::Encoding> batch;
        const bool pairs = std::any_of(items.begin(), items.end(), [](const Texts& t) { return t.pair; });
        if (!pairs && encode.padding.strategy != bertpp::PaddingStrategy::Longest) {
          std::vector<std::string> texts;
          for (const Texts& t : items) texts.push_back(t.text);
          batch = tokenizer.encode_batch(texts, encode);
        }
        std::vector<json> out;
        for (std::size_t i = 0; i < items.size(); ++i) {
          const Texts& t = items[i];
          const bertpp::Encoding e = !batch.empty() ? std::move(batch[i])
                                     : t.pair       ? tokenizer.encode(t.text, *t.pair, encode)
                                                    : tokenizer.encode(t.text, encode);
          const std::string pair = t.pair.value_or("");
          json line = encoding_json(e, t.text, pair);
          if (with_windows) {  // HF's return_overflowing_tokens: the further windows
            line["overflowing"] = json::array();
            for (const bertpp::Encoding& window : e.overflowing)
              line["overflowing"].push_back(encoding_json(window, t.text, pair));
          }
          out.push_back(std::move(line));
        }
        return out;
      });
  return 0;
}

std::vector<int> layer_list(const Options& options) {
  std::vector<int> layers;
  for (const std::string& item : options.list("layers")) {
    try {
      std::size_t used = 0;
      layers.push_back(std::stoi(item, &used));
      if (used == item.size()) continue;
    } catch (const std::exception&) {
    }
    throw bertpp::ArgumentError("--layers expects whole numbers (e.g. -1,-2), got '" + item + "'");
  }
  return layers;
}

// Per-token embeddings: HF's feature-extraction.
int run_token_embeddings(const Options& options, const std::string& folder) {
  if (options.get("format", "jsonl") != "jsonl")
    throw bertpp::ArgumentError("--tokens writes JSON Lines only");
  const auto pipe = bertpp::pipeline("feature-extraction", folder, bertpp_cli::load_options(options));
  const auto& typed = pipe.as<bertpp::FeatureExtractionPipeline>();
  LengthLimit length(options, "embed", bertpp_cli::model_token_limit(typed));
  const std::string field = bertpp_cli::field_name(options, "field", "text");
  auto in = bertpp_cli::open_inputs(options, "embed", folder);
  bertpp_cli::JsonLinesSink sink(options.get("output"));
  bertpp_cli::run_records<std::string>(
      in.reader, in.run, sink,
      [&](const InputRecord& record) {
        std::string text = bertpp_cli::text_field(record, field);
        length.check(typed.tokenizer().encode(text).size());
        return text;
      },
      [&](const std::vector<std::string>& texts) {
        json args = {{"inputs", texts}, {"truncation", true}, {"max_length", length.limit()},
                     {"batch_size", in.run.batch_size}};
        if (options.has("layers")) args["layers"] = layer_list(options);
        if (options.has("combine")) args["combine"] = options.get("combine");
        return bertpp_cli::per_input(pipe.run(args), texts.size());
      });
  return 0;
}

int run_embed(const Options& options) {
  options.reject_unknown(bertpp_cli::with(bertpp_cli::model_options(),
                                          {"format", "tokens", "layers", "combine", "max-length",
                                           "no-truncate", "long", "stride"}),
                         "embed");
  const std::string folder = bertpp_cli::model_folder(options);
  const std::string long_text = options.get("long", "truncate");
  if (long_text != "truncate" && long_text != "windows")
    throw bertpp::ArgumentError("--long must be truncate or windows, got '" + long_text + "'");
  const bool windows = long_text == "windows";
  if (options.has("stride") && !windows) throw bertpp::ArgumentError("--stride goes with --long windows");
  if (windows && (options.flag("tokens") || options.flag("no-truncate")))
    throw bertpp::ArgumentError("--long windows embeds whole texts; it goes with neither --tokens nor --no-truncate");
  if (options.flag("tokens")) return run_token_embeddings(options, folder);
  if (options.has("layers") || options.has("combine"))
    throw bertpp::ArgumentError("--layers and --combine go with --tokens");
  const std::string format = options.get("format", "jsonl");
  if (format != "jsonl" && format != "npy")
    throw bertpp::ArgumentError("--format must be jsonl or npy, got '" + format + "'");
  const auto on_error = bertpp_cli::parse_on_error(options.get("on-error", "fail"));
  if (format == "npy" && on_error == bertpp_cli::OnError::Record)
    throw bertpp::ArgumentError("--on-error record writes JSON lines; with --format npy use fail or skip");

  auto pipe = std::make_unique<bertpp::SentenceEmbeddingPipeline>(folder, bertpp_cli::load_options(options));
  // The model's limit here is the folder's max_seq_length (sentence-transformers').
  LengthLimit length(options, "embed",
                     std::min(pipe->max_seq_length(), bertpp_cli::model_token_limit(*pipe)));
  if (length.limit() != pipe->max_seq_length()) {
    bertpp::SentenceTransformerConfig config = pipe->config();
    config.max_seq_length = length.limit();
    pipe = std::make_unique<bertpp::SentenceEmbeddingPipeline>(pipe->shared_tokenizer(),
                                                               pipe->shared_model(), config);
  }
  std::unique_ptr<bertpp_cli::ResultSink> sink;
  if (format == "npy")
    sink = std::make_unique<bertpp_cli::NpySink>(options.required("output"), pipe->dimension());
  else
    sink = std::make_unique<bertpp_cli::JsonLinesSink>(options.get("output"));
  const std::size_t specials = pipe->tokenizer().encode("").size();
  const std::string field = bertpp_cli::field_name(options, "field", "text");
  auto in = bertpp_cli::open_inputs(options, "embed", folder);
  bertpp::SentenceEmbeddingOptions embed_options;
  embed_options.batch.batch_size = in.run.batch_size;
  if (windows) {  // the whole text: overlapping windows, nothing cut
    embed_options.long_text = bertpp::LongTextStrategy::Windows;
    embed_options.window_stride = options.size("stride", 0);
    const std::size_t room = pipe->max_seq_length() - std::min(pipe->max_seq_length(), specials);
    if (embed_options.window_stride >= room)
      throw bertpp::ArgumentError("--stride " + std::to_string(embed_options.window_stride) +
                                  " must be smaller than the " + std::to_string(room) +
                                  " tokens of text a window holds");
  }
  bertpp_cli::run_records<std::string>(
      in.reader, in.run, *sink,
      [&](const InputRecord& record) {
        std::string text = bertpp_cli::text_field(record, field);
        if (windows) return text;
        // Its length as the pipeline prepares it (sentence-transformers strips, may lowercase).
        std::string prepared = bertpp::detail::python_strip(text);
        if (pipe->config().do_lower_case) prepared = bertpp::detail::python_lower(prepared);
        length.check(pipe->tokenizer().encode(prepared).size());
        return text;
      },
      [&](const std::vector<std::string>& texts) {
        const bertpp::Matrix embeddings = pipe->encode(texts, embed_options);
        std::vector<json> rows;
        for (Eigen::Index r = 0; r < embeddings.rows(); ++r) {
          json row = json::array();
          for (Eigen::Index c = 0; c < embeddings.cols(); ++c)
            row.push_back(static_cast<double>(embeddings(r, c)));
          rows.push_back(std::move(row));
        }
        return rows;
      });
  return 0;
}

json top_k_arg(const Options& options, long fallback) {
  if (options.get("top-k") == "all") return nullptr;
  return options.size("top-k", static_cast<std::size_t>(fallback), 1);
}

int run_classify(const Options& options) {
  options.reject_unknown(bertpp_cli::with(bertpp_cli::model_options(),
                                          {"pair-field", "top-k", "function", "max-length",
                                           "no-truncate"}),
                         "classify");
  const std::string folder = bertpp_cli::model_folder(options);
  const auto pipe = bertpp::pipeline("text-classification", folder, bertpp_cli::load_options(options));
  const auto& typed = pipe.as<bertpp::TextClassificationPipeline>();
  LengthLimit length(options, "classify", bertpp_cli::model_token_limit(typed));
  const std::string field = bertpp_cli::field_name(options, "field", "text");
  const std::string pair_field = bertpp_cli::field_name(options, "pair-field", "text_pair");
  auto in = bertpp_cli::open_inputs(options, "classify", folder);
  bertpp_cli::JsonLinesSink sink(options.get("output"));
  bertpp_cli::run_records<json>(
      in.reader, in.run, sink,
      [&](const InputRecord& record) {
        const std::string text = bertpp_cli::text_field(record, field);
        const auto pair = bertpp_cli::optional_text_field(record, pair_field);
        length.check(pair ? typed.tokenizer().encode(text, *pair).size()
                          : typed.tokenizer().encode(text).size());
        return pair ? json{{"text", text}, {"text_pair", *pair}} : json(text);
      },
      [&](const std::vector<json>& inputs) {
        json args = {{"inputs", inputs}, {"truncation", "longest_first"},
                     {"max_length", length.limit()}, {"batch_size", in.run.batch_size}};
        if (options.has("top-k")) args["top_k"] = top_k_arg(options, 1);
        if (options.has("function")) args["function_to_apply"] = options.get("function");
        return bertpp_cli::per_input(pipe.run(args), inputs.size());
      });
  return 0;
}

// Zero-shot: HF truncates the premise (only_first) to the tokenizer's
// model_max_length. When the model takes fewer tokens than that (or
// --max-length asks for fewer), the premise is first cut after the last
// whole word that fits beside the longest hypothesis.
int run_zero_shot(const Options& options) {
  options.reject_unknown(bertpp_cli::with(bertpp_cli::model_options(),
                                          {"labels", "template", "multi-label", "max-length",
                                           "no-truncate"}),
                         "zero-shot");
  const auto labels = options.list("labels");
  if (labels.empty()) throw bertpp::ArgumentError("zero-shot needs --labels a,b,c");
  const std::string folder = bertpp_cli::model_folder(options);
  const auto pipe = bertpp::pipeline("zero-shot-classification", folder, bertpp_cli::load_options(options));
  const auto& typed = pipe.as<bertpp::ZeroShotClassificationPipeline>();
  const bertpp::Tokenizer& tokenizer = typed.tokenizer();
  LengthLimit length(options, "zero-shot", bertpp_cli::model_token_limit(typed));
  const std::string hypothesis_template = options.get("template", "This example is {}.");
  bertpp::EncodeOptions bare;
  bare.add_special_tokens = false;
  std::size_t longest_hypothesis = 0;
  for (const std::string& label : labels) {
    std::string hypothesis = hypothesis_template;
    const auto slot = hypothesis.find("{}");
    if (slot != std::string::npos) hypothesis.replace(slot, 2, label);
    longest_hypothesis = std::max(longest_hypothesis, tokenizer.encode(hypothesis, bare).size());
  }
  const std::size_t specials = tokenizer.encode("", "").size();
  const bool cut_here = length.limit() < tokenizer.options().model_max_length;
  const std::string field = bertpp_cli::field_name(options, "field", "text");
  struct Premise {
    std::string original, text;
  };
  auto in = bertpp_cli::open_inputs(options, "zero-shot", folder);
  bertpp_cli::JsonLinesSink sink(options.get("output"));
  bertpp_cli::run_records<Premise>(
      in.reader, in.run, sink,
      [&](const InputRecord& record) {
        Premise p;
        p.original = p.text = bertpp_cli::text_field(record, field);
        const bertpp::Encoding e = tokenizer.encode(p.text, bare);
        const std::size_t room = length.limit() > specials + longest_hypothesis
                                     ? length.limit() - specials - longest_hypothesis
                                     : 0;
        if (e.size() <= room) return p;
        length.check(e.size() + specials + longest_hypothesis);
        if (cut_here) {
          std::size_t keep = room;  // first token dropped; back to the start of its word
          while (keep > 0 && e.word_ids[keep] != bertpp::Encoding::kNone &&
                 e.word_ids[keep] == e.word_ids[keep - 1])
            --keep;
          if (keep == 0) keep = room;
          p.text.resize(e.byte_offsets[keep].begin);
        }
        return p;
      },
      [&](const std::vector<Premise>& premises) {
        json sequences = json::array();
        for (const Premise& p : premises) sequences.push_back(p.text);
        json args = {{"sequences", sequences}, {"candidate_labels", labels},
                     {"multi_label", options.flag("multi-label")},
                     {"hypothesis_template", hypothesis_template},
                     {"batch_size", in.run.batch_size}};
        std::vector<json> out = bertpp_cli::per_input(pipe.run(args), premises.size());
        for (std::size_t i = 0; i < out.size(); ++i) out[i]["sequence"] = premises[i].original;
        return out;
      });
  return 0;
}

int run_fill_mask(const Options& options) {
  options.reject_unknown(bertpp_cli::with(bertpp_cli::model_options(), {"top-k", "targets"}),
                         "fill-mask");
  const std::string folder = bertpp_cli::model_folder(options);
  const auto pipe = bertpp::pipeline("fill-mask", folder, bertpp_cli::load_options(options));
  const std::string field = bertpp_cli::field_name(options, "field", "text");
  auto in = bertpp_cli::open_inputs(options, "fill-mask", folder);
  bertpp_cli::JsonLinesSink sink(options.get("output"));
  bertpp_cli::run_records<std::string>(
      in.reader, in.run, sink,
      [&](const InputRecord& record) { return bertpp_cli::text_field(record, field); },
      [&](const std::vector<std::string>& texts) {
        json args = {{"inputs", texts}, {"top_k", options.size("top-k", 5, 1)},
                     {"batch_size", in.run.batch_size}};
        if (options.has("targets")) args["targets"] = options.list("targets");
        return bertpp_cli::per_input(pipe.run(args), texts.size(), true);
      });
  return 0;
}

int run_qa(const Options& options) {
  if (options.has("max-length"))
    throw bertpp::ArgumentError("qa takes --max-seq-len (tokens per window) and --doc-stride, "
                                "as HF's question-answering pipeline; not --max-length");
  std::set<std::string> qa_options = bertpp_cli::with(
      bertpp_cli::model_options(), {"question", "top-k", "max-answer-len", "max-seq-len", "doc-stride",
                                    "handle-impossible-answer"});
  qa_options.erase("field");  // JSON lines hold "question" and "context"
  options.reject_unknown(qa_options, "qa");
  if (!options.has("question") && !options.flag("jsonl"))
    throw bertpp::ArgumentError("qa needs --question Q (the contexts are the inputs) or --jsonl "
                                "lines {\"question\": ..., \"context\": ...}");
  const std::string folder = bertpp_cli::model_folder(options);
  const auto pipe = bertpp::pipeline("question-answering", folder, bertpp_cli::load_options(options));
  const auto& typed = pipe.as<bertpp::QuestionAnsweringPipeline>();
  // HF's default window: min(model_max_length, 384); never more than the model takes.
  const std::size_t model_limit = bertpp_cli::model_token_limit(typed);
  std::size_t max_seq_len = options.size(
      "max-seq-len", std::min<std::size_t>(typed.tokenizer().options().model_max_length, 384), 1);
  if (max_seq_len > model_limit) {
    if (options.has("max-seq-len"))
      std::cerr << "bertpp qa: warning: --max-seq-len " << max_seq_len << " is more than the model takes; using "
                << model_limit << '\n';
    max_seq_len = model_limit;
  }
  if (options.has("doc-stride") && options.size("doc-stride", 0) >= max_seq_len)
    throw bertpp::ArgumentError("--doc-stride " + options.get("doc-stride") +
                                " must be smaller than the window (--max-seq-len " +
                                std::to_string(max_seq_len) + ")");
  auto in = bertpp_cli::open_inputs(options, "qa", folder);
  bertpp_cli::JsonLinesSink sink(options.get("output"));
  bertpp_cli::run_records<std::pair<std::string, std::string>>(
      in.reader, in.run, sink,
      [&](const InputRecord& record) {
        if (record.value.is_object())
          return std::make_pair(options.has("question") && !record.value.contains("question")
                                    ? options.get("question")
                                    : bertpp_cli::text_field(record, "question"),
                                bertpp_cli::text_field(record, "context"));
        return std::make_pair(options.required("question"), bertpp_cli::text_field(record, "context"));
      },
      [&](const std::vector<std::pair<std::string, std::string>>& items) {
        json questions = json::array(), contexts = json::array();
        for (const auto& item : items) {
          questions.push_back(item.first);
          contexts.push_back(item.second);
        }
        json args = {{"question", questions}, {"context", contexts},
                     {"max_seq_len", max_seq_len}, {"batch_size", in.run.batch_size}};
        if (options.has("top-k")) args["top_k"] = options.size("top-k", 1, 1);
        if (options.has("max-answer-len")) args["max_answer_len"] = options.size("max-answer-len", 15, 1);
        if (options.has("doc-stride")) args["doc_stride"] = options.size("doc-stride", 128);
        if (options.flag("handle-impossible-answer")) args["handle_impossible_answer"] = true;
        return bertpp_cli::per_input(pipe.run(args), items.size(), true);
      });
  return 0;
}

int run_ner(const Options& options) {
  options.reject_unknown(bertpp_cli::with(bertpp_cli::model_options(), {"aggregation", "stride"}), "ner");
  if (options.has("stride") && options.get("aggregation", "") == "none")
    throw bertpp::ArgumentError("--stride needs --aggregation simple, first, average or max "
                                "(as HF: with none the windows' labels cannot be merged)");
  const std::string folder = bertpp_cli::model_folder(options);
  const auto pipe = bertpp::pipeline("token-classification", folder, bertpp_cli::load_options(options));
  const std::string field = bertpp_cli::field_name(options, "field", "text");
  auto in = bertpp_cli::open_inputs(options, "ner", folder);
  bertpp_cli::JsonLinesSink sink(options.get("output"));
  bertpp_cli::run_records<std::string>(
      in.reader, in.run, sink,
      [&](const InputRecord& record) { return bertpp_cli::text_field(record, field); },
      [&](const std::vector<std::string>& texts) {
        json args = {{"inputs", texts}, {"batch_size", in.run.batch_size}};
        // As HF: no aggregation given means none, and only an explicit
        // "none" is refused beside a stride.
        if (options.has("aggregation")) args["aggregation_strategy"] = options.get("aggregation");
        if (options.has("stride")) args["stride"] = options.size("stride", 0);
        return bertpp_cli::per_input(pipe.run(args), texts.size());
      });
  return 0;
}

// What a model folder holds: architecture, sizes, weights by dtype, labels,
// tokenizer settings. Reads headers only; no weights are loaded.
json describe_model_folder(const std::string& folder) {
  if (bertpp_cli::is_marian_folder(folder)) return bertpp_cli::describe_marian_folder(folder);
  const auto location = bertpp::ModelFolder::locate(folder);
  const auto config = bertpp::ModelConfig::from_file(location.config_path);
  const auto tokenizer = bertpp::Tokenizer::from_folder(folder);
  const auto& t = tokenizer.options();
  return {{"folder", folder},
          {"model_type", config.model_type_name},
          {"architectures", config.architectures},
          {"hidden_size", config.hidden_size},
          {"num_hidden_layers", config.num_hidden_layers},
          {"num_attention_heads", config.num_attention_heads},
          {"intermediate_size", config.intermediate_size},
          {"hidden_act", config.hidden_act_name},
          {"max_position_embeddings", config.max_position_embeddings},
          {"max_sequence_length", config.max_sequence_length()},
          {"type_vocab_size", config.type_vocab_size},
          {"layer_norm_eps", config.layer_norm_eps},
          {"pad_token_id", config.pad_token_id},
          {"vocab_size", config.vocab_size},
          {"labels", config.id2label},
          {"weights", bertpp_cli::describe_weights(location)},
          {"tokenizer", {{"model", tokenizer.model().is_bpe() ? "BPE" : "WordPiece"},
                         {"vocab_size", tokenizer.vocab_size()},
                         {"model_max_length", t.model_max_length},
                         {"lowercase", t.lowercase},
                         {"strip_accents", t.strip_accents ? json(*t.strip_accents) : json(nullptr)},
                         {"handle_chinese_chars", t.handle_chinese_chars},
                         {"unk_token", t.unk_token},
                         {"mask_token", t.mask_token}}},
          {"kernels", {{"float32", bertpp::float32_kernel_name()},
                       {"int8", bertpp::int8_kernel_name()},
                       {"cpu_supports", bertpp::instruction_set_name(bertpp::supported_cpu_features())}}}};
}

int run_info(const Options& options) {
  options.reject_unknown({"model", "help"}, "info");
  std::cout << describe_model_folder(bertpp_cli::model_folder(options)).dump(2) << '\n';
  return 0;
}

const std::map<std::string, std::function<int(const Options&)>>& commands() {
  static const std::map<std::string, std::function<int(const Options&)>> table = {
      {"tokenize", run_tokenize},   {"embed", run_embed}, {"classify", run_classify},
      {"zero-shot", run_zero_shot}, {"fill-mask", run_fill_mask},
      {"qa", run_qa},               {"ner", run_ner},     {"info", run_info},
      {"rerank", bertpp_cli::run_rerank},
#ifdef BERTPP_WITH_SENTENCEPIECE
      {"translate", bertpp_cli::run_translate},
#endif
  };
  return table;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h") {
    std::fputs(kUsage, argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  const std::string command = argv[1];
  if (command == "serve") return bertpp_cli::run_serve(argc, argv);
  std::ios::sync_with_stdio(false);  // faster line reading; cout is checked at exit
  try {
    const auto it = commands().find(command);
    if (it == commands().end())
      throw bertpp::ArgumentError("unknown command '" + command + "' (see bertpp --help)");
    const Options options(argc - 2, argv + 2, kSwitches);
    if (options.flag("help")) {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if (options.has("threads")) bertpp::set_num_threads(static_cast<int>(options.number("threads", 0)));
    const int status = it->second(options);
    std::cout.flush();
    if (!std::cout) throw bertpp_cli::FatalError("<stdout>: write failed");
    return status;
  } catch (const std::exception& e) {
    std::cerr << "bertpp " << command << ": error: " << e.what() << '\n';
    return 1;
  }
}
