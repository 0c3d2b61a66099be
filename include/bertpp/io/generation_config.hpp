// generation_config.json (or the generation keys of an older config.json):
// the defaults of generate(), which a caller's settings override, as
// transformers 4.31 does. Only deterministic decoding (greedy and beam
// search) is implemented; asking for sampling or an unimplemented logits
// processor throws ArgumentError instead of silently ignoring it.
#pragma once

#include "bertpp/detail/json_file.hpp"
#include "bertpp/error.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

namespace bertpp {

enum class EarlyStopping { False, True, Never };

struct GenerationConfig {
  std::size_t max_length = 20;                 // prompt (the start token) included
  std::optional<std::size_t> max_new_tokens;   // wins over max_length when set
  std::size_t min_length = 0;
  std::size_t num_beams = 1;
  double length_penalty = 1.0;
  EarlyStopping early_stopping = EarlyStopping::False;
  std::size_t num_return_sequences = 1;
  std::vector<std::vector<std::int32_t>> bad_words_ids;
  std::optional<std::int32_t> forced_bos_token_id, forced_eos_token_id;
  std::vector<std::int32_t> eos_token_ids;     // eos_token_id (an id or a list)
  std::optional<std::int32_t> pad_token_id, decoder_start_token_id, bos_token_id;
  bool renormalize_logits = false;
  bool do_sample = false;
  double repetition_penalty = 1.0;
  std::size_t no_repeat_ngram_size = 0;

  // generation_config.json in `dir` when present, else the generation keys
  // of config.json (transformers' GenerationConfig.from_model_config).
  static GenerationConfig from_folder(const std::string& dir) {
    const std::string base = dir.empty() || dir.back() == '/' ? dir : dir + "/";
    const std::string path = base + "generation_config.json";
    if (std::ifstream(path).good()) return from_json(detail::read_json_file<ConfigError>(path), path);
    const std::string config = base + "config.json";
    return from_json(detail::read_json_file<ConfigError>(config), config);
  }

  // The keys of `json` override this config's values (HF's kwargs to
  // generate()); unknown keys are ignored, as in a config file.
  static GenerationConfig from_json(const nlohmann::json& json, const std::string& path) {
    GenerationConfig config;
    config.update(json, path);
    return config;
  }

  // Applies the generation keys present in `json` (a file's, or a caller's
  // kwargs: `what` names them in messages).
  void update(const nlohmann::json& json, const std::string& what) {
    if (!json.is_object()) detail::throw_error<ConfigError>({what, ": expected a JSON object"});
    auto size = [&](const char* key, std::size_t& out) {
      if (json.contains(key) && !json.at(key).is_null())
        out = detail::json_integer<std::size_t, ConfigError>(json.at(key), key, what);
    };
    auto id = [&](const char* key, std::optional<std::int32_t>& out) {
      if (!json.contains(key)) return;
      if (json.at(key).is_null()) out.reset();
      else out = detail::json_integer<std::int32_t, ConfigError>(json.at(key), key, what);
    };
    size("max_length", max_length);
    if (json.contains("max_new_tokens")) {
      if (json.at("max_new_tokens").is_null()) max_new_tokens.reset();
      else max_new_tokens = detail::json_integer<std::size_t, ConfigError>(json.at("max_new_tokens"), "max_new_tokens", what);
    }
    size("min_length", min_length);
    size("num_beams", num_beams);
    size("num_return_sequences", num_return_sequences);
    size("no_repeat_ngram_size", no_repeat_ngram_size);
    length_penalty = detail::json_field<double>(json, "length_penalty", length_penalty, what);
    repetition_penalty = detail::json_field<double>(json, "repetition_penalty", repetition_penalty, what);
    renormalize_logits = detail::json_field<bool>(json, "renormalize_logits", renormalize_logits, what);
    do_sample = detail::json_field<bool>(json, "do_sample", do_sample, what);
    if (json.contains("early_stopping") && !json.at("early_stopping").is_null()) {
      const auto& v = json.at("early_stopping");
      if (v.is_boolean()) early_stopping = v.get<bool>() ? EarlyStopping::True : EarlyStopping::False;
      else if (v.is_string() && v.get<std::string>() == "never") early_stopping = EarlyStopping::Never;
      else
        detail::throw_error<ConfigError>(
            {what, ": field 'early_stopping' must be true, false or \"never\""});
    }
    if (json.contains("bad_words_ids")) {
      bad_words_ids.clear();
      const auto& v = json.at("bad_words_ids");
      if (!v.is_null()) {
        if (!v.is_array())
          detail::throw_error<ConfigError>(
              {what, ": field 'bad_words_ids' must be a list of lists of ids"});
        for (const auto& word : v) {
          if (!word.is_array() || word.empty())
            detail::throw_error<ConfigError>(
                {what, ": field 'bad_words_ids' must be a list of non-empty lists of ids"});
          std::vector<std::int32_t> ids;
          for (const auto& t : word) ids.push_back(detail::json_integer<std::int32_t, ConfigError>(t, "bad_words_ids", what));
          bad_words_ids.push_back(std::move(ids));
        }
      }
    }
    if (json.contains("eos_token_id")) {
      eos_token_ids.clear();
      const auto& v = json.at("eos_token_id");
      if (v.is_array()) {
        for (const auto& t : v) eos_token_ids.push_back(detail::json_integer<std::int32_t, ConfigError>(t, "eos_token_id", what));
      } else if (!v.is_null()) {
        eos_token_ids.push_back(detail::json_integer<std::int32_t, ConfigError>(v, "eos_token_id", what));
      }
    }
    id("pad_token_id", pad_token_id);
    id("bos_token_id", bos_token_id);
    id("decoder_start_token_id", decoder_start_token_id);
    id("forced_bos_token_id", forced_bos_token_id);
    id("forced_eos_token_id", forced_eos_token_id);
  }

  // The length limit in effect for a decoder prompt of `prompt_length` ids:
  // max_new_tokens + prompt when set, else max_length (as 4.31).
  std::size_t effective_max_length(std::size_t prompt_length) const {
    return max_new_tokens ? *max_new_tokens + prompt_length : max_length;
  }

  // Throws ArgumentError for settings generate() cannot honour.
  void validate() const {
    if (do_sample)
      throw ArgumentError("generation: do_sample=true (sampling) is not supported; bertpp decodes greedily or with beam search");
    if (repetition_penalty != 1.0)
      throw ArgumentError("generation: repetition_penalty is not supported (must be 1.0)");
    if (no_repeat_ngram_size != 0)
      throw ArgumentError("generation: no_repeat_ngram_size is not supported (must be 0)");
    if (num_beams < 1) throw ArgumentError("generation: num_beams must be at least 1");
    if (num_beams > 1024) throw ArgumentError("generation: num_beams above 1024 is not supported");
    if (num_return_sequences < 1) throw ArgumentError("generation: num_return_sequences must be at least 1");
    if (num_return_sequences > num_beams)
      detail::throw_error<ArgumentError>(
          {"generation: num_return_sequences (", std::to_string(num_return_sequences),
           ") must not exceed num_beams (", std::to_string(num_beams), ")"});
    if (max_new_tokens && *max_new_tokens == 0)
      throw ArgumentError("generation: max_new_tokens must be at least 1");
    if (max_length > (std::size_t{1} << 20) || (max_new_tokens && *max_new_tokens > (std::size_t{1} << 20)))
      throw ArgumentError("generation: max_length / max_new_tokens is unreasonably large");
    if (!std::isfinite(length_penalty)) throw ArgumentError("generation: length_penalty must be finite");
  }
};

}  // namespace bertpp
