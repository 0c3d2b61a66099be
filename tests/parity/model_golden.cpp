// Every model folder in golden/models against HF transformers' outputs
// (expected.json): hidden states, pooler, head logits, and a padded batch.
#include <bertpp/models/auto_model.hpp>
#include <bertpp/models/encoder.hpp>

#include "support/golden.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iostream>
#include <map>
#include <string>
#include <vector>

namespace {

constexpr float kTolerance = 1e-4f;

using Json = nlohmann::json;
using bertpp::Matrix;

// Worst |actual - expected| over a row-major block; sizes must agree.
float worst_difference(const Matrix& actual, const Json& expected) {
  REQUIRE(expected.is_array());
  REQUIRE(static_cast<std::size_t>(actual.size()) == expected.size());
  float worst = 0.0f;
  for (Eigen::Index i = 0; i < actual.size(); ++i) {
    const float want = expected[static_cast<std::size_t>(i)].get<float>();
    worst = std::max(worst, std::abs(actual.data()[i] - want));
  }
  return worst;
}

// Tracks the worst difference per folder and checks each comparison.
struct Tally {
  std::string folder;
  float worst = 0.0f;
  int comparisons = 0;

  void check(const std::string& what, const Matrix& actual, const Json& expected) {
    const float diff = worst_difference(actual, expected);
    worst = std::max(worst, diff);
    ++comparisons;
    INFO(folder << " / " << what << ": worst |difference| " << diff);
    CHECK(diff <= kTolerance);
  }
  ~Tally() {
    std::cout << "[parity] " << folder << ": " << comparisons << " comparisons, worst |diff| "
              << worst << std::endl;
  }
};

std::vector<std::int32_t> ints(const Json& values) { return values.get<std::vector<std::int32_t>>(); }

// The token types HF's tokenizer gives an unpadded sequence: BERT's are 0
// through the first [SEP], 1 after; a family with one token type (RoBERTa)
// has 0 everywhere, pairs too.
std::vector<std::int32_t> token_types(const Json& c, const bertpp::ModelConfig& config) {
  if (c.contains("token_type_ids") && !c["token_type_ids"].is_null()) return ints(c["token_type_ids"]);
  const auto ids = ints(c["input_ids"]);
  std::vector<std::int32_t> types(ids.size(), 0);
  if (config.type_vocab_size < 2) return types;
  auto sep = std::find(ids.begin(), ids.end(), 102);
  if (sep != ids.end())
    for (auto i = static_cast<std::size_t>(sep - ids.begin()) + 1; i < ids.size(); ++i) types[i] = 1;
  return types;
}

std::string case_name(const Json& c, std::size_t index) {
  return "case " + std::to_string(index) + " " + c["inputs"].dump().substr(0, 60);
}

bertpp::ModelInput single_input(const Json& c, const bertpp::AutoModel& model) {
  return bertpp::ModelInput::single(ints(c["input_ids"]), token_types(c, model.config()));
}

Matrix rows_of(const Matrix& m, Eigen::Index first, Eigen::Index count) {
  return m.block(first, 0, count, m.cols());
}

Json load_expected(const std::string& folder) {
  return bertpp_test::read_json(bertpp_test::golden_path("models/" + folder + "/expected.json"));
}

bertpp::AutoModel load(const std::string& folder) {
  return bertpp::AutoModel::from_folder(bertpp_test::golden_path("models/" + folder));
}

// The padded batch: real positions match HF, and match the same text run alone.
void check_batch(Tally& tally, const bertpp::AutoModel& model, const Json& expected) {
  const Json& batch = expected["batch"];
  bertpp::ModelInput input;
  input.batch_size = static_cast<Eigen::Index>(batch["input_ids"].size());
  input.seq_len = static_cast<Eigen::Index>(batch["input_ids"][0].size());
  for (std::size_t b = 0; b < batch["input_ids"].size(); ++b) {
    for (auto id : ints(batch["input_ids"][b])) input.input_ids.push_back(id);
    for (auto m : ints(batch["attention_mask"][b])) input.attention_mask.push_back(m);
  }
  // HF padded with the config's pad_token_id (RoBERTa's positions depend on it).
  for (std::size_t i = 0; i < input.input_ids.size(); ++i)
    if (input.attention_mask[i] == 0) REQUIRE(input.input_ids[i] == model.config().pad_token_id);
  const bertpp::EncoderOutput padded_out = model.forward(input);
  const Matrix& out = padded_out.last_hidden_state;
  bertpp::ForwardOptions skip;
  skip.skip_padding = true;
  const bertpp::EncoderOutput packed = model.forward(input, skip);
  const Json& flat = batch["last_hidden_state"];
  const Eigen::Index hidden = out.cols();
  for (Eigen::Index b = 0; b < input.batch_size; ++b) {
    const auto mask = ints(batch["attention_mask"][static_cast<std::size_t>(b)]);
    const auto real = static_cast<Eigen::Index>(std::count(mask.begin(), mask.end(), 1));
    const auto offset = static_cast<std::size_t>(b * input.seq_len * hidden);
    Json expected_rows(flat.begin() + static_cast<std::ptrdiff_t>(offset),
                       flat.begin() + static_cast<std::ptrdiff_t>(offset + real * hidden));
    const Matrix padded = rows_of(out, b * input.seq_len, real);
    tally.check("batch row " + std::to_string(b), padded, expected_rows);

    const std::vector<std::int32_t> ids(input.input_ids.begin() + b * input.seq_len,
                                        input.input_ids.begin() + b * input.seq_len + real);
    const Matrix alone = model.forward(bertpp::ModelInput::single(ids)).last_hidden_state;
    INFO("batch row " << b << ": padded vs unpadded");
    CHECK((padded - alone).cwiseAbs().maxCoeff() <= 1e-5f);

    // Packed (padding skipped): HF's values at real positions, zero rows after.
    const Matrix packed_rows = rows_of(packed.last_hidden_state, b * input.seq_len, real);
    tally.check("packed batch row " + std::to_string(b), packed_rows, expected_rows);
    if (real < input.seq_len)
      CHECK(rows_of(packed.last_hidden_state, b * input.seq_len + real, input.seq_len - real)
                .cwiseAbs()
                .maxCoeff() == 0.0f);
    if (packed.pooler_output.size() > 0)
      CHECK((packed.pooler_output.row(b) - padded_out.pooler_output.row(b)).cwiseAbs().maxCoeff() <= 1e-5f);
  }
}

void check_encoder_folder(const std::string& folder) {
  if (!bertpp_test::have_golden("models/" + folder)) return;
  const auto model = load(folder);
  const Json expected = load_expected(folder);
  Tally tally{folder};
  std::size_t index = 0;
  for (const Json& c : expected["cases"]) {
    const std::string name = case_name(c, index++);
    bertpp::ForwardOptions options;
    options.output_hidden_states = true;
    const auto out = model.forward(single_input(c, model), options);
    tally.check(name + " last_hidden_state", out.last_hidden_state, c["last_hidden_state"]);
    REQUIRE(out.hidden_states.size() == c["hidden_states"].size());
    for (std::size_t layer = 0; layer < out.hidden_states.size(); ++layer)
      tally.check(name + " hidden_states[" + std::to_string(layer) + "]", out.hidden_states[layer],
                  c["hidden_states"][layer]);
    if (c.contains("pooler_output")) tally.check(name + " pooler_output", out.pooler_output, c["pooler_output"]);
    else CHECK(out.pooler_output.size() == 0);
  }
  check_batch(tally, model, expected);
}

void check_sequence_classification(const std::string& folder) {
  if (!bertpp_test::have_golden("models/" + folder)) return;
  const auto model = load(folder);
  REQUIRE(model.has_head(bertpp::HeadKind::SequenceClassification));
  const Json expected = load_expected(folder);
  Tally tally{folder};
  std::size_t index = 0;
  for (const Json& c : expected["cases"])
    tally.check(case_name(c, index++) + " logits", model.sequence_classification_logits(single_input(c, model)),
                c["logits"]);
}

void check_question_answering(const std::string& folder) {
  if (!bertpp_test::have_golden("models/" + folder)) return;
  const auto model = load(folder);
  const Json expected = load_expected(folder);
  Tally tally{folder};
  std::size_t index = 0;
  for (const Json& c : expected["cases"]) {
    const std::string name = case_name(c, index++);
    const auto logits = model.question_answering_logits(single_input(c, model));
    tally.check(name + " start_logits", logits.start, c["start_logits"]);
    tally.check(name + " end_logits", logits.end, c["end_logits"]);
  }
}

}  // namespace

TEST_CASE("BertModel / DistilBertModel / RobertaModel folders match HF hidden states, pooler and padded batch") {
  for (const char* folder : {"bert-random", "bert-random-f16", "bert-random-bf16", "bert-random-legacy-names",
                             "bert-random-gelu-new", "distilbert-random", "roberta-random",
                             // pytorch_model.bin only: zip format, legacy (pre-1.6) format
                             "bert-random-bin", "bert-random-bin-legacy"}) {
    SECTION(folder) { check_encoder_folder(folder); }
  }
}

TEST_CASE("BertForMaskedLM logits (tied decoder) match HF") {
  const std::string folder = "bert-random-mlm";
  if (!bertpp_test::have_golden("models/" + folder)) return;
  const auto model = load(folder);
  REQUIRE(model.has_head(bertpp::HeadKind::MaskedLM));
  CHECK_FALSE(model.has_tensor("cls.predictions.decoder.weight"));  // really tied
  const Json expected = load_expected(folder);
  Tally tally{folder};
  std::size_t index = 0;
  for (const Json& c : expected["cases"]) {
    const auto input = single_input(c, model);
    std::vector<Eigen::Index> rows;
    for (Eigen::Index r = 0; r < input.tokens(); ++r) rows.push_back(r);
    tally.check(case_name(c, index++) + " logits", model.masked_lm_logits(input, rows), c["logits"]);
  }
}

TEST_CASE("sequence classification heads match HF (BERT pooler + classifier, DistilBERT pre_classifier, "
          "RoBERTa dense + tanh + out_proj on <s>)") {
  for (const char* folder : {"bert-random-sst2", "bert-random-nli", "distilbert-random-sst2", "roberta-random-sst2",
                             "distilbert-random-sst2-bin"}) {  // F16 pytorch_model.bin
    SECTION(folder) { check_sequence_classification(folder); }
  }
}

TEST_CASE("token classification heads match HF") {
  for (const char* folder : {"bert-random-ner", "roberta-random-ner"}) {
    SECTION(folder) {
      if (!bertpp_test::have_golden(std::string("models/") + folder)) return;
      const auto model = load(folder);
      CHECK(model.config().id2label.size() == 9);
      CHECK(model.config().id2label[3] == "B-PER");
      const Json expected = load_expected(folder);
      Tally tally{folder};
      std::size_t index = 0;
      for (const Json& c : expected["cases"])
        tally.check(case_name(c, index++) + " logits", model.token_classification_logits(single_input(c, model)),
                    c["logits"]);
    }
  }
}

TEST_CASE("question answering heads match HF") {
  for (const char* folder : {"bert-random-squad", "distilbert-random-squad", "roberta-random-squad"}) {
    SECTION(folder) { check_question_answering(folder); }
  }
}

namespace {

// Test-side lookup of whole words in vocab.txt (the sentences here need no
// WordPiece splitting; an ASCII word missing from the vocabulary fails the
// test). A CJK character is its own word, [UNK] when not in the vocabulary,
// as HF's tokenizer gives for "你好".
std::vector<std::int32_t> simple_uncased_ids(const std::string& folder, const std::string& text) {
  std::map<std::string, std::int32_t> vocab;
  std::ifstream in(bertpp_test::golden_path("models/" + folder + "/vocab.txt"));
  std::string line;
  for (std::int32_t id = 0; std::getline(in, line); ++id) vocab.emplace(line, id);
  std::vector<std::string> words;
  std::string word;
  auto flush = [&] {
    if (!word.empty()) words.push_back(word);
    word.clear();
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const unsigned char ch = static_cast<unsigned char>(text[i]);
    if (ch == ' ') {
      flush();
    } else if (ch == '.') {
      flush();
      words.push_back(".");
    } else if (ch >= 0x80) {  // a CJK character: its own token (3-byte UTF-8)
      flush();
      const std::string character = text.substr(i, 3);
      words.push_back(vocab.count(character) ? character : "[UNK]");
      i += 2;
    } else {
      word += static_cast<char>(std::tolower(ch));
    }
  }
  flush();
  std::vector<std::int32_t> ids{vocab.at("[CLS]")};
  for (const auto& w : words) {
    INFO("word '" << w << "' of '" << text << "'");
    REQUIRE(vocab.count(w));
    ids.push_back(vocab.at(w));
  }
  ids.push_back(vocab.at("[SEP]"));
  return ids;
}

}  // namespace

TEST_CASE("sentence-transformers folder: encoder output pools to HF's mean/cls/max embeddings") {
  const std::string folder = "sentence-random";
  if (!bertpp_test::have_golden("models/" + folder)) return;
  const auto model = load(folder);
  CHECK_FALSE(model.encoder().has_pooler());  // saved without one
  const Json expected = load_expected(folder);
  Tally tally{folder};
  for (std::size_t i = 0; i < expected["sentences"].size(); ++i) {
    const std::string text = expected["sentences"][i].get<std::string>();
    const Matrix hidden = model.forward(bertpp::ModelInput::single(simple_uncased_ids(folder, text)))
                              .last_hidden_state;
    const Matrix mean = hidden.colwise().mean();
    const Matrix cls = hidden.row(0);
    const Matrix max = hidden.colwise().maxCoeff();
    tally.check(text + " mean", mean, expected["mean"][i]);
    tally.check(text + " cls", cls, expected["cls"][i]);
    tally.check(text + " max", max, expected["max"][i]);
    tally.check(text + " embedding", Matrix(mean / mean.norm()), expected["embedding"][i]);
  }
}
