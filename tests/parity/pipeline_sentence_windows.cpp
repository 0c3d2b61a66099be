// Long-document embeddings (LongTextStrategy::Windows) on sentence-random
// (mean pooling, Normalize, max_seq_length 64). The expected values are built
// here from the tokenizer's own overflowing windows, each run alone through
// the bare model and mean-pooled by hand, then combined with the documented
// formula e = normalize(sum_w n_w p_w / sum_w n_w).
#include <bertpp/pipelines/sentence_embeddings.hpp>

#include "support/golden.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

namespace {

const char* const kFolder = "models/sentence-random";

std::string long_text() {
  std::string text;
  for (int i = 0; i < 12; ++i)
    text += "Sentence number " + std::to_string(i) +
            " talks about rivers, mountains and the weather in spring. ";
  return text;
}

// Mean of the token vectors of one unpadded window through the bare model.
Eigen::RowVectorXf mean_pooled(const bertpp::AutoModel& model, const bertpp::Encoding& window) {
  const bertpp::EncoderOutput out =
      model.forward(bertpp::ModelInput::single(window.ids, window.type_ids));
  return out.last_hidden_state.colwise().mean();
}

}  // namespace

TEST_CASE("windows: a text that fits one window gets exactly its Truncate embedding") {
  if (!bertpp_test::have_golden(kFolder)) return;
  const bertpp::SentenceEmbeddingPipeline model(bertpp_test::golden_path(kFolder));
  const std::vector<std::string> texts = {"A man is eating food.", "A man is riding a horse."};
  bertpp::SentenceEmbeddingOptions windows;
  windows.long_text = bertpp::LongTextStrategy::Windows;
  windows.window_stride = 16;
  const bertpp::Matrix a = model.encode(texts), b = model.encode(texts, windows);
  REQUIRE(a.rows() == 2);
  CHECK(a == b);
}

TEST_CASE("windows: a long text is the token-weighted mean of its windows' embeddings") {
  if (!bertpp_test::have_golden(kFolder)) return;
  const bertpp::SentenceEmbeddingPipeline model(bertpp_test::golden_path(kFolder));
  REQUIRE(model.max_seq_length() == 64);
  const std::string text = long_text();
  for (std::size_t stride : {0, 16}) {
    INFO("window_stride " << stride);
    // The windows, from the tokenizer itself.
    bertpp::EncodeOptions encode;
    encode.truncation = bertpp::TruncationOptions{64, bertpp::TruncationStrategy::LongestFirst, stride};
    encode.return_overflowing_tokens = true;
    const bertpp::Encoding first = model.tokenizer().encode(text, encode);
    std::vector<bertpp::Encoding> windows{first};
    windows.insert(windows.end(), first.overflowing.begin(), first.overflowing.end());
    REQUIRE(windows.size() >= 3);
    Eigen::RowVectorXf sum = Eigen::RowVectorXf::Zero(32);
    float tokens = 0.0f;
    for (const bertpp::Encoding& w : windows) {
      sum += static_cast<float>(w.size()) * mean_pooled(model.model(), w);
      tokens += static_cast<float>(w.size());
    }
    Eigen::RowVectorXf expected = sum / tokens;
    expected /= expected.norm();  // the folder's Normalize module

    bertpp::SentenceEmbeddingOptions options;
    options.long_text = bertpp::LongTextStrategy::Windows;
    options.window_stride = stride;
    const Eigen::RowVectorXf got = model.encode(text, options);
    CHECK((got - expected).cwiseAbs().maxCoeff() < 1e-5f);
    // Truncate keeps the first window only: a different embedding.
    const Eigen::RowVectorXf truncated = model.encode(text);
    CHECK((truncated - expected).cwiseAbs().maxCoeff() > 1e-3f);
    Eigen::RowVectorXf first_only = mean_pooled(model.model(), windows.front());
    first_only /= first_only.norm();
    CHECK((truncated - first_only).cwiseAbs().maxCoeff() < 1e-5f);
  }
}

TEST_CASE("windows: batched with other texts, every text gets what it gets alone") {
  if (!bertpp_test::have_golden(kFolder)) return;
  const bertpp::SentenceEmbeddingPipeline model(bertpp_test::golden_path(kFolder));
  bertpp::SentenceEmbeddingOptions options;
  options.long_text = bertpp::LongTextStrategy::Windows;
  options.window_stride = 8;
  const std::vector<std::string> texts = {"Short one.", long_text(), "Another short text.",
                                          long_text().substr(0, 300)};
  for (std::size_t batch_size : {1, 3, 32}) {
    INFO("batch_size " << batch_size);
    options.batch.batch_size = batch_size;
    const bertpp::Matrix together = model.encode(texts, options);
    REQUIRE(together.rows() == 4);
    for (std::size_t i = 0; i < texts.size(); ++i) {
      const Eigen::RowVectorXf alone = model.encode(texts[i], options);
      CHECK((together.row(static_cast<Eigen::Index>(i)) - alone).cwiseAbs().maxCoeff() < 1e-5f);
    }
  }
}

TEST_CASE("windows: JSON arguments and a stride a window cannot hold") {
  if (!bertpp_test::have_golden(kFolder)) return;
  const bertpp::SentenceEmbeddingPipeline model(bertpp_test::golden_path(kFolder));
  const std::string text = long_text();
  bertpp::SentenceEmbeddingOptions options;
  options.long_text = bertpp::LongTextStrategy::Windows;
  options.window_stride = 4;
  const Eigen::RowVectorXf typed = model.encode(text, options);
  const nlohmann::json got =
      model.run({{"inputs", text}, {"long_text", "windows"}, {"window_stride", 4}});
  REQUIRE(got.size() == 32);
  for (Eigen::Index c = 0; c < 32; ++c) CHECK(got[static_cast<std::size_t>(c)].get<double>() == Approx(typed(c)).margin(1e-6));
  CHECK_THROWS_AS(model.run({{"inputs", text}, {"long_text", "chunks"}}), bertpp::ArgumentError);
  CHECK_THROWS_WITH(model.run({{"inputs", text}, {"long_text", "windows"}, {"window_stride", -3}}),
                    Catch::Contains("'window_stride'"));
  options.window_stride = 62;  // 64 minus [CLS] and [SEP] leaves 62 word pieces
  CHECK_THROWS_WITH(model.encode(text, options), Catch::Contains("window_stride 62"));
}
