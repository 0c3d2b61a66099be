// Contextual word embeddings (feature extraction): one vector per token, from
// the last layer or a combination of layers, e.g. the sum of the last four.
//
//   bertpp-example-word_embeddings <model-folder> [text] [layers] [concat|sum|mean]
//   bertpp-example-word_embeddings models/bert "The bank of the river" -1,-2,-3,-4 sum
//
// Prints each token with its character span and the start of its vector.
#include <bertpp/pipelines/feature_extraction.hpp>

#include <iomanip>
#include <iostream>
#include <sstream>
#include <string>

int main(int argc, char** argv) {
  if (argc < 2 || argc > 5) {
    std::cerr << "usage: " << argv[0] << " <model-folder> [text] [layers e.g. -1,-2] [concat|sum|mean]\n";
    return 2;
  }
  try {
    const bertpp::FeatureExtractionPipeline extractor(argv[1]);
    const std::string text = argc >= 3 ? argv[2] : "The bank of the river.";
    bertpp::FeatureExtractionOptions options;
    if (argc >= 4) {
      options.layers.clear();
      std::stringstream list(argv[3]);
      for (std::string item; std::getline(list, item, ',');) options.layers.push_back(std::stoi(item));
    }
    if (argc == 5) options.combine = bertpp::detail::parse_layer_combine(argv[4]);
    const bertpp::TokenFeatures features = extractor(text, options);
    std::cout << features.tokens.size() << " tokens x " << features.embeddings.cols() << " dims\n"
              << std::fixed << std::setprecision(4);
    for (std::size_t i = 0; i < features.tokens.size(); ++i) {
      const auto row = features.embeddings.row(static_cast<Eigen::Index>(i));
      std::cout << std::setw(12) << std::left << features.tokens[i] << std::right << " ["
                << features.char_offsets[i].begin << "," << features.char_offsets[i].end << ")  ";
      for (Eigen::Index c = 0; c < std::min<Eigen::Index>(4, row.size()); ++c)
        std::cout << std::setw(9) << row(c);
      std::cout << " ...  |v| = " << row.norm() << "\n";
    }
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
