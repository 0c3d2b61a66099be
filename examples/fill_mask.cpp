// Fill-mask: the most likely words for each [MASK] of a text.
//
//   bertpp-example-fill_mask <model-folder> ["text with [MASK]" [top_k]]
//
// Prints each candidate's score, token and the completed text.
#include <bertpp/pipelines/fill_mask.hpp>

#include <iomanip>
#include <iostream>
#include <string>

int main(int argc, char** argv) {
  if (argc < 2 || argc > 4) {
    std::cerr << "usage: " << argv[0] << " <model-folder> [\"text with [MASK]\" [top_k]]\n";
    return 2;
  }
  try {
    const bertpp::FillMaskPipeline unmasker(argv[1]);
    const std::string text = argc >= 3 ? argv[2] : "Paris is the [MASK] of France.";
    bertpp::FillMaskOptions options;
    if (argc == 4) options.top_k = static_cast<std::size_t>(std::stoul(argv[3]));
    const bertpp::FillMaskResult masks = unmasker(text, options);
    std::cout << text << "\n";
    for (std::size_t m = 0; m < masks.size(); ++m) {
      std::cout << "mask " << m + 1 << ":\n";
      for (const bertpp::FillMaskCandidate& c : masks[m])
        std::cout << "  " << std::fixed << std::setprecision(5) << c.score << "  " << std::setw(12)
                  << std::left << c.token_str << std::right << "  " << c.sequence << "\n";
    }
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
