// TranslationPipeline: HF's `translation` / `translation_xx_to_yy` pipeline
// for MarianMT models (Helsinki-NLP/opus-mt-*). Text -> MarianTokenizer ->
// generate() -> decode(skip_special_tokens). Needs SentencePiece (link
// bertpp::translation).
//
//   bertpp::TranslationPipeline translator("models/opus-mt-en-fr");
//   translator.translate("Hello, world!");            // {"Bonjour, le monde !"}
//   translator.run({{"inputs", "Hello"}, {"num_beams", 1}});
//   // [{"translation_text": "Bonjour"}]
#pragma once

#include "bertpp/detail/stable_order.hpp"
#include "bertpp/error.hpp"
#include "bertpp/io/generation_config.hpp"
#include "bertpp/models/generation.hpp"
#include "bertpp/models/marian.hpp"
#include "bertpp/models/model_io.hpp"
#include "bertpp/tokenizer/marian_tokenizer.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <memory>
#include <numeric>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace bertpp {

struct TranslationOptions {
  // generate()'s settings: the model's generation_config.json with the
  // caller's overrides (see TranslationPipeline::generation_config).
  std::optional<GenerationConfig> generation;
  // Texts run through the model together (sorted by length first; results
  // keep input order). Results equal unbatched ones.
  std::size_t batch_size = 8;
  // Cut sources longer than the model accepts (keeping the final </s>)
  // instead of refusing them.
  bool truncation = false;
  std::optional<bool> clean_up_tokenization_spaces;  // unset: the tokenizer's setting
};

class TranslationPipeline {
 public:
  explicit TranslationPipeline(const std::string& model_folder, const LoadOptions& options = {})
      : tokenizer_(std::make_shared<const MarianTokenizer>(MarianTokenizer::from_folder(model_folder))),
        model_(std::make_shared<const MarianMTModel>(MarianMTModel::from_folder(model_folder, options))) {}

  TranslationPipeline(std::shared_ptr<const MarianTokenizer> tokenizer, std::shared_ptr<const MarianMTModel> model)
      : tokenizer_(std::move(tokenizer)), model_(std::move(model)) {}

  const MarianTokenizer& tokenizer() const { return *tokenizer_; }
  const MarianMTModel& model() const { return *model_; }

  // The model's generation defaults with `overrides` (HF's generate kwargs,
  // e.g. {"num_beams": 1, "max_new_tokens": 64}) applied.
  GenerationConfig generation_config(const nlohmann::json& overrides = nlohmann::json::object()) const {
    GenerationConfig config = model_->generation_config();
    config.update(overrides, "translation arguments");
    config.validate();
    return config;
  }

  // Each text's translations (num_return_sequences of them, best first).
  std::vector<std::vector<std::string>> translate_all(const std::vector<std::string>& texts,
                                                      const TranslationOptions& options = {}) const {
    const GenerationConfig config = options.generation ? *options.generation : generation_config();
    config.validate();
    std::vector<std::vector<std::string>> results(texts.size());
    std::vector<Encoding> encodings;
    encodings.reserve(texts.size());
    for (const std::string& text : texts) encodings.push_back(source_encoding(text, options.truncation));
    std::vector<std::size_t> lengths;
    for (const Encoding& e : encodings) lengths.push_back(e.size());
    const std::vector<std::size_t> order = detail::stable_order(lengths, /*descending=*/true);
    MarianDecodeOptions decode;
    decode.skip_special_tokens = true;
    decode.clean_up_tokenization_spaces = options.clean_up_tokenization_spaces;
    const std::size_t step = std::max<std::size_t>(options.batch_size, 1);
    for (std::size_t first = 0; first < order.size(); first += step) {
      const std::size_t last = std::min(order.size(), first + step);
      std::vector<const Encoding*> batch;
      for (std::size_t i = first; i < last; ++i) batch.push_back(&encodings[order[i]]);
      const GenerationOutput out = generate(*model_, ModelInput::from_encodings(batch, tokenizer_->pad_id()), config);
      for (std::size_t i = first; i < last; ++i)
        for (std::size_t r = 0; r < out.num_return_sequences; ++r)
          results[order[i]].push_back(
              tokenizer_->decode(out.sequences[(i - first) * out.num_return_sequences + r], decode));
    }
    return results;
  }

  // The best translation of each text.
  std::vector<std::string> translate(const std::vector<std::string>& texts,
                                     const TranslationOptions& options = {}) const {
    std::vector<std::string> best;
    for (auto& translations : translate_all(texts, options)) best.push_back(std::move(translations.front()));
    return best;
  }
  std::string translate(const std::string& text, const TranslationOptions& options = {}) const {
    return translate(std::vector<std::string>{text}, options).front();
  }

  // HF's call: {"inputs": text | [texts], generate kwargs..., "batch_size",
  // "truncation", "clean_up_tokenization_spaces"}. One text gives
  // [{"translation_text": ...}] (num_return_sequences entries); a list gives
  // one such list per text, flattened to one record per text when each has
  // a single translation — as HF's TranslationPipeline returns.
  nlohmann::json run(const nlohmann::json& args) const {
    if (!args.is_object()) throw ArgumentError("translation: arguments must be a JSON object");
    static const std::set<std::string> pipeline_keys = {"inputs", "batch_size", "truncation",
                                                        "clean_up_tokenization_spaces", "src_lang", "tgt_lang",
                                                        "return_text"};
    static const std::set<std::string> generate_keys = {
        "max_length", "max_new_tokens", "min_length", "num_beams", "length_penalty", "early_stopping",
        "num_return_sequences", "bad_words_ids", "forced_bos_token_id", "forced_eos_token_id",
        "eos_token_id", "pad_token_id", "decoder_start_token_id", "renormalize_logits", "do_sample",
        "repetition_penalty", "no_repeat_ngram_size"};
    nlohmann::json overrides = nlohmann::json::object();
    for (auto it = args.begin(); it != args.end(); ++it) {
      if (generate_keys.count(it.key())) overrides[it.key()] = it.value();
      else if (!pipeline_keys.count(it.key()))
        detail::throw_error<ArgumentError>({"translation: unknown argument '", it.key(), "'"});
    }
    if (!args.contains("inputs")) throw ArgumentError("translation: missing 'inputs'");
    const nlohmann::json& inputs = args.at("inputs");
    const bool single = inputs.is_string();
    if (!single && !inputs.is_array()) throw ArgumentError("translation: 'inputs' must be a string or a list of strings");
    std::vector<std::string> texts;
    if (single) texts.push_back(inputs.get<std::string>());
    else
      for (const auto& text : inputs) {
        if (!text.is_string()) throw ArgumentError("translation: every input must be a string");
        texts.push_back(text.get<std::string>());
      }
    TranslationOptions options;
    try {
      options.generation = generation_config(overrides);
    } catch (const ConfigError& e) {
      throw ArgumentError(e.what());
    }
    if (args.contains("batch_size")) {
      const auto& v = args.at("batch_size");
      if (!v.is_number_integer() || v.get<long long>() < 1) throw ArgumentError("translation: 'batch_size' must be a positive integer");
      options.batch_size = v.get<std::size_t>();
    }
    if (args.contains("truncation")) {
      if (!args.at("truncation").is_boolean()) throw ArgumentError("translation: 'truncation' must be true or false");
      options.truncation = args.at("truncation").get<bool>();
    }
    if (args.contains("clean_up_tokenization_spaces")) {
      if (!args.at("clean_up_tokenization_spaces").is_boolean())
        throw ArgumentError("translation: 'clean_up_tokenization_spaces' must be true or false");
      options.clean_up_tokenization_spaces = args.at("clean_up_tokenization_spaces").get<bool>();
    }
    const auto results = translate_all(texts, options);
    auto records = [](const std::vector<std::string>& translations) {
      nlohmann::json list = nlohmann::json::array();
      for (const std::string& t : translations) list.push_back({{"translation_text", t}});
      return list;
    };
    if (single) return records(results.front());
    nlohmann::json out = nlohmann::json::array();
    const bool flat = std::all_of(results.begin(), results.end(), [](const auto& r) { return r.size() == 1; });
    for (const auto& r : results) out.push_back(flat ? records(r).front() : records(r));
    return out;
  }

 private:
  Encoding source_encoding(const std::string& text, bool truncation) const {
    Encoding e = tokenizer_->encode(text);
    const std::size_t limit = std::min<std::size_t>(tokenizer_->model_max_length(),
                                                    static_cast<std::size_t>(model_->config().max_position_embeddings));
    if (e.size() <= limit) return e;
    if (!truncation)
      detail::throw_error<ArgumentError>({"translation: the text has ", std::to_string(e.size()),
                                          " tokens, more than the model's ", std::to_string(limit),
                                          " (pass truncation=true to cut it)"});
    // HF truncates the pieces and keeps the final </s>.
    const std::int32_t eos = e.ids.back();
    const std::string eos_token = e.tokens.back();
    for (auto* v : {&e.ids, &e.attention_mask, &e.type_ids, &e.special_tokens_mask}) v->resize(limit);
    e.tokens.resize(limit);
    e.ids.back() = eos;
    e.tokens.back() = eos_token;
    e.special_tokens_mask.back() = 1;
    return e;
  }

  std::shared_ptr<const MarianTokenizer> tokenizer_;
  std::shared_ptr<const MarianMTModel> model_;
};

}  // namespace bertpp
