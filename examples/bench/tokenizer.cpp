// Tokenizer throughput: encodes every input of a corpus.jsonl N times, one
// call at a time on one thread, then the whole corpus as a batch split across
// all hardware threads. Prints tokens per second for both. Any model folder
// (WordPiece or byte-level BPE). The "texts only" lines use the `text`
// fields alone, as ../shared/anchors/tok_bench.js measures HF tokenizers.
//
//   bertpp-bench-tokenizer <corpus.jsonl> <model_folder> [repeats=20]
//
// With --pair-truncation: time and peak memory of truncating a text pair of
// 300, 3,000 and 30,000 words each to 32 tokens (longest_first), without
// and with overflowing windows of the second text (only_second, stride 8).
//
//   bertpp-bench-tokenizer --pair-truncation <model_folder>
#include <bertpp/tokenizer/tokenizer.hpp>

#include <sys/resource.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

namespace {

struct Input {
  std::string text;
  std::string pair;
  bool has_pair = false;
};

std::vector<Input> read_corpus(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw bertpp::LoadError(path + ": cannot open file");
  std::vector<Input> inputs;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const nlohmann::json j = nlohmann::json::parse(line);
    Input input;
    input.text = j.at("text").get<std::string>();
    if (j.contains("pair")) {
      input.pair = j["pair"].get<std::string>();
      input.has_pair = true;
    }
    inputs.push_back(std::move(input));
  }
  return inputs;
}

std::size_t encode_range(const bertpp::Tokenizer& tok, const std::vector<Input>& inputs,
                         std::size_t begin, std::size_t end) {
  std::size_t tokens = 0;
  for (std::size_t i = begin; i < end; ++i) {
    const Input& in = inputs[i];
    tokens += (in.has_pair ? tok.encode(in.text, in.pair) : tok.encode(in.text)).size();
  }
  return tokens;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

double peak_resident_mb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;
}

int pair_truncation(const std::string& folder) {
  const auto tok = bertpp::Tokenizer::from_folder(folder);
  const char* vocabulary[] = {"the", "quick", "brown", "fox", "jumps", "over", "lazy", "dogs"};
  for (std::size_t words : {300u, 3000u, 30000u}) {
    std::string a, b;
    for (std::size_t i = 0; i < words; ++i) {
      (a += vocabulary[i % 8]) += ' ';
      (b += vocabulary[(i * 3) % 8]) += ' ';
    }
    bertpp::EncodeOptions cut;
    cut.truncation = bertpp::TruncationOptions{32, bertpp::TruncationStrategy::LongestFirst, 0};
    bertpp::EncodeOptions windows;
    windows.truncation = bertpp::TruncationOptions{32, bertpp::TruncationStrategy::OnlySecond, 8};
    windows.return_overflowing_tokens = true;
    double best_cut = 1e9, best_windows = 1e9;
    std::size_t n_windows = 0;
    for (int r = 0; r < 5; ++r) {
      auto start = std::chrono::steady_clock::now();
      const auto e = tok.encode(a, b, cut);
      best_cut = std::min(best_cut, seconds_since(start));
      start = std::chrono::steady_clock::now();
      const auto w = tok.encode("the quick fox", b, windows);
      best_windows = std::min(best_windows, seconds_since(start));
      n_windows = 1 + w.overflowing.size();
    }
    std::printf("%zu+%zu words: truncate to 32 %.3f ms; only_second windows (%zu) %.3f ms; peak RSS so far %.1f MB\n",
                words, words, best_cut * 1e3, n_windows, best_windows * 1e3, peak_resident_mb());
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: " << argv[0] << " <corpus.jsonl> <model_folder> [repeats=20]\n"
              << "       " << argv[0] << " --pair-truncation <model_folder>\n";
    return 2;
  }
  try {
    if (std::string(argv[1]) == "--pair-truncation") return pair_truncation(argv[2]);
    const std::vector<Input> inputs = read_corpus(argv[1]);
    const auto tok = bertpp::Tokenizer::from_folder(argv[2]);
    const int repeats = argc > 3 ? std::max(1, std::atoi(argv[3])) : 20;
    encode_range(tok, inputs, 0, inputs.size());  // warm-up

    auto start = std::chrono::steady_clock::now();
    std::size_t tokens = 0;
    for (int r = 0; r < repeats; ++r) tokens += encode_range(tok, inputs, 0, inputs.size());
    const double single = seconds_since(start);
    std::printf("inputs: %zu, tokens per pass: %zu, passes: %d\n", inputs.size(), tokens / repeats, repeats);
    std::printf("single thread, one call at a time: %.0f tokens/s\n", tokens / single);

    const unsigned threads = std::max(1u, std::thread::hardware_concurrency());
    start = std::chrono::steady_clock::now();
    std::vector<std::size_t> counts(threads, 0);
    for (int r = 0; r < repeats; ++r) {
      std::vector<std::thread> workers;
      const std::size_t chunk = (inputs.size() + threads - 1) / threads;
      for (unsigned t = 0; t < threads; ++t) {
        const std::size_t b = std::min(inputs.size(), t * chunk);
        const std::size_t e = std::min(inputs.size(), b + chunk);
        workers.emplace_back([&, t, b, e] { counts[t] += encode_range(tok, inputs, b, e); });
      }
      for (std::thread& w : workers) w.join();
    }
    const double batched = seconds_since(start);
    std::size_t batch_tokens = 0;
    for (std::size_t c : counts) batch_tokens += c;
    std::printf("batched across %u threads (std::thread): %.0f tokens/s\n", threads, batch_tokens / batched);

    // The library's own batch call (bertpp's worker threads inside).
    std::vector<std::string> singles;
    std::vector<std::pair<std::string, std::string>> pairs;
    for (const Input& in : inputs) {
      if (in.has_pair) pairs.emplace_back(in.text, in.pair);
      else singles.push_back(in.text);
    }
    start = std::chrono::steady_clock::now();
    std::size_t library_tokens = 0;
    for (int r = 0; r < repeats; ++r) {
      for (const auto& e : tok.encode_batch(singles)) library_tokens += e.size();
      for (const auto& e : tok.encode_batch(pairs)) library_tokens += e.size();
    }
    std::printf("encode_batch (%d threads): %.0f tokens/s\n", bertpp::detail::max_threads(),
                library_tokens / seconds_since(start));

    // Texts only (pairs left out), best of the repeats: the figures
    // ../shared/anchors/tok_bench.js gives for HF tokenizers.
    double best_one = 1e9, best_batch = 1e9;
    std::size_t text_tokens = 0;
    std::vector<std::string> texts;
    for (const Input& in : inputs) texts.push_back(in.text);
    for (int r = 0; r < repeats; ++r) {
      start = std::chrono::steady_clock::now();
      std::size_t n = 0;
      for (const std::string& t : texts) n += tok.encode(t).size();
      best_one = std::min(best_one, seconds_since(start));
      start = std::chrono::steady_clock::now();
      for (const auto& e : tok.encode_batch(texts)) (void)e;
      best_batch = std::min(best_batch, seconds_since(start));
      text_tokens = n;
    }
    std::printf("texts only, one call at a time: %zu texts, %zu tokens, best %.4f s, %.0f tokens/s\n", texts.size(),
                text_tokens, best_one, text_tokens / best_one);
    std::printf("texts only, encode_batch: best %.4f s, %.0f tokens/s\n", best_batch, text_tokens / best_batch);
  } catch (const bertpp::Error& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
