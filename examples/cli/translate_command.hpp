// `bertpp translate`: MarianMT translation of lines / JSON Lines, one output
// line per input ({"translation_text": ...}, a list of them with
// --num-return-sequences > 1), streamed batch by batch. Generation flags are
// named as HF's generate() kwargs; --on-error and the input reader are the
// other commands' (command.hpp). Also what `bertpp info` says about a
// Marian folder. The command itself needs SentencePiece
// (BERTPP_WITH_SENTENCEPIECE, set by the CMake target bertpp::translation).
#pragma once

#include "command.hpp"

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
          {"weights", describe_weights(location)},
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
  options.reject_unknown(with(model_options(), {"num-beams", "max-new-tokens", "max-length",
                                                "num-return-sequences", "min-length",
                                                "length-penalty", "early-stopping", "truncate"}),
                         "translate");
  const std::string folder = model_folder(options);
  const bertpp::TranslationPipeline translator(folder, load_options(options));
  bertpp::TranslationOptions settings;
  settings.generation = translator.generation_config(translate_generation_kwargs(options));
  settings.truncation = options.flag("truncate");  // cut over-long sources instead of refusing them
  const bool several = settings.generation->num_return_sequences > 1;
  const std::string field = field_name(options, "field", "text");
  auto in = open_inputs(options, "translate", folder, 8);
  settings.batch_size = in.run.batch_size;
  JsonLinesSink sink(options.get("output"));
  run_records<std::string>(
      in.reader, in.run, sink, [&](const InputRecord& record) { return text_field(record, field); },
      [&](const std::vector<std::string>& texts) {
        std::vector<nlohmann::json> lines;
        for (const auto& translations : translator.translate_all(texts, settings)) {
          nlohmann::json records = nlohmann::json::array();
          for (const std::string& t : translations) records.push_back({{"translation_text", t}});
          lines.push_back(several ? records : records.front());
        }
        return lines;
      });
  return 0;
}

#endif  // BERTPP_WITH_SENTENCEPIECE

}  // namespace bertpp_cli
