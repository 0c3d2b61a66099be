// Tokenizer throughput: encodes every input of a corpus.jsonl N times, one
// call at a time on one thread, then the whole corpus as a batch split across
// all hardware threads. Prints tokens per second for both.
//
//   bertpp-bench-tokenizer <corpus.jsonl> <model_folder> [repeats=20]
#include <bertpp/tokenizer/tokenizer.hpp>

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

std::size_t encode_range(const bertpp::WordPieceTokenizer& tok, const std::vector<Input>& inputs,
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

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: " << argv[0] << " <corpus.jsonl> <model_folder> [repeats=20]\n";
    return 2;
  }
  try {
    const std::vector<Input> inputs = read_corpus(argv[1]);
    const auto tok = bertpp::WordPieceTokenizer::from_folder(argv[2]);
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
  } catch (const bertpp::Error& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
