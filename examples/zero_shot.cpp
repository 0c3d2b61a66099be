// Zero-shot classification with an NLI model: rank labels chosen at run time.
//
//   bertpp-example-zero_shot <model-folder> [text "label1,label2,..." [--multi-label]]
//
// Prints HF's JSON: {"sequence", "labels", "scores"}, best label first.
#include <bertpp/pipelines/zero_shot_classification.hpp>

#include <iostream>
#include <string>

int main(int argc, char** argv) {
  if (argc != 2 && argc != 4 && argc != 5) {
    std::cerr << "usage: " << argv[0]
              << " <model-folder> [text \"label1,label2,...\" [--multi-label]]\n";
    return 2;
  }
  try {
    const bertpp::ZeroShotClassificationPipeline classifier(argv[1]);
    const std::string text =
        argc >= 4 ? argv[2] : "I have a problem with my iphone that needs to be resolved asap!!";
    const std::string labels = argc >= 4 ? argv[3] : "urgent, not urgent, phone, tablet, computer";
    nlohmann::json args = {{"sequences", text}, {"candidate_labels", labels}};
    if (argc == 5 && std::string(argv[4]) == "--multi-label") args["multi_label"] = true;
    std::cout << classifier.run(args).dump(2) << "\n";
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
