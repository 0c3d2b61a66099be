// `bertpp translate`: MarianMT translation of lines / JSON Lines, one output
// line per input ({"translation_text": ...}, a list of them with
// --num-return-sequences > 1), streamed batch by batch. Generation flags are
// named as HF's generate() kwargs. Also what `bertpp info` says about a
// Marian folder. The command itself needs SentencePiece
// (BERTPP_WITH_SENTENCEPIECE, set by the CMake target bertpp::translation).
#pragma once

#include "input_reader.hpp"
#include "options.hpp"
#include "progress.hpp"

#include <bertpp/detail/json_file.hpp>
#include <bertpp/io/generation_config.hpp>
#include <bertpp/io/marian_config.hpp>
#include <bertpp/io/model_folder.hpp>
#ifdef BERTPP_WITH_SENTENCEPIECE
#include <bertpp/pipelines/translation.hpp>
#endif

#include <nlohmann/json.hpp>

#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace bertpp_cli {

// True when `folder`'s config.json names a Marian model.
inline bool is_marian_folder(const std::string& folder) {
  const std::string path = folder + "/config.json";
  if (!std::ifstream(path).good()) return false;
  return bertpp::MarianConfig::is_marian(bertpp::detail::read_json_file<bertpp::LoadError>(path));
}

// `bertpp info` for a Marian folder: sizes, generation defaults, weights,
// tokenizer files. Reads headers only.
inline nlohmann::json describe_marian_folder(const std::string& folder) {
  const auto location = bertpp::ModelFolder::locate(folder);
  const auto config = bertpp::MarianConfig::from_file(location.config_path);
  const auto generation = bertpp::GenerationConfig::from_folder(folder);
  const auto store = location.open_weights();
  std::map<std::string, std::int64_t> parameters_by_dtype;
  std::int64_t parameters = 0;
  for (const std::string& name : store.names()) {
    const bertpp::TensorInfo* info = store.find(name);
    parameters_by_dtype[bertpp::dtype_name(info->dtype)] += info->element_count();
    parameters += info->element_count();
  }
  const auto vocab = bertpp::detail::read_json_file<bertpp::LoadError>(folder + "/vocab.json");
  nlohmann::json tokenizer = {{"class", "MarianTokenizer"},
                              {"vocab_size", vocab.size()},
                              {"source_spm", std::ifstream(folder + "/source.spm").good()},
                              {"target_spm", std::ifstream(folder + "/target.spm").good()}};
  const std::string tokenizer_config = folder + "/tokenizer_config.json";
  if (std::ifstream(tokenizer_config).good()) {
    const auto t = bertpp::detail::read_json_file<bertpp::LoadError>(tokenizer_config);
    for (const char* key : {"source_lang", "target_lang", "model_max_length"})
      if (t.contains(key)) tokenizer[key] = t[key];
  }
  return {{"folder", folder},
          {"model_type", "marian"},
          {"task", "translation"},
          {"architectures", config.architectures},
          {"d_model", config.d_model},
          {"encoder_layers", config.encoder_layers},
          {"decoder_layers", config.decoder_layers},
          {"encoder_attention_heads", config.encoder_attention_heads},
          {"decoder_attention_heads", config.decoder_attention_heads},
          {"encoder_ffn_dim", config.encoder_ffn_dim},
          {"decoder_ffn_dim", config.decoder_ffn_dim},
          {"activation_function", config.activation_function},
          {"max_position_embeddings", config.max_position_embeddings},
          {"vocab_size", config.vocab_size},
          {"generation", {{"num_beams", generation.num_beams},
                          {"max_length", generation.max_length},
                          {"length_penalty", generation.length_penalty},
                          {"bad_words_ids", generation.bad_words_ids},
                          {"renormalize_logits", generation.renormalize_logits}}},
          {"weights", {{"file", location.weights_path},
                       {"tensors", store.names().size()},
                       {"parameters", parameters},
                       {"parameters_by_dtype", parameters_by_dtype}}},
          {"tokenizer", tokenizer},
          {"translation_available",
#ifdef BERTPP_WITH_SENTENCEPIECE
           true
#else
           false
#endif
          }};
}

#ifdef BERTPP_WITH_SENTENCEPIECE

// HF's generate kwargs from the command line (--num-beams -> num_beams).
inline nlohmann::json translate_generation_kwargs(const Options& options) {
  nlohmann::json kwargs = nlohmann::json::object();
  for (const char* flag : {"num-beams", "max-new-tokens", "max-length", "num-return-sequences", "min-length"}) {
    if (!options.has(flag)) continue;
    const long value = options.number(flag, 0);
    if (value < 0) throw bertpp::ArgumentError(std::string("--") + flag + " must not be negative");
    std::string key = flag;
    for (char& c : key)
      if (c == '-') c = '_';
    kwargs[key] = value;
  }
  if (options.has("length-penalty")) {
    const std::string text = options.get("length-penalty");
    try {
      std::size_t used = 0;
      const double value = std::stod(text, &used);
      if (used != text.size()) throw std::invalid_argument(text);
      kwargs["length_penalty"] = value;
    } catch (const std::exception&) {
      throw bertpp::ArgumentError("option --length-penalty expects a number, got '" + text + "'");
    }
  }
  if (options.has("early-stopping")) {
    const std::string v = options.get("early-stopping");
    if (v == "true") kwargs["early_stopping"] = true;
    else if (v == "false") kwargs["early_stopping"] = false;
    else if (v == "never") kwargs["early_stopping"] = "never";
    else throw bertpp::ArgumentError("--early-stopping must be true, false or never");
  }
  return kwargs;
}

inline int run_translate(const Options& options) {
  options.reject_unknown({"model", "input", "output", "jsonl", "field", "on-error", "batch-size", "threads",
                          "quiet", "help", "int8", "num-beams", "max-new-tokens", "max-length",
                          "num-return-sequences", "min-length", "length-penalty", "early-stopping",
                          "truncation"});
  const std::string on_error = options.get("on-error", "fail");
  if (on_error != "fail" && on_error != "skip" && on_error != "record")
    throw bertpp::ArgumentError("--on-error must be fail, skip or record");
  bertpp::LoadOptions load;
  if (options.flag("int8")) load.quantization = bertpp::Quantization::DynamicInt8;
  const bertpp::TranslationPipeline translator(options.required("model"), load);
  bertpp::TranslationOptions settings;
  settings.generation = translator.generation_config(translate_generation_kwargs(options));
  settings.truncation = options.flag("truncation");
  const long batch_size = options.number("batch-size", 8);
  if (batch_size < 1) throw bertpp::ArgumentError("--batch-size must be at least 1");
  settings.batch_size = static_cast<std::size_t>(batch_size);
  const bool several = settings.generation->num_return_sequences > 1;
  const std::string field = options.get("field", "text");

  std::ofstream file;
  const std::string output = options.get("output");
  if (!output.empty() && output != "-") {
    file.open(output, std::ios::binary | std::ios::trunc);
    if (!file) throw bertpp::ArgumentError(output + ": cannot create output file");
  }
  std::ostream& out = file.is_open() ? file : std::cout;
  auto result_line = [&](const std::vector<std::string>& translations) {
    nlohmann::json records = nlohmann::json::array();
    for (const std::string& t : translations) records.push_back({{"translation_text", t}});
    out << (several ? records : records.front()).dump() << '\n';
  };

  InputReader reader(options.get("input"), options.positional(), options.flag("jsonl"),
                     on_error == "fail" ? OnBadLine::Fail : OnBadLine::Skip);
  Progress progress(options.flag("quiet"));
  std::vector<InputRecord> batch;
  while (reader.next_batch(batch, settings.batch_size)) {
    // Texts first: a record without the text field is that record's error.
    std::vector<std::string> texts(batch.size());
    std::vector<std::string> errors(batch.size());
    for (std::size_t i = 0; i < batch.size(); ++i) {
      const InputRecord& record = batch[i];
      if (record.value.is_string()) {
        texts[i] = record.value.get<std::string>();
      } else if (record.value.contains(field) && record.value.at(field).is_string()) {
        texts[i] = record.value.at(field).get<std::string>();
      } else {
        errors[i] = "input line " + std::to_string(record.line) + ": no string field '" + field + "'";
      }
    }
    std::vector<std::vector<std::string>> results(batch.size());
    std::vector<std::string> good_texts;
    std::vector<std::size_t> good;
    for (std::size_t i = 0; i < batch.size(); ++i)
      if (errors[i].empty()) {
        good.push_back(i);
        good_texts.push_back(texts[i]);
      }
    try {
      const auto translated = translator.translate_all(good_texts, settings);
      for (std::size_t k = 0; k < good.size(); ++k) results[good[k]] = translated[k];
    } catch (const bertpp::Error&) {
      if (on_error == "fail" && good.size() == 1) throw;
      // Find the record(s) at fault one by one.
      for (std::size_t i : good) {
        try {
          results[i] = translator.translate_all({texts[i]}, settings).front();
        } catch (const bertpp::Error& e) {
          errors[i] = "input line " + std::to_string(batch[i].line) + ": " + e.what();
        }
      }
    }
    for (std::size_t i = 0; i < batch.size(); ++i) {
      if (errors[i].empty()) {
        result_line(results[i]);
      } else if (on_error == "fail") {
        throw bertpp::ArgumentError(errors[i] + " (use --on-error skip|record to go on)");
      } else if (on_error == "record") {
        out << nlohmann::json{{"error", errors[i]}}.dump() << '\n';
      } else {
        std::cerr << "warning: skipped " << errors[i] << '\n';
      }
    }
    out.flush();  // streaming: each batch's results as soon as they exist
    progress.advance(batch.size());
  }
  return 0;
}

#endif  // BERTPP_WITH_SENTENCEPIECE

}  // namespace bertpp_cli
