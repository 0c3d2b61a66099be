// Extractive question answering: finds the answer to a question in a context.
//
//   bertpp-example-question_answering <model-folder> [question context] [top_k]
//
// Prints HF's JSON: {"score", "start", "end", "answer"} (a list when top_k > 1).
#include <bertpp/pipelines/question_answering.hpp>

#include <cstdlib>
#include <iostream>
#include <string>

int main(int argc, char** argv) {
  if (argc != 2 && argc != 4 && argc != 5) {
    std::cerr << "usage: " << argv[0] << " <model-folder> [question context] [top_k]\n";
    return 2;
  }
  try {
    const bertpp::QuestionAnsweringPipeline qa(argv[1]);
    const std::string question = argc >= 4 ? argv[2] : "Where do the Normans come from?";
    const std::string context =
        argc >= 4 ? argv[3]
                  : "The Normans were the people who in the 10th and 11th centuries gave their "
                    "name to Normandy, a region in France. They were descended from Norse raiders "
                    "and pirates from Denmark, Iceland and Norway.";
    bertpp::QuestionAnsweringOptions options;
    if (argc == 5) options.top_k = static_cast<std::size_t>(std::stoul(argv[4]));
    const bertpp::QuestionAnsweringResult result = qa(question, context, options);
    std::cout << "question: " << question << "\n" << result.to_json().dump(2) << "\n";
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
