// `bertpp translate` run as a user runs it, its JSON Lines checked against
// transformers' generate() + decode (golden/models/marian-random).
#include "cli_support.hpp"
#include "support/golden.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace {

using namespace bertpp_cli_test;

// The tool run as a user runs it (cli_support.hpp), input on stdin.
RunResult run(const std::vector<std::string>& args, const std::string& input = "") {
  return run_cli(args, input);
}

const char* const kModel = "models/marian-random";

}  // namespace

TEST_CASE("bertpp translate reproduces HF's greedy, beam and default translations") {
  if (!bertpp_test::have_golden(kModel)) return;
  const std::string model = bertpp_test::golden_path(kModel);
  const json golden = bertpp_test::read_json(model + "/expected_translation.json")["generation"];
  std::string input;
  for (const auto& c : golden["cases"]) input += json{{"text", c["text"]}}.dump() + "\n";
  const std::size_t n = golden["cases"].size();
  struct Setting {
    const char* name;
    std::vector<std::string> flags;
  };
  const std::vector<Setting> settings = {
      {"greedy", {"--num-beams", "1", "--max-new-tokens", "16"}},
      {"beam", {"--num-beams", "4", "--max-length", "17"}},  // max_length counts the start token
      {"default", {"--max-new-tokens", "16"}},
      {"beam_all", {"--num-beams", "4", "--num-return-sequences", "4", "--max-new-tokens", "16"}}};
  for (const auto& setting : settings) {
    INFO("setting " << setting.name);
    std::vector<std::string> args = {"translate", "-m", model, "--jsonl", "-q", "--batch-size", "5"};
    args.insert(args.end(), setting.flags.begin(), setting.flags.end());
    const RunResult r = run(args, input);
    REQUIRE(r.exit_code == 0);
    const auto lines = json_lines(r.out);
    REQUIRE(lines.size() == n);
    for (std::size_t i = 0; i < n; ++i) {
      const auto want = golden["cases"][i][setting.name]["text"];
      if (want.size() == 1 && std::string(setting.name) != "beam_all") {
        CHECK(lines[i] == json{{"translation_text", want[0]}});
      } else {
        REQUIRE(lines[i].size() == want.size());
        for (std::size_t k = 0; k < want.size(); ++k) CHECK(lines[i][k]["translation_text"] == want[k]);
      }
    }
  }
}

TEST_CASE("bertpp translate: --on-error fail|skip|record, bad flags, info") {
  if (!bertpp_test::have_golden(kModel)) return;
  const std::string model = bertpp_test::golden_path(kModel);
  const std::string input = "{\"text\": \"Hello\"}\n{\"other\": 1}\n{\"text\": \"Thank you very much.\"}\n";
  const std::vector<std::string> base = {"translate", "-m", model, "--jsonl", "--num-beams", "1", "--max-new-tokens", "4"};
  auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = base;
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  };
  const RunResult fail = run(with({}), input);
  CHECK(fail.exit_code == 1);
  CHECK(fail.err.find(":2: no field \"text\"") != std::string::npos);
  CHECK(json_lines(fail.out).size() == 1);  // the result before the bad line is written
  const RunResult skip = run(with({"--on-error", "skip"}), input);
  CHECK(skip.exit_code == 0);
  CHECK(json_lines(skip.out).size() == 2);
  CHECK(skip.err.find("skipped <stdin>:2") != std::string::npos);
  const RunResult record = run(with({"--on-error", "record"}), input);
  CHECK(record.exit_code == 0);
  const auto lines = json_lines(record.out);
  REQUIRE(lines.size() == 3);
  CHECK(lines[0].contains("translation_text"));
  CHECK(lines[1].contains("error"));
  CHECK(lines[1]["line"] == 2);
  CHECK(lines[2].contains("translation_text"));

  CHECK(run(with({"--num-beams", "x"}), input).exit_code == 1);
  CHECK(run(with({"--num-beams", "2", "--num-return-sequences", "3"}), input).exit_code == 1);
  CHECK(run(with({"--temperature", "1"}), input).exit_code == 1);
  // A source longer than the model's 128 positions: refused under --on-error, or cut with --truncate.
  std::string long_text;
  for (int i = 0; i < 200; ++i) long_text += "word ";
  const std::string long_input = json{{"text", long_text}}.dump() + "\n";
  CHECK(run(with({"--on-error", "record"}), long_input).out.find("\"error\"") != std::string::npos);
  const RunResult cut = run(with({"--truncate"}), long_input);
  CHECK(cut.exit_code == 0);
  CHECK(json_lines(cut.out).size() == 1);

  const RunResult info = run({"info", "-m", model});
  REQUIRE(info.exit_code == 0);
  const json described = json::parse(info.out);
  CHECK(described["model_type"] == "marian");
  CHECK(described["d_model"] == 32);
  CHECK(described["tokenizer"]["vocab_size"] == 59514);
}
