// `bertpp rerank` and `bertpp ner --stride` against HF's golden outputs
// (sentence-transformers' CrossEncoder.rank; HF's token-classification
// pipeline over long texts).
#include "cli_support.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <fstream>
#include <string>
#include <vector>

using namespace bertpp_cli_test;

namespace {

json rank_cases() {
  json cases = json::array();
  for (const json& c : bertpp_test::read_json(
           bertpp_test::golden_path("models/cross-encoder-random/expected_pipeline.json")))
    if (c.value("task", "") == "cross-encoder-rank") cases.push_back(c);
  return cases;
}

}  // namespace

TEST_CASE("bertpp rerank --query ranks the input lines as CrossEncoder.rank") {
  if (!bertpp_test::have_golden("models/cross-encoder-random")) return;
  const std::string model = model_dir("cross-encoder-random");
  const json cases = rank_cases();
  REQUIRE(cases.size() >= 6);
  for (const json& c : cases) {
    const json& args = c["args"];
    INFO("query " << args["query"]);
    REQUIRE(args["activation"] == "sigmoid");
    std::string passages;
    for (const auto& d : args["documents"]) passages += d.get<std::string>() + "\n";
    std::vector<std::string> command = {"rerank", "-m", model, "--query", args["query"]};
    if (!args["max_length"].is_null()) command.push_back("--max-length=" + args["max_length"].dump());
    check_lines(command, passages, {c["output"]["ranking"]});
  }
  // --top-k keeps the best; --return-documents copies the passages.
  const json& c = cases[0];
  std::string passages;
  for (const auto& d : c["args"]["documents"]) passages += d.get<std::string>() + "\n";
  const RunResult run = run_cli({"rerank", "-m", model, "--query", c["args"]["query"], "--top-k", "2",
                                 "--return-documents"}, passages);
  REQUIRE(run.exit_code == 0);
  const json ranking = json_lines(run.out).at(0);
  REQUIRE(ranking.size() == 2);
  for (std::size_t i = 0; i < 2; ++i) {
    const json& want = c["output"]["ranking"][i];
    CHECK(ranking[i]["corpus_id"] == want["corpus_id"]);
    CHECK(std::abs(ranking[i]["score"].get<double>() - want["score"].get<double>()) < 1e-5);
    CHECK(ranking[i]["text"] == c["args"]["documents"][want["corpus_id"].get<std::size_t>()]);
  }
}

TEST_CASE("bertpp rerank --jsonl: one ranking line per query line, bad lines under --on-error") {
  if (!bertpp_test::have_golden("models/cross-encoder-random")) return;
  const std::string model = model_dir("cross-encoder-random");
  std::string input;
  std::vector<json> expected;
  for (const json& c : rank_cases()) {
    json line = {{"query", c["args"]["query"]}, {"passages", c["args"]["documents"]}};
    input += line.dump() + "\n";
    expected.push_back(c["output"]["ranking"]);
  }
  // The model takes 128 tokens: the default truncation is HF's max_length=128 case.
  check_lines({"rerank", "-m", model, "--jsonl"}, input, expected);

  const std::string bad = input + "{\"query\": \"q\", \"passages\": [1]}\n{\"query\": \"q\"}\n";
  const RunResult run = run_cli({"rerank", "-m", model, "--jsonl", "--on-error", "record"}, bad);
  REQUIRE(run.exit_code == 0);
  const auto lines = json_lines(run.out);
  REQUIRE(lines.size() == expected.size() + 2);
  CHECK(lines[expected.size()] ==
        json{{"error", "field \"passages\" holds a number, expected strings"}, {"line", expected.size() + 1}});
  CHECK(lines[expected.size() + 1] == json{{"error", "no list field \"passages\""}, {"line", expected.size() + 2}});
}

TEST_CASE("bertpp rerank --query: a skipped passage line keeps the others' corpus ids") {
  if (!bertpp_test::have_golden("models/cross-encoder-random")) return;
  const std::string model = model_dir("cross-encoder-random");
  const json c = rank_cases()[0];
  std::string passages;
  for (const auto& d : c["args"]["documents"]) passages += d.get<std::string>() + "\n";
  const RunResult run = run_cli({"rerank", "-m", model, "--query", c["args"]["query"], "--on-error", "skip"},
                                "\xff\n" + passages);
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  CHECK(contains(run.err, "skipped <stdin>:1: invalid UTF-8"));
  const json ranking = json_lines(run.out).at(0);
  REQUIRE(ranking.size() == c["output"]["ranking"].size());
  for (std::size_t i = 0; i < ranking.size(); ++i)  // every id one more: line 1 was the bad one
    CHECK(ranking[i]["corpus_id"] == c["output"]["ranking"][i]["corpus_id"].get<std::size_t>() + 1);

  const RunResult record = run_cli({"rerank", "-m", model, "--query", "q", "--on-error", "record"}, passages);
  CHECK(record.exit_code == 1);
  CHECK(contains(record.err, "with --query (one ranking line) use fail or skip"));
  const RunResult none = run_cli({"rerank", "-m", model}, passages);
  CHECK(contains(none.err, "rerank needs --query Q"));
  if (!bertpp_test::have_golden("models/bert-random-nli")) return;
  const RunResult three = run_cli({"rerank", "-m", model_dir("bert-random-nli"), "--query", "q", "p"});
  CHECK(contains(three.err, "the model has 3 labels; ranking needs one"));
}

TEST_CASE("bertpp ner --stride labels long texts in overlapping windows, as HF") {
  if (!bertpp_test::have_golden("models/bert-random-ner/expected_pipeline_stride.json")) return;
  const json cases =
      bertpp_test::read_json(bertpp_test::golden_path("models/bert-random-ner/expected_pipeline_stride.json"));
  std::size_t compared = 0;
  for (const json& c : cases) {
    const json& args = c["args"];
    // The folder says model_max_length 256 (HF loaded it with 128): the
    // windows are clamped to the model's 128 positions, which is HF's case
    // except for its errors and its no-stride truncation.
    if (c.contains("error") || !args.contains("stride") || !args["inputs"].is_string()) continue;
    INFO(args.dump().substr(0, 120));
    std::vector<std::string> command = {"ner", "-m", model_dir("bert-random-ner"),
                                        "--stride=" + args["stride"].dump(), args["inputs"]};
    if (args.contains("aggregation_strategy"))
      command.push_back("--aggregation=" + args["aggregation_strategy"].get<std::string>());
    check_lines(command, "", {c["output"]});
    ++compared;
  }
  CHECK(compared >= 30);
  const RunResult none = run_cli({"ner", "-m", model_dir("bert-random-ner"), "--stride", "16",
                                  "--aggregation", "none", "text"});
  CHECK(none.exit_code == 1);
  CHECK(contains(none.err, "--stride needs --aggregation simple, first, average or max"));
}

TEST_CASE("bertpp embed --long windows embeds a long text whole, in overlapping windows") {
  if (!bertpp_test::have_golden("models/sentence-random")) return;
  const std::string model = model_dir("sentence-random");
  auto words = [](std::size_t n) {
    std::string text;
    for (std::size_t i = 0; i < n; ++i) text += "word ";
    return text;
  };
  // max_seq_length 64: 62 words a window. 124 words = two identical windows
  // (stride 0); 114 words with --stride 10 = windows [0, 62) and [52, 114),
  // identical too. The token-weighted mean of equal windows is that window's
  // embedding, which is the embedding of 62 words.
  const json one_window = json_lines(run_cli({"embed", "-m", model, words(62)}).out).at(0);
  const RunResult two = run_cli({"embed", "-m", model, "--long", "windows", words(124)});
  INFO(two.err);
  REQUIRE(two.exit_code == 0);
  CHECK(bertpp_test::json_mismatch(one_window, json_lines(two.out).at(0), 1e-6) == "");
  CHECK(!contains(two.err, "truncated"));
  const RunResult strided = run_cli({"embed", "-m", model, "--long", "windows", "--stride", "10", words(114)});
  REQUIRE(strided.exit_code == 0);
  CHECK(bertpp_test::json_mismatch(one_window, json_lines(strided.out).at(0), 1e-6) == "");
  // A text with a different second window is not its truncation.
  const std::string mixed = words(62) + "the river bank flooded after the storm";
  const json truncated = json_lines(run_cli({"embed", "-m", model, mixed}).out).at(0);
  const json whole = json_lines(run_cli({"embed", "-m", model, "--long", "windows", mixed}).out).at(0);
  CHECK(bertpp_test::json_mismatch(truncated, whole, 1e-3) != "");
  // Refused: a stride the window cannot hold, --stride without windows, windows with --tokens.
  CHECK(contains(run_cli({"embed", "-m", model, "--long", "windows", "--stride", "62", "x"}).err,
                 "--stride 62 must be smaller than the 62 tokens of text a window holds"));
  CHECK(contains(run_cli({"embed", "-m", model, "--stride", "4", "x"}).err, "--stride goes with --long windows"));
  CHECK(contains(run_cli({"embed", "-m", model, "--long", "windows", "--tokens", "x"}).err,
                 "goes with neither --tokens nor --no-truncate"));
}
