// Comparing sentence embeddings, as sentence_transformers.util does:
// cos_sim (matrix of pairwise cosines) and semantic_search (top-k corpus
// entries per query).
//
//   bertpp::Matrix scores = bertpp::cos_sim(queries, corpus);  // [q, c]
//   auto hits = bertpp::semantic_search(queries, corpus, 3);
//   hits[0][0].corpus_id;  // best corpus row for the first query
#pragma once

#include "bertpp/error.hpp"
#include "bertpp/nn/tensor.hpp"
#include "bertpp/pipelines/detail/pooling.hpp"
#include "bertpp/pipelines/detail/scores.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <string>
#include <vector>

namespace bertpp {

// Cosine similarity of every row of `a` with every row of `b`: [a.rows, b.rows].
inline Matrix cos_sim(const Matrix& a, const Matrix& b) {
  if (a.cols() != b.cols())
    detail::throw_error<ArgumentError>({"cos_sim: embedding sizes differ (",
                                        std::to_string(a.cols()), " vs ", std::to_string(b.cols()),
                                        ")"});
  Matrix na = a, nb = b;
  detail::normalize_rows(na);
  detail::normalize_rows(nb);
  return na * nb.transpose();
}

// Dot product of every row of `a` with every row of `b` (for normalized embeddings).
inline Matrix dot_score(const Matrix& a, const Matrix& b) {
  if (a.cols() != b.cols())
    detail::throw_error<ArgumentError>({"dot_score: embedding sizes differ (",
                                        std::to_string(a.cols()), " vs ", std::to_string(b.cols()),
                                        ")"});
  return a * b.transpose();
}

struct SearchHit {
  std::size_t corpus_id = 0;  // row of the corpus matrix
  float score = 0.0f;
  nlohmann::json to_json() const {
    return nlohmann::json{{"corpus_id", corpus_id}, {"score", static_cast<double>(score)}};
  }
};

// For each query row, the top_k most similar corpus rows by cosine, best first.
inline std::vector<std::vector<SearchHit>> semantic_search(const Matrix& queries,
                                                           const Matrix& corpus,
                                                           std::size_t top_k = 10) {
  const Matrix scores = cos_sim(queries, corpus);
  std::vector<std::vector<SearchHit>> hits(static_cast<std::size_t>(scores.rows()));
  for (Eigen::Index q = 0; q < scores.rows(); ++q) {
    const float* row = scores.row(q).data();
    for (std::size_t c : detail::top_k_indices(row, static_cast<std::size_t>(scores.cols()), top_k))
      hits[static_cast<std::size_t>(q)].push_back({c, row[c]});
  }
  return hits;
}

}  // namespace bertpp
