// Sentence similarity with a sentence-transformers model folder: embeds the
// sentences, prints their cosine matrix and, for the first sentence, the
// closest of the others (semantic search).
//
//   bertpp-example-sentence_similarity <model-folder> [sentence...]
#include <bertpp/pipelines/sentence_embeddings.hpp>
#include <bertpp/pipelines/similarity.hpp>

#include <iomanip>
#include <iostream>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: " << argv[0] << " <model-folder> [sentence...]\n";
    return 2;
  }
  try {
    const bertpp::SentenceTransformer model(argv[1]);
    std::vector<std::string> sentences(argv + 2, argv + argc);
    if (sentences.size() < 2)
      sentences = {"A man is eating food.", "A man is eating a piece of bread.",
                   "The girl is carrying a baby.", "A man is riding a horse."};
    const bertpp::Matrix embeddings = model.encode(sentences);
    std::cout << sentences.size() << " sentences, " << embeddings.cols() << "-dim embeddings\n";
    const bertpp::Matrix cosine = bertpp::cos_sim(embeddings, embeddings);
    std::cout << "cosine similarity:\n" << std::fixed << std::setprecision(4);
    for (Eigen::Index i = 0; i < cosine.rows(); ++i) {
      for (Eigen::Index j = 0; j < cosine.cols(); ++j) std::cout << std::setw(8) << cosine(i, j);
      std::cout << "   " << sentences[static_cast<std::size_t>(i)] << "\n";
    }
    const bertpp::Matrix corpus = embeddings.bottomRows(embeddings.rows() - 1);
    const auto hits = bertpp::semantic_search(embeddings.topRows(1), corpus, 3);
    std::cout << "closest to \"" << sentences[0] << "\":\n";
    for (const bertpp::SearchHit& hit : hits[0])
      std::cout << "  " << hit.score << "  " << sentences[hit.corpus_id + 1] << "\n";
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
