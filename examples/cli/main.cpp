// bertpp: the command line face of the library.
//
//   bertpp <command> -m MODEL_DIR [options] [inputs...]
//
// Inputs come from the arguments, or one per line from --input FILE / stdin
// (plain text, or JSON Lines with --jsonl). Results are JSON Lines on stdout
// (or --output FILE), one per input, in input order.
#include "input_reader.hpp"
#include "npy_writer.hpp"
#include "options.hpp"
#include "progress.hpp"

#include <bertpp/bertpp.hpp>

#include <Eigen/Core>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace {

using bertpp_cli::InputReader;
using bertpp_cli::InputRecord;
using bertpp_cli::Options;
using nlohmann::json;

const char* const kUsage = R"(usage: bertpp <command> -m MODEL_DIR [options] [inputs...]

commands:
  tokenize    token ids, tokens and offsets
  embed       sentence embeddings (--tokens: per-token embeddings)
  classify    text classification / sentiment (--top-k N|all, --function softmax|sigmoid|none)
  zero-shot   zero-shot labels (--labels a,b,c [--template "This example is {}."] [--multi-label])
  fill-mask   fill [MASK] tokens (--top-k N, --targets a,b)
  qa          extractive question answering (--question Q with contexts as inputs,
              or --jsonl lines {"question": ..., "context": ...}; --top-k N)
  ner         named entities (--aggregation none|simple|first|average|max)
  info        what a model folder holds

options:
  -m, --model DIR        HuggingFace model folder (config.json, model.safetensors, vocab.txt/tokenizer.json)
  -i, --input FILE       read inputs from FILE, one per line ('-' = stdin; default: arguments, else stdin)
  --jsonl                input lines are JSON objects; --field NAME picks the text (default "text");
                         classify also reads --pair-field (default "text_pair")
  --on-error fail|skip   a bad JSON line stops the run (default) or is reported and skipped
  -o, --output FILE      write results there instead of stdout
  --format jsonl|npy     embed only: npy writes a float32 [n, dim] array (needs --output)
  --batch-size N         inputs per model call (default 32)
  --max-length N         truncate inputs to N tokens
  --threads N            worker threads (default: all cores)
  --int8                 quantise the encoder's linear layers to int8 (faster on CPUs with
                         AVX-512 VNNI; outputs differ slightly from HF's float32)
  -q, --quiet            no progress line on stderr
)";

const std::set<std::string> kSwitches = {"jsonl", "quiet", "multi-label", "tokens", "help",
                                         "handle-impossible-answer", "int8"};
const std::set<std::string> kCommonOptions = {"model", "input", "output", "jsonl", "field",
                                              "pair-field", "on-error", "batch-size",
                                              "max-length", "threads", "quiet", "help", "int8"};

// --int8 -> dynamic int8 quantisation of the encoder.
bertpp::LoadOptions load_options(const Options& options) {
  bertpp::LoadOptions load;
  if (options.flag("int8")) load.quantization = bertpp::Quantization::DynamicInt8;
  return load;
}

// Where results go: stdout or --output.
class Output {
 public:
  explicit Output(const std::string& path) {
    if (path.empty() || path == "-") return;
    file_.open(path, std::ios::binary | std::ios::trunc);
    if (!file_) throw bertpp::ArgumentError(path + ": cannot create output file");
  }
  std::ostream& stream() { return file_.is_open() ? file_ : std::cout; }
  void line(const json& value) { stream() << value.dump() << '\n'; }

 private:
  std::ofstream file_;
};

std::string text_of(const InputRecord& record, const std::string& field) {
  if (record.value.is_string()) return record.value.get<std::string>();
  auto it = record.value.find(field);
  if (it == record.value.end() || !it->is_string())
    throw bertpp::ArgumentError("input line " + std::to_string(record.line) +
                                ": no string field '" + field + "'");
  return it->get<std::string>();
}

// Streams every input through `process` batch by batch: memory stays bounded
// by --batch-size whatever the input's length.
void for_each_input_batch(const Options& options,
                          const std::function<void(const std::vector<InputRecord>&)>& process) {
  const auto on_error =
      options.get("on-error", "fail") == "skip" ? bertpp_cli::OnBadLine::Skip : bertpp_cli::OnBadLine::Fail;
  InputReader reader(options.get("input"), options.positional(), options.flag("jsonl"), on_error);
  const long batch_size = options.number("batch-size", 32);
  if (batch_size < 1) throw bertpp::ArgumentError("--batch-size must be at least 1");
  bertpp_cli::Progress progress(options.flag("quiet"));
  std::vector<InputRecord> batch;
  while (reader.next_batch(batch, static_cast<std::size_t>(batch_size))) {
    process(batch);
    progress.advance(batch.size());
  }
}

// HF's tokenizer output for one text; word ids of special tokens are null.
json encoding_json(const bertpp::Encoding& e, const std::string& text) {
  json offsets = json::array(), chars = json::array(), word_ids = json::array();
  const auto char_spans = bertpp::char_offsets(e, text);
  for (std::size_t i = 0; i < e.size(); ++i) {
    offsets.push_back({e.offsets[i].begin, e.offsets[i].end});
    chars.push_back({char_spans[i].begin, char_spans[i].end});
    word_ids.push_back(e.word_ids[i] == bertpp::Encoding::kNone ? json(nullptr) : json(e.word_ids[i]));
  }
  return {{"ids", e.ids},           {"tokens", e.tokens},
          {"type_ids", e.type_ids}, {"attention_mask", e.attention_mask},
          {"word_ids", word_ids}, {"offsets", chars},
          {"byte_offsets", offsets}};
}

std::optional<bertpp::TruncationOptions> truncation_from(const Options& options) {
  if (!options.has("max-length")) return std::nullopt;
  bertpp::TruncationOptions truncation;
  truncation.max_length = static_cast<std::size_t>(options.number("max-length", 512));
  return truncation;
}

int run_tokenize(const Options& options) {
  options.reject_unknown(kCommonOptions);
  const auto tokenizer = bertpp::WordPieceTokenizer::from_folder(options.required("model"));
  bertpp::EncodeOptions encode;
  encode.truncation = truncation_from(options);
  Output out(options.get("output"));
  const std::string field = options.get("field", "text");
  for_each_input_batch(options, [&](const std::vector<InputRecord>& batch) {
    for (const InputRecord& record : batch) {
      const std::string text = text_of(record, field);
      out.line(encoding_json(tokenizer.encode(text, encode), text));
    }
  });
  return 0;
}

int run_embed(const Options& options) {
  std::set<std::string> known = kCommonOptions;
  known.insert({"format", "tokens", "layers", "combine"});
  options.reject_unknown(known);
  const std::string folder = options.required("model");
  const std::string field = options.get("field", "text");
  const std::string format = options.get("format", "jsonl");
  if (format != "jsonl" && format != "npy")
    throw bertpp::ArgumentError("--format must be jsonl or npy, got '" + format + "'");

  if (options.flag("tokens")) {  // per-token embeddings, HF's feature-extraction
    if (format == "npy") throw bertpp::ArgumentError("--tokens writes JSON Lines only");
    const auto pipe = bertpp::pipeline("feature-extraction", folder, load_options(options));
    Output out(options.get("output"));
    for_each_input_batch(options, [&](const std::vector<InputRecord>& batch) {
      json texts = json::array();
      for (const InputRecord& record : batch) texts.push_back(text_of(record, field));
      json args = {{"inputs", texts}};
      if (options.has("layers")) {
        std::vector<int> layers;
        for (const std::string& l : options.list("layers")) layers.push_back(std::stoi(l));
        args["layers"] = layers;
      }
      if (options.has("combine")) args["combine"] = options.get("combine");
      for (const json& result : pipe.run(args)) out.line(result);
    });
    return 0;
  }

  const bertpp::SentenceEmbeddingPipeline pipe(folder, load_options(options));
  std::unique_ptr<bertpp_cli::NpyWriter> npy;
  std::unique_ptr<Output> out;
  if (format == "npy")
    npy = std::make_unique<bertpp_cli::NpyWriter>(options.required("output"), pipe.dimension());
  else
    out = std::make_unique<Output>(options.get("output"));
  for_each_input_batch(options, [&](const std::vector<InputRecord>& batch) {
    std::vector<std::string> texts;
    for (const InputRecord& record : batch) texts.push_back(text_of(record, field));
    const bertpp::Matrix embeddings = pipe.encode(texts);
    for (Eigen::Index r = 0; r < embeddings.rows(); ++r) {
      if (npy) {
        npy->write_row(embeddings.row(r).data());
      } else {
        std::vector<float> row(embeddings.row(r).data(), embeddings.row(r).data() + embeddings.cols());
        out->line(row);
      }
    }
  });
  if (npy) npy->close();
  return 0;
}

// The commands that map onto one pipeline call per batch: `make_args`
// turns a batch of records into HF's call arguments.
int run_pipeline_command(const Options& options, const std::string& task,
                         const std::set<std::string>& extra_options,
                         const std::function<json(const std::vector<InputRecord>&)>& make_args) {
  std::set<std::string> known = kCommonOptions;
  known.insert(extra_options.begin(), extra_options.end());
  options.reject_unknown(known);
  const auto pipe = bertpp::pipeline(task, options.required("model"), load_options(options));
  Output out(options.get("output"));
  for_each_input_batch(options, [&](const std::vector<InputRecord>& batch) {
    json args = make_args(batch);
    if (batch.size() == 1) {
      // HF unwraps some one-element lists (QA, fill-mask) and not others:
      // a single input is passed unwrapped, so its result is the item itself.
      for (const char* key : {"inputs", "sequences", "question", "context"})
        if (args.contains(key)) args[key] = json(args[key].at(0));
      out.line(pipe.run(args));
      return;
    }
    const json results = pipe.run(args);
    // A list input gives one result per input.
    if (!results.is_array() || results.size() != batch.size())
      throw bertpp::Error("internal: " + task + " returned " + std::to_string(results.size()) +
                          " results for " + std::to_string(batch.size()) + " inputs");
    for (const json& result : results) out.line(result);
  });
  return 0;
}

json top_k_arg(const Options& options, long fallback) {
  if (options.get("top-k") == "all") return nullptr;
  return options.number("top-k", fallback);
}

int run_classify(const Options& options) {
  const std::string field = options.get("field", "text");
  const std::string pair_field = options.get("pair-field", "text_pair");
  return run_pipeline_command(
      options, "text-classification", {"top-k", "function"}, [&](const auto& batch) {
        json inputs = json::array();
        for (const InputRecord& record : batch) {
          if (record.value.is_object() && record.value.contains(pair_field))
            inputs.push_back({{"text", text_of(record, field)},
                              {"text_pair", record.value.at(pair_field)}});
          else
            inputs.push_back(text_of(record, field));
        }
        json args = {{"inputs", inputs}};
        if (options.has("top-k")) args["top_k"] = top_k_arg(options, 1);
        if (options.has("function")) args["function_to_apply"] = options.get("function");
        return args;
      });
}

int run_zero_shot(const Options& options) {
  const auto labels = options.list("labels");
  if (labels.empty()) throw bertpp::ArgumentError("zero-shot needs --labels a,b,c");
  const std::string field = options.get("field", "text");
  return run_pipeline_command(
      options, "zero-shot-classification", {"labels", "template", "multi-label"},
      [&](const auto& batch) {
        json sequences = json::array();
        for (const InputRecord& record : batch) sequences.push_back(text_of(record, field));
        json args = {{"sequences", sequences}, {"candidate_labels", labels},
                     {"multi_label", options.flag("multi-label")}};
        if (options.has("template")) args["hypothesis_template"] = options.get("template");
        return args;
      });
}

int run_fill_mask(const Options& options) {
  const std::string field = options.get("field", "text");
  return run_pipeline_command(
      options, "fill-mask", {"top-k", "targets"}, [&](const auto& batch) {
        json inputs = json::array();
        for (const InputRecord& record : batch) inputs.push_back(text_of(record, field));
        json args = {{"inputs", inputs}, {"top_k", options.number("top-k", 5)}};
        if (options.has("targets")) args["targets"] = options.list("targets");
        return args;
      });
}

int run_qa(const Options& options) {
  return run_pipeline_command(
      options, "question-answering",
      {"question", "top-k", "max-answer-len", "doc-stride", "handle-impossible-answer"},
      [&](const auto& batch) {
        json questions = json::array(), contexts = json::array();
        for (const InputRecord& record : batch) {
          if (record.value.is_object()) {
            questions.push_back(text_of(record, "question"));
            contexts.push_back(text_of(record, "context"));
          } else {
            questions.push_back(options.required("question"));
            contexts.push_back(record.value);
          }
        }
        json args = {{"question", questions}, {"context", contexts}};
        if (options.has("top-k")) args["top_k"] = options.number("top-k", 1);
        if (options.has("max-answer-len")) args["max_answer_len"] = options.number("max-answer-len", 15);
        if (options.has("doc-stride")) args["doc_stride"] = options.number("doc-stride", 128);
        if (options.has("max-length")) args["max_seq_len"] = options.number("max-length", 384);
        if (options.flag("handle-impossible-answer")) args["handle_impossible_answer"] = true;
        return args;
      });
}

int run_ner(const Options& options) {
  const std::string field = options.get("field", "text");
  return run_pipeline_command(
      options, "token-classification", {"aggregation"}, [&](const auto& batch) {
        json inputs = json::array();
        for (const InputRecord& record : batch) inputs.push_back(text_of(record, field));
        return json{{"inputs", inputs}, {"aggregation_strategy", options.get("aggregation", "none")}};
      });
}

// What a model folder holds: architecture, sizes, weights by dtype, labels,
// tokenizer settings. Reads headers only; no weights are loaded.
json describe_model_folder(const std::string& folder) {
  const auto location = bertpp::ModelFolder::locate(folder);
  const auto config = bertpp::ModelConfig::from_file(location.config_path);
  const auto store = location.open_weights();
  std::map<std::string, std::int64_t> parameters_by_dtype;
  std::int64_t parameters = 0;
  for (const std::string& name : store.names()) {
    const bertpp::TensorInfo* info = store.find(name);
    parameters_by_dtype[bertpp::dtype_name(info->dtype)] += info->element_count();
    parameters += info->element_count();
  }
  const auto tokenizer = bertpp::WordPieceTokenizer::from_folder(folder);
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
          {"vocab_size", config.vocab_size},
          {"labels", config.id2label},
          {"weights", {{"file", location.weights_path},
                       {"tensors", store.names().size()},
                       {"parameters", parameters},
                       {"parameters_by_dtype", parameters_by_dtype}}},
          {"tokenizer", {{"vocab_size", tokenizer.vocab_size()},
                         {"lowercase", t.lowercase},
                         {"strip_accents", t.strip_accents ? json(*t.strip_accents) : json(nullptr)},
                         {"handle_chinese_chars", t.handle_chinese_chars},
                         {"unk_token", t.unk_token},
                         {"mask_token", t.mask_token}}},
          {"kernels", {{"float32", bertpp::instruction_set_name(bertpp::cpu_features())},
                       {"int8", bertpp::int8_kernel_name()},
                       {"cpu_supports", bertpp::instruction_set_name(bertpp::supported_cpu_features())}}}};
}

int run_info(const Options& options) {
  options.reject_unknown(kCommonOptions);
  std::cout << describe_model_folder(options.required("model")).dump(2) << '\n';
  return 0;
}

const std::map<std::string, std::function<int(const Options&)>>& commands() {
  static const std::map<std::string, std::function<int(const Options&)>> table = {
      {"tokenize", run_tokenize},   {"embed", run_embed}, {"classify", run_classify},
      {"zero-shot", run_zero_shot}, {"fill-mask", run_fill_mask},
      {"qa", run_qa},               {"ner", run_ner},     {"info", run_info}};
  return table;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h") {
    std::fputs(kUsage, argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  const std::string command = argv[1];
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
    return it->second(options);
  } catch (const std::exception& e) {
    std::cerr << "bertpp " << command << ": error: " << e.what() << '\n';
    return 1;
  }
}
