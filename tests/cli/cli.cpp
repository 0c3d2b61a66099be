// The `bertpp` tool run as a user runs it, its JSON Lines checked against
// HuggingFace's golden outputs.
#include "cli_support.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <string>
#include <sys/resource.h>
#include <vector>

using namespace bertpp_cli_test;

TEST_CASE("bertpp classify reproduces HF text-classification, with top_k and sigmoid") {
  if (!bertpp_test::have_golden("models/bert-random-sst2")) return;
  const std::string model = model_dir("bert-random-sst2");
  const json plain = golden_pipeline_case("bert-random-sst2", 0);
  auto args = strings(plain["args"]["inputs"]);
  args.insert(args.begin(), {"classify", "-m", model});
  check_lines(args, "", as_list(plain["output"]));

  const json all = golden_pipeline_case("bert-random-sst2", 1);
  args.push_back("--top-k=all");
  check_lines(args, "", as_list(all["output"]));

  const json sigmoid = golden_pipeline_case("bert-random-sst2", 2);
  args.push_back("--function=sigmoid");
  check_lines(args, "", as_list(sigmoid["output"]));
}

TEST_CASE("bertpp classify reads text pairs from JSON Lines on stdin") {
  if (!bertpp_test::have_golden("models/bert-random-sst2")) return;
  const json pair = golden_pipeline_case("bert-random-sst2", 3);
  check_lines({"classify", "-m", model_dir("bert-random-sst2"), "--jsonl"},
              pair["args"]["inputs"][0].dump() + "\n", as_list(pair["output"]));
}

TEST_CASE("bertpp zero-shot reproduces HF, with multi-label and a custom template") {
  if (!bertpp_test::have_golden("models/bert-random-nli")) return;
  const std::string model = model_dir("bert-random-nli");
  for (std::size_t index : {0, 1, 2}) {
    const json c = golden_pipeline_case("bert-random-nli", index);
    std::string labels;
    for (const auto& l : c["args"]["candidate_labels"]) labels += (labels.empty() ? "" : ",") + l.get<std::string>();
    std::vector<std::string> args = {"zero-shot", "-m", model, "--labels", labels};
    if (c["args"].value("multi_label", false)) args.push_back("--multi-label");
    if (c["args"].contains("hypothesis_template"))
      args.insert(args.end(), {"--template", c["args"]["hypothesis_template"]});
    for (const auto& s : strings(c["args"]["sequences"])) args.push_back(s);
    const json& out = c["output"];
    check_lines(args, "", out.is_array() ? as_list(out) : std::vector<json>{out});
  }
}

TEST_CASE("bertpp fill-mask reproduces HF, with top_k, several masks and targets") {
  if (!bertpp_test::have_golden("models/bert-random-mlm")) return;
  const std::string model = model_dir("bert-random-mlm");
  for (std::size_t index : {0, 1, 2, 3}) {
    const json c = golden_pipeline_case("bert-random-mlm", index);
    std::vector<std::string> args = {"fill-mask", "-m", model, c["args"]["inputs"]};
    if (c["args"].contains("top_k")) args.push_back("--top-k=" + c["args"]["top_k"].dump());
    if (c["args"].contains("targets")) {
      std::string targets;
      for (const auto& t : c["args"]["targets"]) targets += (targets.empty() ? "" : ",") + t.get<std::string>();
      args.push_back("--targets=" + targets);
    }
    check_lines(args, "", {c["output"]});
  }
}

TEST_CASE("bertpp qa reproduces HF question answering: windows, top_k, impossible answers") {
  const std::vector<std::pair<const char*, const char*>> flags = {
      {"top_k", "--top-k"}, {"max_answer_len", "--max-answer-len"},
      {"max_seq_len", "--max-seq-len"}, {"doc_stride", "--doc-stride"}};
  // BERT (WordPiece) and RoBERTa (byte-level BPE, windows by default).
  for (const char* folder : {"bert-random-squad", "roberta-random-squad"}) {
    if (!bertpp_test::have_golden(std::string("models/") + folder)) return;
    const std::string model = model_dir(folder);
    for (std::size_t index = 0; index < 7; ++index) {
      INFO(folder << " golden case " << index);
      const json c = golden_pipeline_case(folder, index);
      if (c["args"].contains("align_to_words")) continue;  // no CLI flag
      std::vector<std::string> args = {"qa", "-m", model, "--question", c["args"]["question"]};
      for (const auto& flag : flags)
        if (c["args"].contains(flag.first)) args.push_back(std::string(flag.second) + "=" + c["args"][flag.first].dump());
      if (c["args"].value("handle_impossible_answer", false)) args.push_back("--handle-impossible-answer");
      args.push_back(c["args"]["context"]);
      check_lines(args, "", {c["output"]});
    }
  }
}

TEST_CASE("bertpp qa answers a batch of question/context JSON Lines in order") {
  if (!bertpp_test::have_golden("models/bert-random-squad")) return;
  const json c = golden_pipeline_case("bert-random-squad", 8);
  std::string input;
  for (std::size_t i = 0; i < c["args"]["question"].size(); ++i)
    input += json{{"question", c["args"]["question"][i]}, {"context", c["args"]["context"][i]}}.dump() + "\n";
  check_lines({"qa", "-m", model_dir("bert-random-squad"), "--jsonl"}, input, as_list(c["output"]));
}

TEST_CASE("bertpp ner reproduces HF token classification for every aggregation strategy") {
  for (const char* folder : {"bert-random-ner", "roberta-random-ner"}) {
    if (!bertpp_test::have_golden(std::string("models/") + folder)) return;
    const std::string model = model_dir(folder);
    std::size_t checked = 0;
    for (std::size_t index = 0; index < 5; ++index) {
      INFO(folder << " golden case " << index);
      const json c = golden_pipeline_case(folder, index);
      if (!c["args"].contains("aggregation_strategy") || c["args"].contains("ignore_labels")) continue;
      std::vector<std::string> args = {"ner", "-m", model,
                                       "--aggregation=" + c["args"]["aggregation_strategy"].get<std::string>()};
      for (const auto& s : strings(c["args"]["inputs"])) args.push_back(s);
      check_lines(args, "", as_list(c["output"]));
      ++checked;
    }
    CHECK(checked == 5);
  }
}

TEST_CASE("bertpp runs on pytorch_model.bin folders (F16 classifier, zip and legacy BertModel)") {
  if (!bertpp_test::have_golden("models/distilbert-random-sst2-bin")) return;
  const json c = golden_pipeline_case("distilbert-random-sst2-bin", 0);
  std::vector<std::string> args = {"classify", "-m", model_dir("distilbert-random-sst2-bin")};
  if (c["args"].contains("top_k"))
    args.push_back(c["args"]["top_k"].is_null() ? "--top-k=all" : "--top-k=" + c["args"]["top_k"].dump());
  for (const auto& s : strings(c["args"]["inputs"])) args.push_back(s);
  check_lines(args, "", as_list(c["output"]));

  // The .bin BertModel folders give the same per-token embeddings as the
  // safetensors folder with the same weights (HF's expected.json is shared).
  for (const char* folder : {"bert-random-bin", "bert-random-bin-legacy"}) {
    INFO(folder);
    const RunResult bin = run_cli({"embed", "--tokens", "-m", model_dir(folder), "Hello, world!"});
    const RunResult safetensors = run_cli({"embed", "--tokens", "-m", model_dir("bert-random"), "Hello, world!"});
    INFO(bin.err);
    REQUIRE(bin.exit_code == 0);
    REQUIRE(safetensors.exit_code == 0);
    CHECK(json::parse(bin.out) == json::parse(safetensors.out));
    const RunResult info = run_cli({"info", "-m", model_dir(folder)});
    REQUIRE(info.exit_code == 0);
    CHECK(json::parse(info.out)["model_type"] == "bert");
  }
}

TEST_CASE("bertpp tokenize matches HF tokenizers for texts and pairs: every field, char and byte offsets") {
  if (!bertpp_test::have_golden("tokenizer/uncased.jsonl")) return;
  std::string input;
  std::vector<json> expected;
  bertpp_test::for_each_jsonl(bertpp_test::golden_path("tokenizer/uncased.jsonl"),
                              [&](const json& line, int) {
                                json record = {{"text", line["text"]}};
                                if (line.contains("pair")) record["pair"] = line["pair"];
                                input += record.dump() + "\n";
                                expected.push_back(line);
                              });
  const RunResult run = run_cli(
      {"tokenize", "-m", model_dir("bert-random"), "--jsonl", "--pair-field", "pair"}, input);
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  const auto lines = json_lines(run.out);
  REQUIRE(lines.size() == expected.size());
  std::size_t pairs = 0;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    INFO("text: " << expected[i]["text"]);
    pairs += expected[i].contains("pair");
    for (const char* field : {"ids", "tokens", "type_ids", "attention_mask", "special_tokens_mask",
                              "word_ids", "sequence_ids", "char_offsets", "byte_offsets"})
      CHECK(lines[i][field] == expected[i][field]);
  }
  CHECK(pairs > 100);
}

TEST_CASE("bertpp tokenize truncates and pads as HF: --max-length, --truncation, --padding") {
  if (!bertpp_test::have_golden("tokenizer/uncased_truncation.jsonl")) return;
  std::map<std::string, std::pair<std::string, std::vector<json>>> by_strategy;
  bertpp_test::for_each_jsonl(bertpp_test::golden_path("tokenizer/uncased_truncation.jsonl"),
                              [&](const json& line, int) {
                                REQUIRE(line["max_length"] == 32);
                                REQUIRE(line["padding"] == "max_length");
                                json record = {{"text", line["text"]}};
                                if (line.contains("pair")) record["pair"] = line["pair"];
                                auto& group = by_strategy[line["truncation"].get<std::string>()];
                                group.first += record.dump() + "\n";
                                group.second.push_back(line);
                              });
  REQUIRE(by_strategy.size() == 3);
  std::size_t refused = 0;
  for (const auto& [strategy, group] : by_strategy) {
    INFO("truncation " << strategy);
    const RunResult run = run_cli({"tokenize", "-m", model_dir("bert-random"), "--jsonl",
                                   "--pair-field", "pair", "--max-length", "32", "--truncation",
                                   strategy, "--padding", "max_length", "--on-error", "record"},
                                  group.first);
    INFO(run.err);
    REQUIRE(run.exit_code == 0);
    const auto lines = json_lines(run.out);
    REQUIRE(lines.size() == group.second.size());
    for (std::size_t i = 0; i < lines.size(); ++i) {
      const json& want = group.second[i];
      INFO("line " << i + 1 << ": " << want["text"]);
      if (want.contains("error")) {  // HF refused: so do we, on that line only
        CHECK(lines[i].value("line", std::size_t{0}) == i + 1);
        CHECK(contains(lines[i].value("error", ""), "truncation"));
        ++refused;
        continue;
      }
      for (const char* field : {"ids", "tokens", "type_ids", "attention_mask", "word_ids",
                                "char_offsets", "byte_offsets"})
        CHECK(lines[i][field] == want[field]);
    }
  }
  CHECK(refused > 0);
}

TEST_CASE("bertpp tokenize --stride writes HF's overflowing windows on the input's line") {
  if (!bertpp_test::have_golden("models/bert-random")) return;
  // 10 words "word" (id 2773): 8 tokens per window = 6 words + [CLS] [SEP],
  // windows start every 6 - 2 = 4 words: words 0-5, 4-9.
  const RunResult run = run_cli({"tokenize", "-m", model_dir("bert-random"), "--max-length", "8",
                                 "--stride", "2", "word word word word word word word word word word"});
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  const auto lines = json_lines(run.out);
  REQUIRE(lines.size() == 1);
  const std::vector<int> window = {101, 2773, 2773, 2773, 2773, 2773, 2773, 102};
  CHECK(lines[0]["ids"] == window);
  REQUIRE(lines[0]["overflowing"].size() == 1);
  CHECK(lines[0]["overflowing"][0]["ids"] == window);
  CHECK(lines[0]["overflowing"][0]["char_offsets"][1] == json::array({20, 24}));

  const RunResult no_truncation = run_cli({"tokenize", "-m", model_dir("bert-random"), "--stride", "2", "x"});
  CHECK(no_truncation.exit_code != 0);
  CHECK(contains(no_truncation.err, "--stride needs truncation"));
}

TEST_CASE("bertpp embed writes sentence embeddings as JSON Lines and as a float32 .npy") {
  if (!bertpp_test::have_golden("models/sentence-random")) return;
  const std::string model = model_dir("sentence-random");
  const json expected = bertpp_test::read_json(model + "/expected.json");
  std::vector<std::string> args = {"embed", "-m", model};
  for (const auto& s : expected["sentences"]) args.push_back(s);
  check_lines(args, "", as_list(expected["embedding"]));

  const std::string npy = temp_path("embeddings.npy");
  args.insert(args.end(), {"--format", "npy", "-o", npy});
  const RunResult run = run_cli(args);
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  std::ifstream in(npy, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), {});
  REQUIRE(bytes.size() > 10);
  CHECK(bytes.compare(0, 6, "\x93NUMPY") == 0);
  const std::size_t header_length = static_cast<unsigned char>(bytes[8]) | (static_cast<unsigned char>(bytes[9]) << 8);
  const std::string header = bytes.substr(10, header_length);
  const std::size_t rows = expected["embedding"].size(), dim = expected["embedding"][0].size();
  CHECK(header.find("'descr': '<f4'") != std::string::npos);
  CHECK(header.find("'shape': (" + std::to_string(rows) + ", " + std::to_string(dim) + ")") != std::string::npos);
  REQUIRE(bytes.size() == 10 + header_length + rows * dim * sizeof(float));
  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t c = 0; c < dim; ++c) {
      float value;
      std::memcpy(&value, bytes.data() + 10 + header_length + (r * dim + c) * sizeof(float), sizeof value);
      CHECK(std::fabs(value - expected["embedding"][r][c].get<double>()) < 1e-5);
    }
}

TEST_CASE("bertpp embed --int8 runs the quantised encoder: close to HF, not identical") {
  if (!bertpp_test::have_golden("models/sentence-random")) return;
  const std::string model = model_dir("sentence-random");
  const json expected = bertpp_test::read_json(model + "/expected.json");
  std::vector<std::string> args = {"embed", "-m", model, "--int8"};
  for (const auto& s : expected["sentences"]) args.push_back(s);
  const RunResult run = run_cli(args);
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  const auto lines = json_lines(run.out);
  REQUIRE(lines.size() == expected["sentences"].size());
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const auto got = lines[i].get<std::vector<double>>();
    const auto want = expected["embedding"][i].get<std::vector<double>>();
    REQUIRE(got.size() == want.size());
    double dot = 0, gg = 0, ww = 0, worst = 0;
    for (std::size_t k = 0; k < got.size(); ++k) {
      dot += got[k] * want[k];
      gg += got[k] * got[k];
      ww += want[k] * want[k];
      worst = std::max(worst, std::fabs(got[k] - want[k]));
    }
    INFO("sentence " << i);
    CHECK(dot / std::sqrt(gg * ww) >= 0.99);
    CHECK(worst > 1e-6);  // quantised, so not HF's float32 values
  }
}

TEST_CASE("bertpp names the line of a broken JSON Lines input, or skips it on request") {
  if (!bertpp_test::have_golden("models/bert-random-sst2")) return;
  const std::string model = model_dir("bert-random-sst2");
  const std::string input = "{\"text\": \"fine\"}\n{broken\n{\"text\": \"also fine\"}\n";
  const RunResult fail = run_cli({"classify", "-m", model, "--jsonl"}, input);
  CHECK(fail.exit_code != 0);
  CHECK(fail.err.find(":2: invalid JSON") != std::string::npos);

  const RunResult skip = run_cli({"classify", "-m", model, "--jsonl", "--on-error", "skip"}, input);
  CHECK(skip.exit_code == 0);
  CHECK(json_lines(skip.out).size() == 2);
  CHECK(skip.err.find(":2: invalid JSON") != std::string::npos);
}

TEST_CASE("bertpp reports bad usage as one error line and a non-zero exit") {
  const RunResult unknown = run_cli({"frobnicate"});
  CHECK(unknown.exit_code != 0);
  CHECK(unknown.err.find("unknown command 'frobnicate'") != std::string::npos);

  const RunResult no_model = run_cli({"classify", "text"});
  CHECK(no_model.exit_code != 0);
  CHECK(no_model.err.find("--model") != std::string::npos);

  const RunResult missing = run_cli({"classify", "-m", "/nonexistent/model", "text"});
  CHECK(missing.exit_code != 0);
  CHECK(missing.err.find("/nonexistent/model") != std::string::npos);

  const RunResult typo = run_cli({"classify", "-m", "/x", "--top-kk", "3", "text"});
  CHECK(typo.exit_code != 0);
  CHECK(typo.err.find("unknown option --top-kk") != std::string::npos);
}

TEST_CASE("bertpp streams a 100,000-line input in bounded memory, one result per line") {
  if (!bertpp_test::have_golden("models/bert-random-sst2")) return;
  const std::string input = temp_path("100k.txt"), output = temp_path("100k.jsonl");
  {
    std::ofstream out(input);
    const char* words[] = {"the", "movie", "was", "great", "terrible", "acting", "plot", "fine"};
    for (int line = 0; line < 100000; ++line) {
      for (int w = 0; w <= line % 20; ++w) out << words[(line * 7 + w * 3) % 8] << ' ';
      out << "!\n";
    }
  }
  const MeasuredRun run = run_cli_measured({"classify", "-m", model_dir("bert-random-sst2"), "-i",
                                           input, "-o", output, "--batch-size", "64", "--threads",
                                           "1", "-q"});
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  std::ifstream in(output);
  std::size_t lines = 0;
  for (std::string line; std::getline(in, line);) {
    if (lines == 0) CHECK(json::parse(line).contains("label"));
    ++lines;
  }
  CHECK(lines == 100000);
  // Peak memory of the tool: the input (~6 MB) is never held whole.
  CHECK(run.max_rss_kib < 100 * 1024);
}

TEST_CASE("bertpp info and classify on a RoBERTa folder") {
  if (!bertpp_test::have_golden("models/roberta-random-sst2")) return;
  const std::string model = model_dir("roberta-random-sst2");
  const RunResult info = run_cli({"info", "-m", model});
  INFO("stderr: " << info.err);
  REQUIRE(info.exit_code == 0);
  const json described = json::parse(info.out);
  // As config.json / tokenizer_config.json say: 130 positions, the first two
  // taken by RoBERTa's padding offset.
  CHECK(described["model_type"] == "roberta");
  CHECK(described["architectures"] == json::array({"RobertaForSequenceClassification"}));
  CHECK(described["max_position_embeddings"] == 130);
  CHECK(described["max_sequence_length"] == 128);
  CHECK(described["type_vocab_size"] == 1);
  CHECK(described["pad_token_id"] == 1);
  CHECK(described["layer_norm_eps"].get<double>() == Approx(1e-5));
  CHECK(described["tokenizer"]["model"] == "BPE");
  CHECK(described["tokenizer"]["vocab_size"] == 50265);
  CHECK(described["tokenizer"]["model_max_length"] == 128);
  CHECK(described["tokenizer"]["mask_token"] == "<mask>");

  const json plain = golden_pipeline_case("roberta-random-sst2", 0);
  auto args = strings(plain["args"]["inputs"]);
  args.insert(args.begin(), {"classify", "-m", model});
  check_lines(args, "", as_list(plain["output"]));
}
