// One loaded tokenizer + model shared by 8 threads x 1,000 calls gives the
// same results as serial runs (and HF's). Also built under ThreadSanitizer
// by tests/run-tsan.sh (OpenMP off there: libgomp confuses TSan).
#include <bertpp/pipelines/text_classification.hpp>

#include "support/golden.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

namespace {

const char* const kModel = "models/bert-random-sst2";

// Calls per thread; BERTPP_CONCURRENCY_CALLS overrides.
int calls_per_thread() {
  if (const char* env = std::getenv("BERTPP_CONCURRENCY_CALLS")) return std::atoi(env);
  return 1000;
}

// Inputs of different lengths, so threads run different shapes at once.
std::vector<bertpp::TextInput> inputs() {
  return {"I love this movie!", "This was a terrible waste of time.", "It's fine, I guess.",
          "Absolutely wonderful acting", {"How old are you?", "I am six."}, "",
          "caf\xc3\xa9 \xe4\xb8\xad [MASK] unaffable " "a b c d e f g h i j k l m n o p"};
}

}  // namespace

TEST_CASE("8 threads sharing one pipeline get the serial results") {
  if (!bertpp_test::have_golden(kModel)) return;
  const bertpp::TextClassificationPipeline classifier(bertpp_test::golden_path(kModel));
  const std::vector<bertpp::TextInput> texts = inputs();
  const std::size_t n = texts.size();

  // Serial reference, one text at a time; checked against HF's golden scores.
  std::vector<bertpp::Matrix> serial;
  for (const auto& text : texts) serial.push_back(classifier.logits({text}));
  const nlohmann::json golden =
      bertpp_test::read_json(bertpp_test::golden_path(std::string(kModel) + "/expected_pipeline.json"));
  const nlohmann::json& first = golden.at(0).at("output");
  for (std::size_t i = 0; i < 4; ++i) {
    const auto best = classifier(texts[i]).front();
    CHECK(best.label == first.at(i).at("label").get<std::string>());
    CHECK(std::abs(best.score - first.at(i).at("score").get<double>()) < 1e-5);
  }

  // Each thread interleaves single calls and a batched call over all texts.
  const int calls = calls_per_thread();
  std::atomic<int> mismatches{0}, errors{0}, done{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      try {
        for (int call = 0; call < calls; ++call) {
          if (call % 50 == 0) {
            bertpp::TextClassificationOptions options;
            options.batch.batch_size = 3;
            const bertpp::Matrix all = classifier.logits(texts, options);
            for (std::size_t i = 0; i < n; ++i)
              if (!all.row(static_cast<Eigen::Index>(i)).isApprox(serial[i].row(0), 1e-6f)) ++mismatches;
          } else {
            const std::size_t i = static_cast<std::size_t>(t * 7 + call) % n;
            if (classifier.logits({texts[i]}) != serial[i]) ++mismatches;
          }
          ++done;
        }
      } catch (...) {
        ++errors;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  CHECK(errors == 0);
  CHECK(mismatches == 0);
  CHECK(done == 8 * calls);
}

TEST_CASE("threads sharing one tokenizer get the serial encodings") {
  if (!bertpp_test::have_golden(kModel)) return;
  const auto tokenizer = bertpp::WordPieceTokenizer::from_folder(bertpp_test::golden_path(kModel));
  const std::vector<bertpp::TextInput> texts = inputs();
  bertpp::EncodeOptions options;
  options.truncation = bertpp::TruncationOptions{12, bertpp::TruncationStrategy::LongestFirst, 2};
  options.return_overflowing_tokens = true;
  auto encode = [&](const bertpp::TextInput& in) {
    return in.text_pair ? tokenizer.encode(in.text, *in.text_pair, options) : tokenizer.encode(in.text, options);
  };
  std::vector<bertpp::Encoding> serial;
  for (const auto& text : texts) serial.push_back(encode(text));

  std::atomic<int> mismatches{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&, t] {
      for (int call = 0; call < calls_per_thread(); ++call) {
        const std::size_t i = static_cast<std::size_t>(t + call) % texts.size();
        const bertpp::Encoding e = encode(texts[i]);
        if (e.ids != serial[i].ids || e.byte_offsets != serial[i].byte_offsets ||
            e.overflowing.size() != serial[i].overflowing.size())
          ++mismatches;
      }
    });
  for (auto& thread : threads) thread.join();
  CHECK(mismatches == 0);
}
