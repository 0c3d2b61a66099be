// The same host application against the compiled library (bertpp::compiled):
// the declarations come from the headers, the definitions from libbertpp.
#include <bertpp/pipelines/factory.hpp>
#include <bertpp/tokenizer/tokenizer.hpp>
#include <bertpp/version.hpp>

#include <cstdio>
#include <fstream>
#include <string>

int main(int argc, char** argv) {
  const std::string vocab = argc > 1 ? argv[1] : "vocab.txt";
  {
    std::ofstream out(vocab);
    out << "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nhello\nworld\n##s\n!\n";
  }
  const auto tokenizer = bertpp::Tokenizer::from_vocab_file(vocab);  // defined in the library
  const bertpp::Encoding encoding = tokenizer.encode("Hello worlds!");
  for (auto id : encoding.ids) std::printf("%d ", static_cast<int>(id));
  const std::string task = bertpp::canonical_task("sentiment-analysis");  // defined in the library
  std::printf("\n%s\ncompiled bertpp %s\n", task.c_str(), BERTPP_VERSION_STRING);
  const bool ok = encoding.ids == std::vector<std::int32_t>{2, 5, 6, 7, 8, 3} && task == "text-classification";
  return ok ? 0 : 1;
}
