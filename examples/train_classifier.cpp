// Sentence embeddings as features for your own task: a logistic-regression
// classifier trained on embeddings with Eigen, scored on held-out sentences.
//
//   bertpp-example-train_classifier MODEL_DIR [data.tsv]
//
// data.tsv: one "label<TAB>sentence" per line, label 0 or 1. Without it, a
// small built-in sentiment set is used. Every 4th example is held out.
#include <bertpp/bertpp.hpp>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

namespace {

using Example = std::pair<int, std::string>;

std::vector<Example> builtin_examples() {
  return {{1, "A wonderful, moving film."},        {0, "A dull and lifeless movie."},
          {1, "I loved every minute of it."},      {0, "I hated every minute of it."},
          {1, "Brilliant acting and a great plot."}, {0, "Terrible acting and a silly plot."},
          {1, "The best thing I have seen all year."}, {0, "The worst thing I have seen all year."},
          {1, "Charming, funny and warm."},         {0, "Boring, slow and cold."},
          {1, "An absolute delight."},              {0, "An absolute disaster."},
          {1, "Beautifully shot and well told."},   {0, "Badly shot and poorly told."},
          {1, "I would happily watch it again."},   {0, "I would never watch it again."},
          {1, "A triumph of a movie."},             {0, "A waste of two hours."},
          {1, "Smart, touching and memorable."},    {0, "Stupid, tedious and forgettable."},
          {1, "The cast is superb."},               {0, "The cast is awful."},
          {1, "Great fun from start to finish."},   {0, "Painful from start to finish."}};
}

std::vector<Example> read_tsv(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw bertpp::ArgumentError(path + ": cannot open");
  std::vector<Example> examples;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    const auto tab = line.find('\t');
    if (tab == std::string::npos || (line[0] != '0' && line[0] != '1'))
      throw bertpp::ArgumentError(path + ":" + std::to_string(number) + ": expected 'label<TAB>text'");
    examples.emplace_back(line[0] - '0', line.substr(tab + 1));
  }
  return examples;
}

// Logistic regression by full-batch gradient descent with L2 regularisation.
struct LogisticRegression {
  Eigen::VectorXf weights;
  float bias = 0;

  void fit(const Eigen::MatrixXf& x, const Eigen::VectorXf& y, int epochs = 500, float rate = 0.5f,
           float l2 = 1e-3f) {
    weights = Eigen::VectorXf::Zero(x.cols());
    for (int epoch = 0; epoch < epochs; ++epoch) {
      const Eigen::VectorXf error = probability(x) - y;
      weights -= rate * (x.transpose() * error / float(x.rows()) + l2 * weights);
      bias -= rate * error.mean();
    }
  }

  Eigen::VectorXf probability(const Eigen::MatrixXf& x) const {
    const Eigen::VectorXf z = (x * weights).array() + bias;
    return z.unaryExpr([](float v) { return 1.0f / (1.0f + std::exp(-v)); });
  }
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s MODEL_DIR [data.tsv]\n", argv[0]);
    return 2;
  }
  try {
    const auto examples = argc > 2 ? read_tsv(argv[2]) : builtin_examples();
    const bertpp::SentenceEmbeddingPipeline embedder(argv[1]);

    std::vector<std::string> texts;
    for (const auto& e : examples) texts.push_back(e.second);
    const bertpp::Matrix embeddings = embedder.encode(texts);

    // Every 4th example is held out for testing.
    std::vector<int> train, test;
    for (int i = 0; i < static_cast<int>(examples.size()); ++i) (i % 4 == 3 ? test : train).push_back(i);
    auto features = [&](const std::vector<int>& rows) {
      Eigen::MatrixXf x(rows.size(), embeddings.cols());
      Eigen::VectorXf y(rows.size());
      for (std::size_t r = 0; r < rows.size(); ++r) {
        x.row(r) = embeddings.row(rows[r]);
        y(r) = static_cast<float>(examples[rows[r]].first);
      }
      return std::make_pair(x, y);
    };
    const auto [train_x, train_y] = features(train);
    const auto [test_x, test_y] = features(test);

    LogisticRegression classifier;
    classifier.fit(train_x, train_y);
    const Eigen::VectorXf predicted = classifier.probability(test_x);
    int correct = 0;
    for (Eigen::Index i = 0; i < predicted.size(); ++i) {
      const int label = predicted(i) >= 0.5f ? 1 : 0;
      correct += label == static_cast<int>(test_y(i));
      std::printf("%-40s predicted %d (p=%.3f), true %d\n", examples[test[i]].second.c_str(), label,
                  predicted(i), static_cast<int>(test_y(i)));
    }
    std::printf("held-out accuracy: %d/%zu = %.1f%% (%zu training examples, %ld-dim embeddings)\n",
                correct, test.size(), 100.0 * correct / test.size(), train.size(),
                static_cast<long>(embeddings.cols()));
    return 0;
  } catch (const bertpp::Error& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}
