// What every `bertpp` command shares: its option sets, the model folder
// check, the input reader and --on-error policy from the options, reading a
// text field from a record, and the model's length limit with the
// truncate-or-refuse rule. A command in its own <name>_command.hpp builds on
// these and registers itself in main.cpp.
#pragma once

#include "input_reader.hpp"
#include "options.hpp"
#include "output.hpp"
#include "records.hpp"

#include <bertpp/bertpp.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace bertpp_cli {

// Options of every command that reads inputs.
inline std::set<std::string> input_options() {
  return {"model", "input", "output", "jsonl", "field", "on-error", "max-line-bytes",
          "quiet", "help", "threads"};
}

// input_options() plus what every command that runs the model takes.
inline std::set<std::string> model_options() {
  std::set<std::string> known = input_options();
  known.insert({"batch-size", "int8"});
  return known;
}

inline std::set<std::string> with(std::set<std::string> known, const std::set<std::string>& more) {
  known.insert(more.begin(), more.end());
  return known;
}

inline bool file_exists(const std::string& path) {
  std::error_code ignored;
  return std::filesystem::is_regular_file(path, ignored);
}

// -m DIR, checked: it exists, is a folder, and holds what the command needs
// (a model's config.json, or only tokenizer files for `tokenize`).
inline std::string model_folder(const Options& options, bool tokenizer_only = false) {
  const std::string dir = options.required("model");
  std::error_code error;
  if (!std::filesystem::exists(dir, error)) throw bertpp::ArgumentError("no such model folder: " + dir);
  if (!std::filesystem::is_directory(dir, error))
    throw bertpp::ArgumentError(dir + " is not a folder (-m takes a HuggingFace model folder)");
  if (tokenizer_only) {
    if (!file_exists(dir + "/tokenizer.json") && !file_exists(dir + "/vocab.txt") &&
        !file_exists(dir + "/vocab.json"))
      throw bertpp::ArgumentError("no tokenizer files (tokenizer.json, vocab.txt or vocab.json) in " +
                                  dir);
  } else if (!file_exists(dir + "/config.json") && !file_exists(dir + "/modules.json")) {
    throw bertpp::ArgumentError("no config.json in " + dir + " (not a HuggingFace model folder)");
  }
  return dir;
}

// --int8 -> dynamic int8 quantisation of the encoder.
inline bertpp::LoadOptions load_options(const Options& options) {
  bertpp::LoadOptions load;
  if (options.flag("int8")) load.quantization = bertpp::Quantization::DynamicInt8;
  return load;
}

// A --field / --pair-field name: refused when empty.
inline std::string field_name(const Options& options, const std::string& option,
                              const std::string& fallback) {
  const std::string name = options.get(option, fallback);
  if (name.empty()) throw bertpp::ArgumentError("--" + option + " needs a field name");
  return name;
}

// The text of a record: the line itself, or the string field `field` of a
// JSON Lines object. Anything else is that record's error.
inline std::string text_field(const InputRecord& record, const std::string& field) {
  if (record.value.is_string()) return record.value.get<std::string>();
  if (!record.value.is_object())
    throw RecordError(std::string("expected a JSON object or string, got ") + record.value.type_name());
  const auto it = record.value.find(field);
  if (it == record.value.end()) throw RecordError("no field \"" + field + "\"");
  if (!it->is_string())
    throw RecordError("field \"" + field + "\" is " + it->type_name() + ", expected a string");
  return it->get<std::string>();
}

// An optional string field (e.g. a text pair): absent or null gives nothing.
inline std::optional<std::string> optional_text_field(const InputRecord& record,
                                                      const std::string& field) {
  if (!record.value.is_object()) return std::nullopt;
  const auto it = record.value.find(field);
  if (it == record.value.end() || it->is_null()) return std::nullopt;
  if (!it->is_string())
    throw RecordError("field \"" + field + "\" is " + it->type_name() + ", expected a string");
  return it->get<std::string>();
}

// The reader and the --on-error policy the options ask for.
struct CommandInputs {
  InputReader reader;
  RecordRun run;
};

inline CommandInputs open_inputs(const Options& options, const std::string& command,
                                 const std::string& model, std::size_t default_batch = 32) {
  RecordRun run;
  run.command = command;
  run.model = model;
  run.on_error = parse_on_error(options.get("on-error", "fail"));
  run.batch_size = options.size("batch-size", default_batch, 1);
  run.quiet = options.flag("quiet");
  const std::size_t max_line = options.size("max-line-bytes", InputReader::kDefaultMaxLineBytes);
  return {InputReader(options.get("input"), options.positional(), options.flag("jsonl"), max_line),
          run};
}

// Tokens the model can take: the tokenizer's model_max_length, and no more
// than the position table holds (max_sequence_length: RoBERTa's starts
// after padding_idx).
inline std::size_t model_token_limit(const bertpp::Pipeline& pipe) {
  const auto positions =
      static_cast<std::size_t>(std::max<Eigen::Index>(pipe.model().config().max_sequence_length(), 0));
  return std::min(pipe.tokenizer().options().model_max_length, positions);
}

// Inputs longer than the model takes: truncated (default; counted, and
// named once at the end) or, with --no-truncate, each one refused under
// --on-error. --max-length sets a lower limit.
class LengthLimit {
 public:
  LengthLimit(const Options& options, const std::string& command, std::size_t model_limit)
      : command_(command), limit_(model_limit), truncate_(!options.flag("no-truncate")) {
    if (!truncate_ && options.has("max-length"))
      throw bertpp::ArgumentError("--max-length truncates; it cannot go with --no-truncate");
    if (options.has("max-length")) {
      limit_ = options.size("max-length", model_limit, 1);
      if (limit_ > model_limit)
        throw bertpp::ArgumentError("--max-length " + std::to_string(limit_) +
                                    " is more than the model takes (" + std::to_string(model_limit) +
                                    " tokens)");
    }
  }
  ~LengthLimit() {
    if (cut_ > 0)
      std::cerr << "bertpp " << command_ << ": warning: " << cut_ << " input"
                << (cut_ == 1 ? " was" : "s were") << " longer than " << limit_
                << " tokens and truncated (--no-truncate refuses them instead)\n";
  }
  LengthLimit(const LengthLimit&) = delete;
  LengthLimit& operator=(const LengthLimit&) = delete;

  std::size_t limit() const { return limit_; }
  bool truncates() const { return truncate_; }

  // Called once per input with its full length in tokens: counts a cut, or
  // throws RecordError under --no-truncate.
  void check(std::size_t tokens) {
    if (tokens <= limit_) return;
    if (!truncate_)
      throw RecordError(std::to_string(tokens) + " tokens, more than the model takes (" +
                        std::to_string(limit_) + "; without --no-truncate it is truncated)");
    ++cut_;
  }

 private:
  std::string command_;
  std::size_t limit_;
  bool truncate_;
  std::size_t cut_ = 0;
};

// A pipeline's results for a list of n inputs, one per input. `unwraps_one`:
// the pipeline answers a one-element list with the bare result (HF's QA and
// fill-mask do).
inline std::vector<nlohmann::json> per_input(const nlohmann::json& results, std::size_t n,
                                             bool unwraps_one = false) {
  if (unwraps_one && n == 1) return {results};
  if (!results.is_array() || results.size() != n)
    throw FatalError("internal: the pipeline gave " + std::to_string(results.size()) +
                     " results for " + std::to_string(n) + " inputs");
  return results.get<std::vector<nlohmann::json>>();
}

// `bertpp info`'s "weights" entry: the weight file(s), tensor count and
// parameters by dtype. Reads headers only; no weights are loaded.
inline nlohmann::json describe_weights(const bertpp::ModelFolder& location) {
  const auto store = location.open_weights();
  std::map<std::string, std::int64_t> parameters_by_dtype;
  std::int64_t parameters = 0;
  for (const std::string& name : store.names()) {
    const bertpp::TensorInfo* info = store.find(name);
    parameters_by_dtype[bertpp::dtype_name(info->dtype)] += info->element_count();
    parameters += info->element_count();
  }
  return {{"file", location.weights_path},
          {"tensors", store.names().size()},
          {"parameters", parameters},
          {"parameters_by_dtype", parameters_by_dtype}};
}

}  // namespace bertpp_cli
