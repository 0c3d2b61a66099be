// Builds a Tokenizer's parts from a model folder: tokenizer.json (each
// section names one part), else vocab.txt (BERT's WordPiece parts) or
// vocab.json + merges.txt (RoBERTa's byte-level BPE parts), with
// tokenizer_config.json / special_tokens_map.json. Included by
// bertpp/tokenizer/tokenizer-inl.hpp.
#pragma once

#include "bertpp/detail/json_file.hpp"
#include "bertpp/detail/utf8.hpp"
#include "bertpp/error.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <limits>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace bertpp {
namespace detail {

class TokenizerLoader {
 public:
  static Tokenizer from_folder(const std::string& dir) {
    const std::string json_path = dir + "/tokenizer.json";
    const std::string config_path = dir + "/tokenizer_config.json";
    const std::string map_path = dir + "/special_tokens_map.json";
    if (file_exists(json_path)) {
      Tokenizer t = tokenizer_json(json_path);
      if (file_exists(config_path)) apply_config(t, read_json_file<LoadError>(config_path), config_path);
      return t;
    }
    const bool bpe = !file_exists(dir + "/vocab.txt") && file_exists(dir + "/vocab.json") &&
                     file_exists(dir + "/merges.txt");
    TokenizerOptions options = bpe ? TokenizerOptions::roberta() : TokenizerOptions{};
    std::optional<nlohmann::json> config;
    if (file_exists(config_path)) config = read_json_file<LoadError>(config_path);
    if (file_exists(map_path)) read_special_names(read_json_file<LoadError>(map_path), map_path, options);
    if (config) {
      // tokenizer_config.json wins over special_tokens_map.json, as in transformers.
      read_special_names(*config, config_path, options);
      read_common_config(*config, config_path, options);
      if (bpe) read_bpe_config(*config, config_path, options);
      else read_wordpiece_config(*config, config_path, options);
    }
    if (bpe) return byte_level_bpe(dir + "/vocab.json", dir + "/merges.txt", std::move(options));
    if (!file_exists(dir + "/vocab.txt"))
      detail::throw_error<LoadError>(
          {dir, ": no tokenizer files (tokenizer.json, vocab.txt, or vocab.json with merges.txt)"});
    return wordpiece(dir + "/vocab.txt", std::move(options));
  }

  static Tokenizer wordpiece(const std::string& path, TokenizerOptions options) {
    std::vector<std::string> tokens = WordPiece::read_vocab_lines(path, read_text_file(path));
    Tokenizer t;
    t.options_ = options;
    t.normalizer_ = BertNormalizer(options.clean_text, options.handle_chinese_chars, options.strip_accents,
                                   options.lowercase);
    t.pre_tokenizer_ = PreTokenizer::bert();
    t.model_ = WordPiece(std::move(tokens), options.unk_token, options.continuing_subword_prefix,
                         options.max_input_chars_per_word);
    add_special_tokens(t, {&options.pad_token, &options.unk_token, &options.cls_token, &options.sep_token,
                           &options.mask_token});
    t.post_ = TemplateProcessing::bert(options.cls_token, require_id(t, options.cls_token, path),
                                       options.sep_token, require_id(t, options.sep_token, path));
    t.decoder_ = Decoder::wordpiece(WordPieceDecoder{options.continuing_subword_prefix, true});
    t.finish();
    return t;
  }

  static Tokenizer byte_level_bpe(const std::string& vocab_path, const std::string& merges_path,
                                  TokenizerOptions options) {
    const nlohmann::json vocab = read_json_file<LoadError>(vocab_path);
    std::vector<std::string> tokens = read_vocab_object(vocab, vocab_path, "vocabulary");
    const auto merges = read_merges_txt(merges_path, read_text_file(merges_path));
    Tokenizer t;
    t.options_ = options;
    t.normalizer_ = BertNormalizer::identity();
    t.pre_tokenizer_ = PreTokenizer::byte_level_split(options.add_prefix_space);
    // transformers' RoBERTa conversion: no unknown token in the model (every
    // byte has a token).
    t.model_ = Bpe(std::move(tokens), merges, "", false, false, merges_path);
    add_special_tokens(t, {&options.bos_token, &options.eos_token, &options.unk_token, &options.sep_token,
                           &options.pad_token, &options.cls_token, &options.mask_token});
    t.post_ = TemplateProcessing::roberta(options.cls_token, require_id(t, options.cls_token, vocab_path),
                                          options.sep_token, require_id(t, options.sep_token, vocab_path));
    t.post_.set_trim_offsets(options.trim_offsets, options.add_prefix_space);
    t.decoder_ = Decoder::byte_level();
    t.finish();
    return t;
  }

  static Tokenizer tokenizer_json(const std::string& path) {
    const nlohmann::json root = read_json_file<LoadError>(path);
    if (!root.is_object()) detail::throw_error<LoadError>({path, ": expected a JSON object"});
    Tokenizer t;
    read_model(t, root, path);
    read_normalizer(t, root, path);
    read_pre_tokenizer(t, root, path);
    read_added_tokens(t, root, path);
    read_post_processor(t, root, path);
    read_decoder(t, root, path);
    t.finish();
    return t;
  }

 private:
  static bool file_exists(const std::string& path) {
    std::ifstream in(path);
    return in.good();
  }

  static std::string read_text_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) detail::throw_error<LoadError>({path, ": cannot open file"});
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
  }

  static std::int32_t require_id(const Tokenizer& t, const std::string& token, const std::string& source) {
    auto id = t.token_to_id(token);
    if (!id)
      detail::throw_error<LoadError>(
          {source, ": special token '", token, "' is not in the vocabulary"});
    return *id;
  }

  // The special tokens a vocabulary-file tokenizer adds, with the flags
  // its config gives them (matched on the raw text).
  static void add_special_tokens(Tokenizer& t, std::initializer_list<const std::string*> names) {
    for (const std::string* name : names) {
      if (name->empty()) continue;
      AddedToken token;
      token.content = *name;
      for (const AddedToken& flags : t.options_.special_token_flags)
        if (flags.content == *name) {
          token.lstrip = flags.lstrip;
          token.rstrip = flags.rstrip;
          token.single_word = flags.single_word;
        }
      t.add_token(token);
    }
  }

  // {"token": id, ...} (tokenizer.json's model.vocab, vocab.json) as a table
  // indexed by id; ids must be 0..n-1.
  static std::vector<std::string> read_vocab_object(const nlohmann::json& vocab, const std::string& path,
                                                    const char* field) {
    if (!vocab.is_object() || vocab.empty())
      detail::throw_error<LoadError>({path, ": ", field, " is missing or not a non-empty object"});
    std::vector<std::string> tokens(vocab.size());
    std::vector<bool> seen(vocab.size(), false);
    for (auto entry = vocab.begin(); entry != vocab.end(); ++entry) {
      if (!entry.value().is_number_integer() || entry.value().get<std::int64_t>() < 0)
        detail::throw_error<LoadError>(
            {path, ": ", field, " has a non-integer id for '", entry.key(), "'"});
      const auto id = entry.value().get<std::size_t>();
      // Ids index the token table: a sparse id would size it (10^12 entries).
      if (id >= tokens.size())
        detail::throw_error<LoadError>({path, ": ", field, " gives '", entry.key(), "' the id ",
                                        std::to_string(id), ", outside 0..",
                                        std::to_string(tokens.size() - 1), " for its ",
                                        std::to_string(tokens.size()), " tokens"});
      tokens[id] = entry.key();
      seen[id] = true;
    }
    for (std::size_t id = 0; id < seen.size(); ++id)
      if (!seen[id])
        detail::throw_error<LoadError>({path, ": ", field, " gives no token the id ",
                                        std::to_string(id), " (ids must be 0..",
                                        std::to_string(tokens.size() - 1), ", each once)"});
    return tokens;
  }

  // merges.txt: an optional "#version" line, then "left right" per line
  // (rank = line order).
  static std::vector<std::pair<std::string, std::string>> read_merges_txt(const std::string& path,
                                                                          const std::string& text) {
    if (detail::utf8_invalid_position(text) != std::string_view::npos)
      detail::throw_error<LoadError>({path, ": not valid UTF-8 (byte ",
                                      std::to_string(detail::utf8_invalid_position(text)), ")"});
    std::vector<std::pair<std::string, std::string>> merges;
    std::size_t pos = 0, line_number = 0;
    while (pos < text.size()) {
      std::size_t nl = text.find('\n', pos);
      if (nl == std::string::npos) nl = text.size();
      std::size_t end = nl;
      if (end > pos && text[end - 1] == '\r') --end;
      const std::string_view line(text.data() + pos, end - pos);
      ++line_number;
      pos = nl + 1;
      if (line.empty() || (line_number == 1 && line.substr(0, 8) == "#version")) continue;
      const std::size_t space = line.find(' ');
      if (space == std::string_view::npos || space == 0 || space + 1 == line.size() ||
          line.find(' ', space + 1) != std::string_view::npos)
        detail::throw_error<LoadError>({path, ": line ", std::to_string(line_number),
                                        " is not a merge of two tokens separated by one space"});
      merges.emplace_back(std::string(line.substr(0, space)), std::string(line.substr(space + 1)));
    }
    return merges;
  }

  // ---- tokenizer.json ----------------------------------------------------

  static void read_model(Tokenizer& t, const nlohmann::json& root, const std::string& path) {
    const auto it = root.find("model");
    if (it == root.end() || !it->is_object())
      detail::throw_error<LoadError>({path, ": field 'model' is missing"});
    const nlohmann::json& model = *it;
    const std::string fallback_type = model.contains("merges") ? "BPE" : "WordPiece";
    const std::string type = json_field<std::string, LoadError>(model, "type", fallback_type, path);
    const auto vocab = model.find("vocab");
    if (vocab == model.end())
      detail::throw_error<LoadError>(
          {path, ": field 'model.vocab' is missing or not a non-empty object"});
    std::vector<std::string> tokens = read_vocab_object(*vocab, path, "field 'model.vocab'");
    TokenizerOptions& o = t.options_;
    if (type == "WordPiece") {
      o.unk_token = json_field<std::string, LoadError>(model, "unk_token", "[UNK]", path);
      o.continuing_subword_prefix = json_field<std::string, LoadError>(model, "continuing_subword_prefix", "##", path);
      o.max_input_chars_per_word = json_field<std::size_t, LoadError>(model, "max_input_chars_per_word", 100, path);
      try {
        t.model_ = WordPiece(std::move(tokens), o.unk_token, o.continuing_subword_prefix, o.max_input_chars_per_word);
      } catch (const LoadError& e) {
        detail::throw_error<LoadError>({path, ": ", e.what()});
      }
      return;
    }
    if (type != "BPE")
      detail::throw_error<LoadError>(
          {path, ": field 'model.type' is '", type, "', but only WordPiece and BPE are supported"});
    for (const char* key : {"continuing_subword_prefix", "end_of_word_suffix"})
      if (!json_field<std::string, LoadError>(model, key, "", path).empty())
        detail::throw_error<LoadError>(
            {path, ": field 'model.", key, "' is set, which BPE here does not support"});
    if (json_field<bool, LoadError>(model, "byte_fallback", false, path))
      detail::throw_error<LoadError>(
          {path, ": field 'model.byte_fallback' is true, which BPE here does not support"});
    if (json_field<double, LoadError>(model, "dropout", 0.0, path) != 0.0)
      detail::throw_error<LoadError>(
          {path, ": field 'model.dropout' is set; BPE dropout is for training, not inference"});
    const std::string unk = json_field<std::string, LoadError>(model, "unk_token", "", path);
    if (!unk.empty()) o.unk_token = unk;
    o.continuing_subword_prefix.clear();
    o.lowercase = false;
    const auto merges_it = model.find("merges");
    if (merges_it == model.end() || !merges_it->is_array())
      detail::throw_error<LoadError>({path, ": field 'model.merges' is missing or not an array"});
    std::vector<std::pair<std::string, std::string>> merges;
    merges.reserve(merges_it->size());
    for (const nlohmann::json& m : *merges_it) {
      // The entry's number is spelled out only for an error (not once per merge).
      if (m.is_string()) {  // "left right"
        const std::string& s = m.get_ref<const std::string&>();
        const std::size_t space = s.find(' ');
        if (space == std::string::npos || space == 0 || space + 1 == s.size())
          detail::throw_error<LoadError>({path, ": field 'model.merges' entry ",
                                          std::to_string(merges.size() + 1),
                                          " is not two tokens separated by a space"});
        merges.emplace_back(s.substr(0, space), s.substr(space + 1));
      } else if (m.is_array() && m.size() == 2 && m[0].is_string() && m[1].is_string()) {  // ["left", "right"]
        merges.emplace_back(m[0].get<std::string>(), m[1].get<std::string>());
      } else {
        detail::throw_error<LoadError>({path, ": field 'model.merges' entry ",
                                        std::to_string(merges.size() + 1),
                                        " must be \"left right\" or [\"left\", \"right\"]"});
      }
    }
    t.model_ = Bpe(std::move(tokens), merges, unk, json_field<bool, LoadError>(model, "fuse_unk", false, path),
                   json_field<bool, LoadError>(model, "ignore_merges", false, path), path);
  }

  static void read_normalizer(Tokenizer& t, const nlohmann::json& root, const std::string& path) {
    TokenizerOptions& o = t.options_;
    const auto it = root.find("normalizer");
    if (it == root.end() || it->is_null()) {
      t.normalizer_ = BertNormalizer::identity();
      o.clean_text = o.handle_chinese_chars = o.lowercase = false;
      o.strip_accents = false;
      return;
    }
    const std::string type = json_field<std::string, LoadError>(*it, "type", "", path);
    if (type != "BertNormalizer")
      detail::throw_error<LoadError>({path, ": field 'normalizer.type' is '", type,
                                      "', but only BertNormalizer is supported"});
    o.clean_text = json_field<bool, LoadError>(*it, "clean_text", true, path);
    o.handle_chinese_chars = json_field<bool, LoadError>(*it, "handle_chinese_chars", true, path);
    o.lowercase = json_field<bool, LoadError>(*it, "lowercase", true, path);
    const auto strip = it->find("strip_accents");
    if (strip != it->end() && !strip->is_null()) {
      if (!strip->is_boolean())
        detail::throw_error<LoadError>(
            {path, ": field 'normalizer.strip_accents' must be true, false or null"});
      o.strip_accents = strip->get<bool>();
    }
    t.normalizer_ = BertNormalizer(o.clean_text, o.handle_chinese_chars, o.strip_accents, o.lowercase);
  }

  static void read_pre_tokenizer(Tokenizer& t, const nlohmann::json& root, const std::string& path) {
    const auto it = root.find("pre_tokenizer");
    if (it == root.end() || it->is_null())
      detail::throw_error<LoadError>(
          {path, ": field 'pre_tokenizer' is missing (BertPreTokenizer or ByteLevel expected)"});
    const std::string type = json_field<std::string, LoadError>(*it, "type", "", path);
    if (type == "BertPreTokenizer") {
      t.pre_tokenizer_ = PreTokenizer::bert();
      return;
    }
    if (type != "ByteLevel")
      detail::throw_error<LoadError>({path, ": field 'pre_tokenizer.type' is '", type,
                                      "', but only BertPreTokenizer and ByteLevel are supported"});
    t.options_.add_prefix_space = json_field<bool, LoadError>(*it, "add_prefix_space", true, path);
    t.pre_tokenizer_ = PreTokenizer::byte_level_split(t.options_.add_prefix_space,
                                                      json_field<bool, LoadError>(*it, "use_regex", true, path));
  }

  static void read_added_tokens(Tokenizer& t, const nlohmann::json& root, const std::string& path) {
    const auto it = root.find("added_tokens");
    if (it != root.end() && !it->is_null()) {
      if (!it->is_array())
        detail::throw_error<LoadError>({path, ": field 'added_tokens' must be an array"});
      for (const nlohmann::json& entry : *it) {
        AddedToken a;
        a.content = json_required<std::string, LoadError>(entry, "content", path);
        a.id = json_required<std::int32_t, LoadError>(entry, "id", path);
        a.single_word = json_field<bool, LoadError>(entry, "single_word", false, path);
        a.lstrip = json_field<bool, LoadError>(entry, "lstrip", false, path);
        a.rstrip = json_field<bool, LoadError>(entry, "rstrip", false, path);
        a.normalized = json_field<bool, LoadError>(entry, "normalized", false, path);
        a.special = json_field<bool, LoadError>(entry, "special", false, path);
        if (a.content.empty() || utf8_invalid_position(a.content) != std::string_view::npos)
          detail::throw_error<LoadError>(
              {path, ": field 'added_tokens' has an empty or invalid token"});
        t.add_token(std::move(a));
      }
    }
    // tokenizer.json's own padding settings name the pad token; the padding
    // strategy itself is chosen per call (EncodeOptions), as transformers does.
    const auto padding = root.find("padding");
    if (padding != root.end() && padding->is_object()) {
      t.options_.pad_token = json_field<std::string, LoadError>(*padding, "pad_token", "[PAD]", path);
      t.options_.pad_type_id = json_field<std::int32_t, LoadError>(*padding, "pad_type_id", 0, path);
    }
  }

  // BertProcessing / RobertaProcessing: "sep" and "cls" are [token, id].
  static std::pair<std::string, std::int32_t> token_and_id(const nlohmann::json& processor, const char* key,
                                                          const std::string& path) {
    const auto field = processor.find(key);
    if (field == processor.end() || !field->is_array() || field->size() != 2 || !(*field)[0].is_string() ||
        !(*field)[1].is_number_integer())
      detail::throw_error<LoadError>(
          {path, ": field 'post_processor.", key, "' must be [token, id]"});
    const std::string name = std::string("post_processor.") + key;
    return {(*field)[0].get<std::string>(), json_integer<std::int32_t, LoadError>((*field)[1], name.c_str(), path)};
  }

  static void read_post_processor(Tokenizer& t, const nlohmann::json& root, const std::string& path) {
    const auto it = root.find("post_processor");
    t.post_ = TemplateProcessing::none();
    if (it == root.end() || it->is_null()) return;
    const std::string type = json_field<std::string, LoadError>(*it, "type", "", path);
    if (type == "Sequence") {  // e.g. [ByteLevel, TemplateProcessing]
      const auto list = it->find("processors");
      if (list == it->end() || !list->is_array())
        detail::throw_error<LoadError>(
            {path, ": field 'post_processor.processors' must be an array"});
      bool trim = false, prefix = false;
      for (const nlohmann::json& p : *list) {
        if (json_field<std::string, LoadError>(p, "type", "", path) == "ByteLevel") {
          trim = json_field<bool, LoadError>(p, "trim_offsets", true, path);
          prefix = json_field<bool, LoadError>(p, "add_prefix_space", true, path);
        } else {
          read_one_post_processor(t, p, path);
        }
      }
      if (trim) t.post_.set_trim_offsets(true, prefix);
      return;
    }
    read_one_post_processor(t, *it, path);
  }

  static void read_one_post_processor(Tokenizer& t, const nlohmann::json& p, const std::string& path) {
    TokenizerOptions& o = t.options_;
    const std::string type = json_field<std::string, LoadError>(p, "type", "", path);
    if (type == "BertProcessing" || type == "RobertaProcessing") {
      const auto sep = token_and_id(p, "sep", path);
      const auto cls = token_and_id(p, "cls", path);
      o.sep_token = sep.first;
      o.cls_token = cls.first;
      if (type == "BertProcessing") {
        t.post_ = TemplateProcessing::bert(cls.first, cls.second, sep.first, sep.second);
        return;
      }
      t.post_ = TemplateProcessing::roberta(cls.first, cls.second, sep.first, sep.second);
      o.trim_offsets = json_field<bool, LoadError>(p, "trim_offsets", true, path);
      t.post_.set_trim_offsets(o.trim_offsets, json_field<bool, LoadError>(p, "add_prefix_space", true, path));
      return;
    }
    if (type == "ByteLevel") {
      o.trim_offsets = json_field<bool, LoadError>(p, "trim_offsets", true, path);
      t.post_.set_trim_offsets(o.trim_offsets, json_field<bool, LoadError>(p, "add_prefix_space", true, path));
      return;
    }
    if (type != "TemplateProcessing")
      detail::throw_error<LoadError>(
          {path, ": field 'post_processor.type' is '", type,
           "', but only TemplateProcessing, BertProcessing, RobertaProcessing, ByteLevel and "
           "Sequence are supported"});
    std::map<std::string, TemplateSpecialToken> specials;
    const auto sp = p.find("special_tokens");
    if (sp != p.end() && sp->is_object()) {
      for (auto entry = sp->begin(); entry != sp->end(); ++entry) {
        TemplateSpecialToken st;
        try {
          const std::string field = "post_processor.special_tokens." + entry.key() + ".ids";
          for (const nlohmann::json& id : entry.value().at("ids").get_ref<const nlohmann::json::array_t&>())
            st.ids.push_back(json_integer<std::int32_t, LoadError>(id, field.c_str(), path));
          st.tokens = entry.value().at("tokens").get<std::vector<std::string>>();
        } catch (const nlohmann::json::exception&) {
          detail::throw_error<LoadError>({path, ": field 'post_processor.special_tokens.",
                                          entry.key(), "' must have 'ids' and 'tokens' arrays"});
        }
        if (st.ids.size() != st.tokens.size())
          detail::throw_error<LoadError>({path, ": field 'post_processor.special_tokens.",
                                          entry.key(),
                                          "' has different numbers of ids and tokens"});
        specials[entry.key()] = std::move(st);
      }
    }
    std::vector<TemplatePiece> single = read_template(p, "single", path);
    std::vector<TemplatePiece> pair = read_template(p, "pair", path);
    try {
      t.post_ = TemplateProcessing(std::move(single), std::move(pair), std::move(specials));
    } catch (const TokenizerError& e) {
      detail::throw_error<LoadError>({path, ": ", e.what()});
    }
    // BERT names: the first special of the single template is [CLS], the last [SEP].
    if (auto first = find_special(p, true)) o.cls_token = *first;
    if (auto last = find_special(p, false)) o.sep_token = *last;
  }

  static std::optional<std::string> find_special(const nlohmann::json& processor, bool first) {
    const auto single = processor.find("single");
    if (single == processor.end() || !single->is_array()) return std::nullopt;
    std::optional<std::string> found;
    for (const nlohmann::json& piece : *single) {
      const auto sp = piece.find("SpecialToken");
      if (sp == piece.end()) continue;
      found = sp->value("id", std::string());
      if (first) break;
    }
    return found;
  }

  static std::vector<TemplatePiece> read_template(const nlohmann::json& processor, const char* key,
                                                  const std::string& path) {
    const auto it = processor.find(key);
    const std::string field = std::string("post_processor.") + key;
    if (it == processor.end() || !it->is_array())
      detail::throw_error<LoadError>({path, ": field '", field, "' must be an array"});
    std::vector<TemplatePiece> pieces;
    for (const nlohmann::json& piece : *it) {
      TemplatePiece p;
      try {
        if (piece.contains("Sequence")) {
          const nlohmann::json& s = piece.at("Sequence");
          const std::string id = s.at("id").get<std::string>();
          if (id != "A" && id != "B")
            detail::throw_error<LoadError>(
                {path, ": field '", field, "' has sequence id '", id, "'"});
          p.sequence = id == "A" ? 0 : 1;
          p.type_id = json_integer<std::int32_t, LoadError>(s.at("type_id"), field.c_str(), path);
        } else if (piece.contains("SpecialToken")) {
          const nlohmann::json& s = piece.at("SpecialToken");
          p.is_sequence = false;
          p.special = s.at("id").get<std::string>();
          p.type_id = json_integer<std::int32_t, LoadError>(s.at("type_id"), field.c_str(), path);
        } else {
          detail::throw_error<LoadError>(
              {path, ": field '", field,
               "' has an entry that is neither Sequence nor SpecialToken"});
        }
      } catch (const nlohmann::json::exception&) {
        detail::throw_error<LoadError>({path, ": field '", field, "' has a malformed entry"});
      }
      pieces.push_back(std::move(p));
    }
    return pieces;
  }

  static void read_decoder(Tokenizer& t, const nlohmann::json& root, const std::string& path) {
    const auto it = root.find("decoder");
    if (it == root.end() || it->is_null()) {
      t.decoder_ = Decoder::none();
      return;
    }
    const std::string type = json_field<std::string, LoadError>(*it, "type", "", path);
    if (type == "ByteLevel") {
      t.decoder_ = Decoder::byte_level();
      return;
    }
    if (type != "WordPiece")
      detail::throw_error<LoadError>({path, ": field 'decoder.type' is '", type,
                                      "', but only WordPiece and ByteLevel are supported"});
    t.decoder_ = Decoder::wordpiece(WordPieceDecoder{json_field<std::string, LoadError>(*it, "prefix", "##", path),
                                                     json_field<bool, LoadError>(*it, "cleanup", true, path)});
  }

  // ---- tokenizer_config.json / special_tokens_map.json ------------------

  // A special token entry is either "text" or {"content": "text", ...}
  // (transformers writes {"__type": "AddedToken", ...}); an object's
  // matching flags are kept.
  static std::optional<std::string> special_name(const nlohmann::json& config, const char* key,
                                                 const std::string& path, TokenizerOptions& options) {
    const auto it = config.find(key);
    if (it == config.end() || it->is_null()) return std::nullopt;
    if (it->is_string()) return it->get<std::string>();
    if (!it->is_object() || !it->contains("content") || !it->at("content").is_string())
      detail::throw_error<LoadError>(
          {path, ": field '", key, "' must be a string or an object with 'content'"});
    AddedToken flags;
    flags.content = it->at("content").get<std::string>();
    flags.lstrip = json_field<bool, LoadError>(*it, "lstrip", false, path);
    flags.rstrip = json_field<bool, LoadError>(*it, "rstrip", false, path);
    flags.single_word = json_field<bool, LoadError>(*it, "single_word", false, path);
    flags.normalized = json_field<bool, LoadError>(*it, "normalized", false, path);
    auto& all = options.special_token_flags;
    for (auto f = all.begin(); f != all.end(); ++f)
      if (f->content == flags.content) {
        all.erase(f);
        break;
      }
    all.push_back(flags);
    return flags.content;
  }

  static void read_special_names(const nlohmann::json& config, const std::string& path, TokenizerOptions& o) {
    if (!config.is_object()) detail::throw_error<LoadError>({path, ": expected a JSON object"});
    if (auto v = special_name(config, "unk_token", path, o)) o.unk_token = *v;
    if (auto v = special_name(config, "cls_token", path, o)) o.cls_token = *v;
    if (auto v = special_name(config, "sep_token", path, o)) o.sep_token = *v;
    if (auto v = special_name(config, "pad_token", path, o)) o.pad_token = *v;
    if (auto v = special_name(config, "mask_token", path, o)) o.mask_token = *v;
    if (auto v = special_name(config, "bos_token", path, o)) o.bos_token = *v;
    if (auto v = special_name(config, "eos_token", path, o)) o.eos_token = *v;
  }

  static void read_wordpiece_config(const nlohmann::json& config, const std::string& path, TokenizerOptions& o) {
    o.lowercase = json_field<bool, LoadError>(config, "do_lower_case", true, path);
    const auto strip = config.find("strip_accents");
    if (strip != config.end() && !strip->is_null()) {
      if (!strip->is_boolean())
        detail::throw_error<LoadError>(
            {path, ": field 'strip_accents' must be true, false or null"});
      o.strip_accents = strip->get<bool>();
    }
    o.handle_chinese_chars = json_field<bool, LoadError>(config, "tokenize_chinese_chars", true, path);
  }

  static void read_bpe_config(const nlohmann::json& config, const std::string& path, TokenizerOptions& o) {
    o.add_prefix_space = json_field<bool, LoadError>(config, "add_prefix_space", false, path);
    o.trim_offsets = json_field<bool, LoadError>(config, "trim_offsets", true, path);
  }

  // Fields that matter whichever file the vocabulary came from.
  static void read_common_config(const nlohmann::json& config, const std::string& path, TokenizerOptions& o) {
    const auto max = config.find("model_max_length");
    if (max != config.end() && max->is_number()) {
      // transformers writes 1e30 for "no limit".
      const double v = max->get<double>();
      o.model_max_length = v >= 1e18 || v < 0 ? std::numeric_limits<std::size_t>::max() : max->get<std::size_t>();
    }
    o.clean_up_tokenization_spaces =
        json_field<bool, LoadError>(config, "clean_up_tokenization_spaces", true, path);
  }

  // tokenizer_config.json beside a tokenizer.json: limits and the names of
  // the special tokens the file's parts do not fix.
  static void apply_config(Tokenizer& t, const nlohmann::json& config, const std::string& path) {
    if (!config.is_object()) detail::throw_error<LoadError>({path, ": expected a JSON object"});
    TokenizerOptions& o = t.options_;
    read_common_config(config, path, o);
    TokenizerOptions names = o;
    read_special_names(config, path, names);
    o.pad_token = names.pad_token;
    o.mask_token = names.mask_token;
    o.bos_token = names.bos_token;
    o.eos_token = names.eos_token;
    if (t.model_.unk_id() < 0) o.unk_token = names.unk_token;
    t.finish();
  }
};

}  // namespace detail
}  // namespace bertpp
