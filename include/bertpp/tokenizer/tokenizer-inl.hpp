// Definitions of Tokenizer's loading functions (declared in tokenizer.hpp):
// inline header-only, compiled once in bertpp::compiled otherwise, so a
// program using the compiled library does not parse the JSON reader.
#pragma once

#include "bertpp/tokenizer/tokenizer.hpp"
#include "bertpp/detail/tokenizer_loader.hpp"

namespace bertpp {

BERTPP_API Tokenizer Tokenizer::from_folder(const std::string& dir) { return detail::TokenizerLoader::from_folder(dir); }

BERTPP_API Tokenizer Tokenizer::from_vocab_file(const std::string& path, TokenizerOptions options) {
  return detail::TokenizerLoader::wordpiece(path, std::move(options));
}

BERTPP_API Tokenizer Tokenizer::from_bpe_files(const std::string& vocab_path, const std::string& merges_path,
                                               TokenizerOptions options) {
  return detail::TokenizerLoader::byte_level_bpe(vocab_path, merges_path, std::move(options));
}

BERTPP_API Tokenizer Tokenizer::from_tokenizer_json(const std::string& path) {
  return detail::TokenizerLoader::tokenizer_json(path);
}

}  // namespace bertpp
