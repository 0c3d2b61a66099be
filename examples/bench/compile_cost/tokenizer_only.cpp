// Floor of compile_cost.sh --floor: a program that only tokenizes
// (`tokenizer_only MODEL_DIR "some text"` prints the token ids).
#include <bertpp/tokenizer/tokenizer.hpp>

#include <iostream>

int main(int argc, char** argv) {
  if (argc < 3) return 2;
  const bertpp::Tokenizer tokenizer = bertpp::Tokenizer::from_folder(argv[1]);
  for (const std::int32_t id : tokenizer.encode(argv[2]).ids) std::cout << id << ' ';
  std::cout << "\n";
}
