// A host application using bertpp the way users do: one #include.
#include <bertpp/bertpp.hpp>

#include <cstdio>
#include <fstream>
#include <string>

int main(int argc, char** argv) {
  const std::string vocab = argc > 1 ? argv[1] : "vocab.txt";
  {
    std::ofstream out(vocab);
    out << "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nhello\nworld\n##s\n!\n";
  }
  const auto tokenizer = bertpp::WordPieceTokenizer::from_vocab_file(vocab);
  const bertpp::Encoding encoding = tokenizer.encode("Hello worlds!");
  for (auto id : encoding.ids) std::printf("%d ", static_cast<int>(id));
  std::printf("\nbertpp %s\n", BERTPP_VERSION_STRING);
  // [CLS] hello world ##s ! [SEP]
  const bool ok = encoding.ids == std::vector<std::int32_t>{2, 5, 6, 7, 8, 3};
  return ok ? 0 : 1;
}
