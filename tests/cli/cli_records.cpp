// The `bertpp` tool keeps output aligned with input: one output line per
// input line, in order, whatever the lines hold; one --on-error policy for
// every per-line problem; checked output; options that work or are refused;
// long inputs truncated to the model's limit.
#include "cli_support.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

using namespace bertpp_cli_test;

namespace {

std::string repeat(const std::string& word, std::size_t times) {
  std::string out;
  for (std::size_t i = 0; i < times; ++i) out += word;
  return out;
}

std::size_t count_of(const std::string& text, const std::string& part) {
  std::size_t n = 0;
  for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

// HF's encoding of an empty text, from the golden tokenizer data.
json golden_empty_encoding() {
  json found;
  bertpp_test::for_each_jsonl(bertpp_test::golden_path("tokenizer/uncased.jsonl"),
                              [&](const json& line, int) {
                                if (found.is_null() && line["text"] == "") found = line;
                              });
  REQUIRE(!found.is_null());
  return found;
}

// A hostile plain-text corpus: (text of the file, the 1-based lines that
// cannot be read).
struct Corpus {
  std::string text;
  std::size_t lines = 0;
  std::vector<std::size_t> bad;
};

Corpus hostile_corpus() {
  Corpus c;
  auto add = [&](const std::string& line, bool bad = false, const char* end = "\n") {
    c.text += line + end;
    ++c.lines;
    if (bad) c.bad.push_back(c.lines);
  };
  add("good movie");
  add("");                                       // empty: a valid, empty text
  add("   \t ");                                 // whitespace only
  add("crlf ending", false, "\r\n");             // Windows line end
  add(std::string("nul\0byte", 8));              // NUL inside the text
  add("\xff\xfe not UTF-8", true);               // invalid UTF-8
  add(repeat("word ", 2 * 1024 * 1024), true);   // a 10 MB line: over the default limit
  add("\xed\xa0\x80 a surrogate in UTF-8", true);  // CESU-8 surrogate: invalid UTF-8
  add("\r");                                     // only a carriage return: empty
  add("last line without a line end", false, "");
  return c;
}

std::string write_temp(const std::string& name, const std::string& content) {
  const std::string path = temp_path(name);
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

}  // namespace

TEST_CASE("bertpp tokenize: every input line gives one output line, empty lines too") {
  if (!bertpp_test::have_golden("models/bert-random")) return;
  const json empty = golden_empty_encoding();
  const RunResult run = run_cli({"tokenize", "-m", model_dir("bert-random")}, "a\n\nb\n \n");
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  const auto lines = json_lines(run.out);
  REQUIRE(lines.size() == 4);
  CHECK(lines[0]["tokens"] == json::array({"[CLS]", "a", "[SEP]"}));
  CHECK(lines[1]["ids"] == empty["ids"]);
  CHECK(lines[1]["char_offsets"] == empty["char_offsets"]);
  CHECK(lines[2]["tokens"] == json::array({"[CLS]", "b", "[SEP]"}));
  CHECK(lines[3]["ids"] == empty["ids"]);
}

TEST_CASE("bertpp on a hostile corpus: count in = count out under record, documented skips, file:line under fail") {
  if (!bertpp_test::have_golden("models/bert-random-sst2")) return;
  const Corpus corpus = hostile_corpus();
  const std::string path = write_temp("hostile.txt", corpus.text);
  const std::string model = model_dir("bert-random-sst2");

  SECTION("--on-error record: an error line in place of each bad line") {
    const RunResult run = run_cli({"classify", "-m", model, "-i", path, "--on-error", "record", "-q"});
    INFO(run.err);
    REQUIRE(run.exit_code == 0);
    const auto lines = json_lines(run.out);
    REQUIRE(lines.size() == corpus.lines);
    for (std::size_t i = 0; i < lines.size(); ++i) {
      const std::size_t line = i + 1;
      INFO("line " << line);
      const bool bad = std::find(corpus.bad.begin(), corpus.bad.end(), line) != corpus.bad.end();
      if (bad) {
        CHECK(lines[i]["line"] == line);
        CHECK(lines[i].contains("error"));
      } else {
        CHECK(lines[i].contains("label"));
        CHECK(lines[i].contains("score"));
      }
    }
    CHECK(lines[5]["error"] == "invalid UTF-8 at byte 0");
    CHECK(lines[6]["error"] == "line longer than 1048576 bytes (--max-line-bytes)");
    CHECK(lines[7]["error"] == "invalid UTF-8 at byte 0");
    // The empty line and the whitespace-only line are the same empty text.
    CHECK(bertpp_test::json_mismatch(lines[1], lines[2], 1e-6) == "");
    CHECK(bertpp_test::json_mismatch(lines[1], lines[8], 1e-6) == "");
    // The CRLF line is classified as its text without the '\r'.
    const RunResult alone = run_cli({"classify", "-m", model, "crlf ending"});
    CHECK(bertpp_test::json_mismatch(json_lines(alone.out).at(0), lines[3], 1e-6) == "");
  }

  SECTION("--on-error skip: one warning with file:line per bad line, the rest in order") {
    const RunResult run = run_cli({"classify", "-m", model, "-i", path, "--on-error", "skip", "-q"});
    INFO(run.err);
    REQUIRE(run.exit_code == 0);
    CHECK(json_lines(run.out).size() == corpus.lines - corpus.bad.size());
    CHECK(count_of(run.err, "warning: skipped") == corpus.bad.size());
    for (std::size_t line : corpus.bad) CHECK(contains(run.err, path + ":" + std::to_string(line) + ": "));
  }

  SECTION("--on-error fail (default): stops at the first bad line, earlier results written") {
    const RunResult run = run_cli({"classify", "-m", model, "-i", path, "-q"});
    CHECK(run.exit_code == 1);
    CHECK(contains(run.err, path + ":6: invalid UTF-8 at byte 0"));
    CHECK(json_lines(run.out).size() == 5);
  }

  SECTION("--max-line-bytes 0 lifts the limit: the 10 MB line is classified (truncated)") {
    const RunResult run = run_cli({"classify", "-m", model, "-i", path, "--on-error", "record",
                                   "--max-line-bytes", "0", "-q"});
    INFO(run.err);
    REQUIRE(run.exit_code == 0);
    const auto lines = json_lines(run.out);
    REQUIRE(lines.size() == corpus.lines);
    CHECK(lines[6].contains("label"));
    CHECK(contains(run.err, "1 input was longer than 128 tokens and truncated"));
  }

  SECTION("a small --max-line-bytes refuses longer lines under the policy") {
    const RunResult run = run_cli({"tokenize", "-m", model, "--max-line-bytes", "4", "--on-error",
                                   "record"}, "abcd\nabcde\nabc\r\n");
    const auto lines = json_lines(run.out);
    REQUIRE(lines.size() == 3);
    CHECK(lines[0].contains("ids"));
    CHECK(lines[1]["error"] == "line longer than 4 bytes (--max-line-bytes)");
    CHECK(lines[2].contains("ids"));
  }
}

TEST_CASE("bertpp JSON Lines: broken JSON, lone surrogates, missing or non-string fields go through --on-error") {
  if (!bertpp_test::have_golden("models/bert-random-sst2")) return;
  const std::string model = model_dir("bert-random-sst2");
  const std::string input =
      "{\"text\": \"fine\"}\n"
      "{\"text\": 5}\n"
      "{\"other\": \"x\"}\n"
      "\n"
      "{\"text\": \"\\ud800\"}\n"
      "{\"text\": \"\\ud83d\\ude00 paired surrogates are fine\"}\n"
      "[1, 2]\n"
      "{broken\n"
      "{\"text\": \"\"}\n";
  const RunResult skip = run_cli({"classify", "-m", model, "--jsonl", "--on-error", "skip"}, input);
  INFO(skip.err);
  REQUIRE(skip.exit_code == 0);
  CHECK(json_lines(skip.out).size() == 3);
  for (const char* warning : {"<stdin>:2: field \"text\" is number, expected a string",
                              "<stdin>:3: no field \"text\"",
                              "<stdin>:4: empty line (expected a JSON object)",
                              "<stdin>:5: invalid JSON", "<stdin>:7: expected a JSON object or string",
                              "<stdin>:8: invalid JSON"})
    CHECK(contains(skip.err, std::string("warning: skipped ") + warning));

  const RunResult record = run_cli({"classify", "-m", model, "--jsonl", "--on-error", "record"}, input);
  const auto lines = json_lines(record.out);
  REQUIRE(lines.size() == 9);
  CHECK(lines[1] == json{{"error", "field \"text\" is number, expected a string"}, {"line", 2}});
  CHECK(contains(lines[4]["error"].get<std::string>(), "surrogate"));
  CHECK(lines[5].contains("label"));
  CHECK(lines[8].contains("label"));

  const RunResult fail = run_cli({"classify", "-m", model, "--jsonl"}, input);
  CHECK(fail.exit_code == 1);
  CHECK(contains(fail.err, "<stdin>:2: field \"text\" is number, expected a string (--on-error skip"));
  CHECK(json_lines(fail.out).size() == 1);

  // The same problem, the same words, in every command.
  for (const char* command : {"embed", "ner", "fill-mask", "zero-shot"}) {
    INFO(command);
    const std::string folder = std::string(command) == "embed"       ? model_dir("sentence-random")
                               : std::string(command) == "ner"       ? model_dir("bert-random-ner")
                               : std::string(command) == "fill-mask" ? model_dir("bert-random-mlm")
                                                                     : model_dir("bert-random-nli");
    std::vector<std::string> args = {command, "-m", folder, "--jsonl"};
    if (std::string(command) == "zero-shot") args.insert(args.end(), {"--labels", "a,b"});
    const RunResult run = run_cli(args, "{\"text\": 5}\n");
    CHECK(run.exit_code == 1);
    CHECK(contains(run.err, "<stdin>:1: field \"text\" is number, expected a string"));
    const RunResult bytes = run_cli({command, "-m", folder, "--labels", "a", "\xff"});
    if (std::string(command) == "zero-shot") CHECK(contains(bytes.err, "argument 1: invalid UTF-8 at byte 0"));
  }
}

TEST_CASE("bertpp qa: an empty question or context is that line's error") {
  if (!bertpp_test::have_golden("models/bert-random-squad")) return;
  const std::string input =
      "{\"question\": \"Who?\", \"context\": \"Alice met Bob.\"}\n"
      "{\"question\": \"\", \"context\": \"Alice met Bob.\"}\n"
      "{\"question\": \"Who?\", \"context\": \"Carol met Dan.\"}\n";
  const RunResult run = run_cli({"qa", "-m", model_dir("bert-random-squad"), "--jsonl", "--on-error",
                                 "record"}, input);
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  const auto lines = json_lines(run.out);
  REQUIRE(lines.size() == 3);
  CHECK(lines[0].contains("answer"));
  CHECK(lines[1]["line"] == 2);
  CHECK(contains(lines[1]["error"].get<std::string>(), "`question` cannot be empty"));
  CHECK(lines[2].contains("answer"));
}

TEST_CASE("bertpp checks that its output was written: a full disk is an error") {
  if (!bertpp_test::have_golden("models/bert-random-sst2")) return;
  if (!std::filesystem::exists("/dev/full")) return;
  const std::string model = model_dir("bert-random-sst2");
  const RunResult to_stdout = run_cli({"classify", "-m", model, "a", "b"}, "", "> /dev/full");
  CHECK(to_stdout.exit_code == 1);
  CHECK(contains(to_stdout.err, "<stdout>: write failed: No space left on device"));

  const RunResult to_file = run_cli({"classify", "-m", model, "-o", "/dev/full", "a"});
  CHECK(to_file.exit_code == 1);
  CHECK(contains(to_file.err, "/dev/full: write failed"));

  if (!bertpp_test::have_golden("models/sentence-random")) return;
  const RunResult npy = run_cli({"embed", "-m", model_dir("sentence-random"), "--format", "npy",
                                 "-o", "/dev/full", "a", "b"});
  CHECK(npy.exit_code == 1);
  CHECK(contains(npy.err, "/dev/full: write failed"));

  const RunResult info = run_cli({"info", "-m", model}, "", "> /dev/full");
  CHECK(info.exit_code == 1);
  CHECK(contains(info.err, "write failed"));
}

TEST_CASE("bertpp says what is wrong with -m: no such folder, no config.json, no tokenizer") {
  const std::string empty = temp_path("empty-model");
  std::filesystem::create_directories(empty);
  const RunResult missing = run_cli({"classify", "-m", "/nonexistent/model", "x"});
  CHECK(missing.exit_code == 1);
  CHECK(contains(missing.err, "no such model folder: /nonexistent/model"));
  const RunResult no_config = run_cli({"embed", "-m", empty, "x"});
  CHECK(contains(no_config.err, "no config.json in " + empty));
  const RunResult no_tokenizer = run_cli({"tokenize", "-m", empty, "x"});
  CHECK(contains(no_tokenizer.err, "no tokenizer files (tokenizer.json, vocab.txt or vocab.json) in " + empty));
  const std::string file = write_temp("not-a-folder", "x");
  CHECK(contains(run_cli({"info", "-m", file}).err, file + " is not a folder"));
}

TEST_CASE("bertpp refuses options a command does not use, and --batch-size reaches the model") {
  if (!bertpp_test::have_golden("models/bert-random-sst2")) return;
  const std::string model = model_dir("bert-random-sst2");
  const std::vector<std::pair<std::vector<std::string>, std::string>> refused = {
      {{"tokenize", "-m", model, "--batch-size", "4", "x"}, "unknown option --batch-size for 'tokenize'"},
      {{"tokenize", "-m", model, "--int8", "x"}, "unknown option --int8 for 'tokenize'"},
      {{"fill-mask", "-m", model, "--max-length", "8", "x"}, "unknown option --max-length for 'fill-mask'"},
      {{"ner", "-m", model, "--max-length", "8", "x"}, "unknown option --max-length for 'ner'"},
      {{"qa", "-m", model, "--max-length", "8", "x"}, "qa takes --max-seq-len"},
      {{"info", "-m", model, "--jsonl"}, "unknown option --jsonl for 'info'"},
      {{"qa", "-m", model, "--field", "q", "x"}, "unknown option --field for 'qa'"},
      {{"qa", "-m", model, "x"}, "qa needs --question Q"},
      {{"classify", "-m", model, "--on-error", "ignore", "x"}, "--on-error must be fail, skip or record"},
      {{"classify", "-m", model, "--field", "", "x"}, "--field needs a field name"},
      {{"classify", "-m", model, "--batch-size", "0", "x"}, "--batch-size must be at least 1"},
      {{"classify", "-m", model, "--max-length", "8", "--no-truncate", "x"}, "cannot go with --no-truncate"},
      {{"classify", "-m", model, "--max-length", "129", "x"}, "--max-length 129 is more than the model takes (128 tokens)"},
      {{"embed", "-m", model, "--format", "npy", "-o", temp_path("x.npy"), "--on-error", "record", "x"},
       "--on-error record writes JSON lines"}};
  for (const auto& [args, message] : refused) {
    INFO(args[0] << " " << message);
    const RunResult run = run_cli(args);
    CHECK(run.exit_code == 1);
    CHECK(contains(run.err, message));
  }
  // HF's batch of 4 sentences, one model call per sentence: the same answers.
  const json plain = golden_pipeline_case("bert-random-sst2", 0);
  auto args = strings(plain["args"]["inputs"]);
  args.insert(args.begin(), {"classify", "-m", model, "--batch-size", "1"});
  check_lines(args, "", as_list(plain["output"]));
  // QA's batch case split 1 and 2 per call.
  if (!bertpp_test::have_golden("models/bert-random-squad")) return;
  const json qa = golden_pipeline_case("bert-random-squad", 8);
  std::string input;
  for (std::size_t i = 0; i < qa["args"]["question"].size(); ++i)
    input += json{{"question", qa["args"]["question"][i]}, {"context", qa["args"]["context"][i]}}.dump() + "\n";
  for (const char* size : {"1", "2"})
    check_lines({"qa", "-m", model_dir("bert-random-squad"), "--jsonl", "--batch-size", size}, input,
                as_list(qa["output"]));
}

TEST_CASE("bertpp truncates long inputs to the model's limit (classify, zero-shot, embed), or refuses them with --no-truncate") {
  if (!bertpp_test::have_golden("models/bert-random-sst2")) return;
  // "word" is one token: 400 words are 402 tokens; the model takes 128, so
  // HF's truncation keeps [CLS] + 126 words + [SEP], which is the plain
  // encoding of exactly 126 words.
  const std::string long_text = repeat("word ", 400);
  const std::string sst2 = model_dir("bert-random-sst2");
  const RunResult cut = run_cli({"classify", "-m", sst2, "--top-k", "all", long_text, "short"});
  INFO(cut.err);
  REQUIRE(cut.exit_code == 0);
  const RunResult fits = run_cli({"classify", "-m", sst2, "--top-k", "all", repeat("word ", 126)});
  CHECK(bertpp_test::json_mismatch(json_lines(fits.out).at(0), json_lines(cut.out).at(0), 1e-6) == "");
  CHECK(count_of(cut.err, "warning:") == 1);
  CHECK(contains(cut.err, "1 input was longer than 128 tokens and truncated"));

  const RunResult shorter = run_cli({"classify", "-m", sst2, "--top-k", "all", "--max-length", "16", long_text});
  const RunResult sixteen = run_cli({"classify", "-m", sst2, "--top-k", "all", repeat("word ", 14)});
  CHECK(bertpp_test::json_mismatch(json_lines(sixteen.out).at(0), json_lines(shorter.out).at(0), 1e-6) == "");

  const RunResult refuse = run_cli({"classify", "-m", sst2, "--no-truncate", "--on-error", "record", "short", long_text});
  REQUIRE(refuse.exit_code == 0);
  const auto refused = json_lines(refuse.out);
  REQUIRE(refused.size() == 2);
  CHECK(refused[0].contains("label"));
  CHECK(refused[1] == json{{"error", "402 tokens, more than the model takes (128; without --no-truncate it is truncated)"},
                           {"line", 2}});

  if (bertpp_test::have_golden("models/bert-random-nli")) {
    // Hypotheses "This example is a." / "... b." are 5 tokens, with 3 special
    // tokens: 120 words of the premise fit.
    const std::string nli = model_dir("bert-random-nli");
    const RunResult z = run_cli({"zero-shot", "-m", nli, "--labels", "a,b", long_text});
    INFO(z.err);
    REQUIRE(z.exit_code == 0);
    const RunResult z_fits = run_cli({"zero-shot", "-m", nli, "--labels", "a,b", repeat("word ", 120)});
    json got = json_lines(z.out).at(0), want = json_lines(z_fits.out).at(0);
    CHECK(got["sequence"] == long_text);  // the input, as HF reports it
    got.erase("sequence");
    want.erase("sequence");
    CHECK(bertpp_test::json_mismatch(want, got, 1e-6) == "");
    CHECK(contains(z.err, "1 input was longer than 128 tokens and truncated"));
    const RunResult z_refuse = run_cli({"zero-shot", "-m", nli, "--labels", "a,b", "--no-truncate", long_text});
    CHECK(z_refuse.exit_code == 1);
    CHECK(contains(z_refuse.err, "argument 1: 408 tokens, more than the model takes (128"));
  }

  if (bertpp_test::have_golden("models/sentence-random")) {
    // sentence-random's max_seq_length is 64: 62 words.
    const std::string st = model_dir("sentence-random");
    const RunResult e = run_cli({"embed", "-m", st, long_text});
    INFO(e.err);
    REQUIRE(e.exit_code == 0);
    const RunResult e_fits = run_cli({"embed", "-m", st, repeat("word ", 62)});
    CHECK(bertpp_test::json_mismatch(json_lines(e_fits.out).at(0), json_lines(e.out).at(0), 1e-6) == "");
    CHECK(contains(e.err, "1 input was longer than 64 tokens and truncated"));
    const RunResult e16 = run_cli({"embed", "-m", st, "--max-length", "16", long_text});
    const RunResult e_fits16 = run_cli({"embed", "-m", st, repeat("word ", 14)});
    CHECK(bertpp_test::json_mismatch(json_lines(e_fits16.out).at(0), json_lines(e16.out).at(0), 1e-6) == "");
    const RunResult e_refuse = run_cli({"embed", "-m", st, "--no-truncate", "--on-error", "skip", long_text, "ok"});
    CHECK(e_refuse.exit_code == 0);
    CHECK(json_lines(e_refuse.out).size() == 1);
    CHECK(contains(e_refuse.err, "skipped argument 1: 402 tokens"));
    const RunResult tokens = run_cli({"embed", "-m", st, "--tokens", long_text});
    INFO(tokens.err);
    REQUIRE(tokens.exit_code == 0);
    CHECK(json_lines(tokens.out).at(0).at(0).size() == 128);  // per-token vectors, the model's limit
  }
}

TEST_CASE("bertpp qa clamps --max-seq-len to the model") {
  if (!bertpp_test::have_golden("models/bert-random-squad")) return;
  const json c = golden_pipeline_case("bert-random-squad", 0);
  const RunResult run = run_cli({"qa", "-m", model_dir("bert-random-squad"), "--question",
                                 c["args"]["question"], "--max-seq-len", "1000", c["args"]["context"]});
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  CHECK(contains(run.err, "--max-seq-len 1000 is more than the model takes; using 128"));
  CHECK(bertpp_test::json_mismatch(c["output"], json_lines(run.out).at(0), 1e-5) == "");
}

TEST_CASE("bertpp reports non-finite model outputs as an error naming the model, never as null") {
  if (!bertpp_test::have_golden("models/bert-random-sst2")) return;
  const std::string source = model_dir("bert-random-sst2");
  // A copy of the folder whose every F32 weight is `value`.
  auto broken_copy = [&](const std::string& name, float value) {
    const std::string dir = temp_path(name);
    std::filesystem::create_directories(dir);
    for (const auto& entry : std::filesystem::directory_iterator(source))
      if (entry.path().filename() != "model.safetensors")
        std::filesystem::copy_file(entry.path(), dir + "/" + entry.path().filename().string(),
                                   std::filesystem::copy_options::overwrite_existing);
    std::ifstream in(source + "/model.safetensors", std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), {});
    std::uint64_t header = 0;
    std::memcpy(&header, bytes.data(), 8);
    for (std::size_t at = 8 + header; at + 4 <= bytes.size(); at += 4) std::memcpy(&bytes[at], &value, 4);
    std::ofstream(dir + "/model.safetensors", std::ios::binary) << bytes;
    return dir;
  };
  // NaN weights: refused when loading, naming the file and the tensor.
  const std::string nan = broken_copy("nan-model", std::numeric_limits<float>::quiet_NaN());
  const RunResult refused = run_cli({"classify", "-m", nan, "a"});
  CHECK(refused.exit_code == 1);
  CHECK(contains(refused.err, nan + "/model.safetensors: tensor '"));
  CHECK(contains(refused.err, "holds NaN"));
  // Finite but huge weights overflow to infinity and NaN while running: an
  // error naming the model under every --on-error policy.
  const std::string huge = broken_copy("huge-model", 3e38f);
  for (const char* policy : {"fail", "skip", "record"}) {
    INFO(policy);
    const RunResult run = run_cli({"classify", "-m", huge, "--on-error", policy, "a", "b"});
    CHECK(run.exit_code == 1);
    CHECK(contains(run.err, "the model " + huge + " gave non-finite outputs (NaN or infinity) for argument 1"));
    CHECK(!contains(run.out, "null"));
  }
}

TEST_CASE("bertpp keeps count in = count out on the hostile corpus in every command (--on-error record)") {
  if (!bertpp_test::have_golden("models/bert-random-sst2")) return;
  const Corpus corpus = hostile_corpus();
  const std::string path = write_temp("hostile-all.txt", corpus.text);
  const std::vector<std::vector<std::string>> commands = {
      {"tokenize", "-m", model_dir("bert-random")},
      {"embed", "-m", model_dir("sentence-random")},
      {"embed", "-m", model_dir("bert-random"), "--tokens"},
      {"classify", "-m", model_dir("bert-random-sst2")},
      {"zero-shot", "-m", model_dir("bert-random-nli"), "--labels", "a,b"},
      {"fill-mask", "-m", model_dir("bert-random-mlm")},
      {"ner", "-m", model_dir("bert-random-ner")},
      {"qa", "-m", model_dir("bert-random-squad"), "--question", "What?"}};
  for (auto args : commands) {
    INFO(args[0] << " " << args.back());
    args.insert(args.end(), {"-i", path, "--on-error", "record", "-q"});
    const RunResult run = run_cli(args);
    INFO(run.err);
    CHECK(run.exit_code == 0);
    const auto lines = json_lines(run.out);
    CHECK(lines.size() == corpus.lines);
    std::size_t errors = 0;
    for (std::size_t i = 0; i < lines.size(); ++i) {
      if (!lines[i].is_object() || !lines[i].contains("error")) continue;
      CHECK(lines[i]["line"] == i + 1);
      ++errors;
    }
    // The three unreadable lines; fill-mask also refuses texts without [MASK],
    // qa empty contexts (as HF does): each on its own line.
    CHECK(errors >= corpus.bad.size());
  }
}

TEST_CASE("bertpp truncates RoBERTa inputs to the positions after its padding offset") {
  if (!bertpp_test::have_golden("models/roberta-random-sst2")) return;
  // 130 positions, the first two taken by the padding offset: 128 tokens,
  // <s> + 126 words + </s>, which is the plain encoding of 126 words.
  const std::string model = model_dir("roberta-random-sst2");
  // (No trailing space: byte-level BPE makes it a token of its own.)
  const RunResult cut = run_cli({"classify", "-m", model, "--top-k", "all", repeat("word ", 399) + "word"});
  INFO(cut.err);
  REQUIRE(cut.exit_code == 0);
  CHECK(contains(cut.err, "1 input was longer than 128 tokens and truncated"));
  const RunResult fits = run_cli({"classify", "-m", model, "--top-k", "all", repeat("word ", 125) + "word"});
  CHECK(fits.err.empty());
  CHECK(bertpp_test::json_mismatch(json_lines(fits.out).at(0), json_lines(cut.out).at(0), 1e-6) == "");
}
