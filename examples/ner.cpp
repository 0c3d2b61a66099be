// Named-entity recognition: labels the tokens of a text and groups them into
// entities.
//
//   bertpp-example-ner <model-folder> [text] [none|simple|first|average|max]
//
// Prints HF's JSON list of entities.
#include <bertpp/pipelines/token_classification.hpp>

#include <iostream>
#include <string>

int main(int argc, char** argv) {
  if (argc < 2 || argc > 4) {
    std::cerr << "usage: " << argv[0] << " <model-folder> [text] [none|simple|first|average|max]\n";
    return 2;
  }
  try {
    const bertpp::TokenClassificationPipeline ner(argv[1]);
    const std::string text =
        argc >= 3 ? argv[2] : "Angela Merkel met Emmanuel Macron in Paris on Monday.";
    bertpp::TokenClassificationOptions options;
    options.aggregation_strategy =
        bertpp::parse_aggregation_strategy(argc == 4 ? argv[3] : "simple");
    nlohmann::json entities = nlohmann::json::array();
    for (const bertpp::TokenClassificationEntity& e : ner(text, options))
      entities.push_back(e.to_json());
    std::cout << "text: " << text << "\n" << entities.dump(2) << "\n";
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
