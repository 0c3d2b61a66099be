// Translation with a MarianMT model (Helsinki-NLP/opus-mt-*), as HF's
// pipeline("translation_en_to_fr"): greedy and beam search, several
// hypotheses, a batch.
//
//   bertpp-example-translate <model-folder> [text...]
//
// Needs SentencePiece (link bertpp::translation; Debian: libsentencepiece-dev).
#include <bertpp/pipelines/translation.hpp>

#include <iostream>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: " << argv[0] << " <model-folder> [text...]\n";
    return 2;
  }
  try {
    const bertpp::TranslationPipeline translator(argv[1]);
    std::vector<std::string> texts(argv + 2, argv + argc);
    if (texts.empty()) texts = {"Hello, world!", "The cat is sleeping on the sofa."};

    // The model's defaults (generation_config.json: 4 beams for opus-mt).
    for (const std::string& text : texts)
      std::cout << text << "\n  -> " << translator.translate(text) << "\n";

    // HF's generate() kwargs override them: greedy, at most 32 new tokens.
    bertpp::TranslationOptions greedy;
    greedy.generation = translator.generation_config({{"num_beams", 1}, {"max_new_tokens", 32}});
    const auto fast = translator.translate(texts, greedy);
    for (std::size_t i = 0; i < texts.size(); ++i) std::cout << "greedy: " << fast[i] << "\n";

    // All four beam hypotheses of the first text, best first.
    bertpp::TranslationOptions beams;
    beams.generation = translator.generation_config({{"num_beams", 4}, {"num_return_sequences", 4}});
    const auto hypotheses = translator.translate_all({texts.front()}, beams);
    for (const std::string& hypothesis : hypotheses.front()) std::cout << "beam: " << hypothesis << "\n";

    // HF's call shape, JSON in and out.
    std::cout << translator.run({{"inputs", texts}, {"max_new_tokens", 32}}).dump() << "\n";
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
