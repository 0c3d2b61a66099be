// Truncating a long text pair costs memory in proportion to the input: no
// overflow windows are built unless asked for, and none are combined
// pairwise. (Its own test binary, so the peak resident size it reads is this
// test's alone. Time growth is measured by examples/bench/tokenizer.cpp.)
#include "support/paths.hpp"

#include <bertpp/tokenizer/tokenizer.hpp>

#include <catch2/catch.hpp>

#include <sys/resource.h>

#include <string>

namespace {

const std::string kVocab = std::string(bertpp_test::test_data_dir()) + "/tokenizer/vocab.txt";

double peak_resident_mb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // Linux reports KiB
}

std::string words(std::size_t n, std::size_t shift) {
  const char* vocabulary[] = {"hello", "world", "a", "b", "c", "unaffable", "t"};
  std::string text;
  for (std::size_t i = 0; i < n; ++i) {
    text += vocabulary[(i * shift) % 7];
    text += ' ';
  }
  return text;
}

}  // namespace

TEST_CASE("a 30,000 + 30,000-word pair truncates to 32 tokens in under 100 MB", "[tokenizer][truncation]") {
  const auto tok = bertpp::Tokenizer::from_vocab_file(kVocab);
  const std::string a = words(30000, 1), b = words(30000, 3);
  bertpp::EncodeOptions o;
  o.truncation = bertpp::TruncationOptions{32, bertpp::TruncationStrategy::LongestFirst, 0};
  const double before = peak_resident_mb();
  const bertpp::Encoding e = tok.encode(a, b, o);
  const double growth = peak_resident_mb() - before;
  CHECK(e.size() == 32);
  CHECK(e.overflowing.empty());
  INFO("peak resident size grew by " << growth << " MB");
  CHECK(growth < 100.0);
  // Asking for the windows of one side stays linear too: only_second cuts
  // b into 32 - 3 - 1 = 28-token windows, each copied once.
  bertpp::EncodeOptions windows;
  windows.truncation = bertpp::TruncationOptions{32, bertpp::TruncationStrategy::OnlySecond, 4};
  windows.return_overflowing_tokens = true;
  const bertpp::Encoding w = tok.encode("hello", b, windows);
  CHECK(w.overflowing.size() > 1000);
  CHECK(peak_resident_mb() - before < 100.0);
}
