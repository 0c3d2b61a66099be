// Text classification (sentiment analysis): labels and scores for each text.
//
//   bertpp-example-sentiment <model-folder> [text...]
//
// Prints HF's JSON: for each text, every label with its score, best first.
#include <bertpp/pipelines/text_classification.hpp>

#include <iostream>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: " << argv[0] << " <model-folder> [text...]\n";
    return 2;
  }
  try {
    const bertpp::TextClassificationPipeline classifier(argv[1]);
    std::vector<bertpp::TextInput> texts(argv + 2, argv + argc);
    if (texts.empty()) texts = {"I love this movie!", "This was a terrible waste of time."};
    bertpp::TextClassificationOptions options;
    options.top_k = std::nullopt;  // all labels, sorted
    const auto results = classifier(texts, options);
    for (std::size_t i = 0; i < texts.size(); ++i) {
      nlohmann::json labels = nlohmann::json::array();
      for (const bertpp::LabelScore& s : results[i]) labels.push_back(s.to_json());
      std::cout << texts[i].text << "\n  " << labels.dump() << "\n";
    }
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
