// The BPE model's word cache shared by threads (reads without locks, a
// version per slot): while threads fill and overwrite the same slots, each
// gets the pieces a model with a cache of its own gives serially. Also built
// under ThreadSanitizer by tests/run-tsan.sh.
#include <bertpp/tokenizer/bpe.hpp>

#include <catch2/catch.hpp>

#include <cstddef>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace {

// "Ġ" (U+0120) stands for the space byte.
const std::string G = "\xC4\xA0";

bertpp::Bpe letters_bpe() {
  std::vector<std::string> tokens = {"<unk>", "a", "b", "c", "d", "e", G, "ab", "cd", "abcd", G + "a", G + "ab"};
  const std::vector<std::pair<std::string, std::string>> merges = {
      {"a", "b"}, {"c", "d"}, {"ab", "cd"}, {G, "a"}, {G + "a", "b"}};
  return bertpp::Bpe(std::move(tokens), merges, "<unk>", false, false, "test");
}

struct Split {
  std::vector<std::int32_t> ids;
  std::vector<std::uint32_t> spans;
  bool operator==(const Split& o) const { return ids == o.ids && spans == o.spans; }
};

Split split(const bertpp::Bpe& bpe, const std::string& word, std::vector<bertpp::TokenPiece>& pieces) {
  bpe.tokenize_byte_level(word, pieces);
  Split s;
  for (const auto& p : pieces) {
    s.ids.push_back(p.id);
    s.spans.push_back(p.begin);
    s.spans.push_back(p.end);
  }
  return s;
}

}  // namespace

TEST_CASE("BPE word cache: threads overwriting the same slots still get the right pieces", "[concurrency][tokenizer]") {
  // 40,000 different words of 1 to 40 bytes (more than the cache holds, so
  // slots are overwritten while others read them), with 'x' not in the
  // vocabulary.
  std::vector<std::string> words;
  for (int n = 0; n < 40000; ++n) {
    std::string w = n % 3 ? " " : "";
    for (int k = n, len = 1 + n % 40; static_cast<int>(w.size()) < len; k = k / 6 + n) w += "abcdex"[k % 6];
    words.push_back(w + std::to_string(n));
  }
  std::vector<Split> expected;
  {
    const bertpp::Bpe own = letters_bpe();
    std::vector<bertpp::TokenPiece> pieces;
    for (const std::string& w : words) expected.push_back(split(own, w, pieces));
  }
  const bertpp::Bpe shared = letters_bpe();
  constexpr int kThreads = 4;
  std::vector<int> wrong(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      std::vector<bertpp::TokenPiece> pieces;
      for (int pass = 0; pass < 2; ++pass)
        for (std::size_t i = 0; i < words.size(); ++i) {
          // Each thread in its own order, so they meet on the same words.
          const std::size_t at = (i * (2 * static_cast<std::size_t>(t) + 1) + static_cast<std::size_t>(t) * 997) % words.size();
          if (!(split(shared, words[at], pieces) == expected[at])) ++wrong[static_cast<std::size_t>(t)];
        }
    });
  for (auto& th : threads) th.join();
  CHECK(wrong == std::vector<int>(kThreads, 0));
}
