// A temporary copy of a golden model folder (its files linked, not copied)
// whose tokenizer_config.json gets one field changed: for tests of what a
// pipeline does when the tokenizer and the model disagree.
#pragma once

#include "support/golden.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace bertpp_test {

class FolderWithTokenizerConfig {
 public:
  FolderWithTokenizerConfig(const std::string& source, const std::string& key,
                            const nlohmann::json& value) {
    namespace fs = std::filesystem;
    char name[] = "/tmp/bertpp-folder-XXXXXX";
    REQUIRE(::mkdtemp(name) != nullptr);
    dir_ = name;
    for (const auto& entry : fs::directory_iterator(source)) {
      if (entry.path().filename() == "tokenizer_config.json") continue;
      fs::create_symlink(fs::absolute(entry.path()), dir_ / entry.path().filename());
    }
    nlohmann::json config = read_json(source + "/tokenizer_config.json");
    config[key] = value;
    std::ofstream(dir_ / "tokenizer_config.json") << config.dump(2);
  }
  ~FolderWithTokenizerConfig() {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  FolderWithTokenizerConfig(const FolderWithTokenizerConfig&) = delete;
  FolderWithTokenizerConfig& operator=(const FolderWithTokenizerConfig&) = delete;

  std::string path() const { return dir_.string(); }

 private:
  std::filesystem::path dir_;
};

}  // namespace bertpp_test
