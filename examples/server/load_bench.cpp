// Load benchmark of `bertpp serve` (not a test): requests/s and p50/p99
// latency of POST /embed at several client concurrencies, with dynamic
// batching and without (--no-batching), measured side by side in one run.
//
//   bertpp-bench-serve --like ../shared/real-model-files/all-MiniLM-L6-v2
//                      [--seconds 5] [--rounds 3] [--concurrency 1,8,32] [--threads N]
//
// --like names a real sentence-transformers folder without weights: the
// benchmark copies its config and tokenizer files into a temp folder and adds
// random weights of the real shapes. --model DIR serves an existing folder
// instead; --write-model DIR only writes the random model there (to serve it
// by hand). Each round alternates the two servers at every concurrency; the
// best round (by requests/s) is reported. Texts: 5-40 random vocabulary words.
#include "../bench/xorshift.hpp"
#include <bertpp/io/config.hpp>
#include <bertpp/io/safetensors_writer.hpp>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

using bertpp_bench::XorShift;

// config.json, tokenizer and sentence-transformers files of `like`, plus
// random weights in the shapes its config.json gives.
void write_random_model(const std::string& like, const std::string& dir) {
  for (const auto& entry : fs::recursive_directory_iterator(like)) {
    const fs::path relative = fs::relative(entry.path(), like);
    if (entry.is_directory()) fs::create_directories(dir / relative);
    else if (entry.path().extension() != ".md") fs::copy_file(entry.path(), dir / relative);
  }
  const auto c = bertpp::ModelConfig::from_file(like + "/config.json");
  const int h = static_cast<int>(c.hidden_size);
  XorShift random;
  auto values = [&random](float* v, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i)
      v[i] = 0.04f * (static_cast<float>(random.next() >> 40) / static_cast<float>(1 << 23) - 1.0f);
  };
  auto ones = [](float* v, std::size_t n) { std::fill_n(v, n, 1.0f); };
  auto zeros = [](float* v, std::size_t n) { std::fill_n(v, n, 0.0f); };
  bertpp::SafetensorsWriter w;
  w.add("embeddings.word_embeddings.weight", {static_cast<int>(c.vocab_size), h}, values);
  w.add("embeddings.position_embeddings.weight", {static_cast<int>(c.max_position_embeddings), h},
        values);
  w.add("embeddings.token_type_embeddings.weight", {static_cast<int>(c.type_vocab_size), h}, values);
  auto norm = [&](const std::string& s) {
    w.add(s + ".weight", {h}, ones);
    w.add(s + ".bias", {h}, zeros);
  };
  auto linear = [&](const std::string& s, int in, int out) {
    w.add(s + ".weight", {out, in}, values);
    w.add(s + ".bias", {out}, values);
  };
  norm("embeddings.LayerNorm");
  const int inner = static_cast<int>(c.intermediate_size);
  for (int i = 0; i < static_cast<int>(c.num_hidden_layers); ++i) {
    const std::string s = "encoder.layer." + std::to_string(i);
    for (const char* part : {".attention.self.query", ".attention.self.key",
                             ".attention.self.value", ".attention.output.dense"})
      linear(s + part, h, h);
    norm(s + ".attention.output.LayerNorm");
    linear(s + ".intermediate.dense", h, inner);
    linear(s + ".output.dense", inner, h);
    norm(s + ".output.LayerNorm");
  }
  linear("pooler.dense", h, h);
  w.write(dir + "/model.safetensors");
}

std::vector<std::string> make_texts(const std::string& vocab_path, std::size_t count) {
  std::ifstream in(vocab_path);
  std::vector<std::string> words;
  for (std::string line; std::getline(in, line);)
    if (line.size() > 2 && line[0] >= 'a' && line[0] <= 'z' && line.find("##") == std::string::npos)
      words.push_back(line);
  if (words.empty()) throw std::runtime_error(vocab_path + ": no words");
  XorShift random;
  std::vector<std::string> texts;
  for (std::size_t i = 0; i < count; ++i) {
    const std::size_t n = 5 + random.next() % 36;
    std::string text;
    for (std::size_t k = 0; k < n; ++k) text += (k ? " " : "") + words[random.next() % words.size()];
    texts.push_back(text);
  }
  return texts;
}

// A bertpp-serve child on a free port.
class ServerProcess {
 public:
  ServerProcess(const std::string& binary, std::vector<std::string> args, const std::string& log) {
    log_ = log;
    pid_ = fork();
    if (pid_ == 0) {
      std::freopen(log.c_str(), "w", stderr);
      std::vector<char*> argv{const_cast<char*>(binary.c_str())};
      for (auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      execv(binary.c_str(), argv.data());
      std::_Exit(127);
    }
    for (int i = 0; i < 600 && port_ == 0; ++i) {  // the model loads, then it says its port
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      std::ifstream in(log);
      std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      const auto at = text.find("listening on http://127.0.0.1:");
      if (at != std::string::npos) port_ = std::atoi(text.c_str() + at + 30);
    }
    if (port_ == 0) throw std::runtime_error("server did not start; see " + log);
  }
  ~ServerProcess() {
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
  }
  int port() const { return port_; }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
  std::string log_;
};

struct Result {
  double rps = 0, p50_ms = 0, p99_ms = 0;
  std::size_t errors = 0;
};

Result measure(int port, int concurrency, double seconds, const std::vector<std::string>& texts) {
  std::atomic<bool> stop{false};
  std::vector<std::vector<double>> latencies(static_cast<std::size_t>(concurrency));
  std::atomic<std::size_t> errors{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < concurrency; ++c) {
    clients.emplace_back([&, c] {
      httplib::Client client("127.0.0.1", port);
      client.set_keep_alive(true);
      client.set_tcp_nodelay(true);  // clients worth measuring with send small requests at once
      client.set_read_timeout(std::chrono::seconds(60));
      std::size_t i = static_cast<std::size_t>(c) * 7919;
      while (!stop) {
        const std::string body =
            nlohmann::json{{"inputs", texts[i++ % texts.size()]}}.dump();
        const auto start = Clock::now();
        auto res = client.Post("/embed", body, "application/json");
        const double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
        if (!res || res->status != 200) ++errors;
        else latencies[static_cast<std::size_t>(c)].push_back(ms);
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& t : clients) t.join();
  std::vector<double> all;
  for (auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  std::sort(all.begin(), all.end());
  Result r;
  r.errors = errors;
  if (all.empty()) return r;
  r.rps = static_cast<double>(all.size()) / seconds;
  r.p50_ms = all[all.size() / 2];
  r.p99_ms = all[std::min(all.size() - 1, all.size() * 99 / 100)];
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  std::string like, model, threads, write_only;
  double seconds = 5;
  int rounds = 3;
  std::vector<int> concurrencies = {1, 8, 32};
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string name = argv[i], value = argv[i + 1];
    if (name == "--like") like = value;
    else if (name == "--model") model = value;
    else if (name == "--write-model") write_only = value;
    else if (name == "--seconds") seconds = std::stod(value);
    else if (name == "--rounds") rounds = std::stoi(value);
    else if (name == "--threads") threads = value;
    else if (name == "--concurrency") {
      concurrencies.clear();
      std::stringstream list(value);
      for (std::string item; std::getline(list, item, ',');) concurrencies.push_back(std::stoi(item));
    } else {
      std::cerr << "unknown option " << name << '\n';
      return 2;
    }
  }
  if (like.empty() == model.empty()) {
    std::cerr << "usage: bertpp-bench-serve (--like REAL_MODEL_FOLDER | --model DIR) [--seconds S]"
                 " [--rounds N] [--concurrency 1,8,32] [--threads N]\n";
    return 2;
  }
  if (!write_only.empty()) {
    fs::create_directories(write_only);
    write_random_model(like, write_only);
    return 0;
  }
  const fs::path self = fs::canonical("/proc/self/exe");
  const std::string server = (self.parent_path() / "bertpp-serve").string();
  const fs::path temp = fs::temp_directory_path() / ("bertpp-bench-serve-" + std::to_string(getpid()));
  fs::create_directories(temp);
  try {
    if (model.empty()) {
      model = (temp / "model").string();
      fs::create_directories(model);
      write_random_model(like, model);
    }
    const auto texts = make_texts(model + "/vocab.txt", 1000);
    std::vector<std::string> common = {"-m", model, "--port", "0", "--quiet", "--max-queue", "1024"};
    if (!threads.empty()) common.insert(common.end(), {"--threads", threads});
    auto unbatched_args = common;
    unbatched_args.push_back("--no-batching");
    ServerProcess batched(server, common, (temp / "batched.log").string());
    ServerProcess unbatched(server, unbatched_args, (temp / "unbatched.log").string());
    for (int port : {batched.port(), unbatched.port()}) measure(port, 4, 1.0, texts);  // warm-up

    std::vector<Result> best_batched(concurrencies.size()), best_unbatched(concurrencies.size());
    for (int round = 0; round < rounds; ++round) {
      for (std::size_t k = 0; k < concurrencies.size(); ++k) {
        const Result b = measure(batched.port(), concurrencies[k], seconds, texts);
        const Result u = measure(unbatched.port(), concurrencies[k], seconds, texts);
        if (b.rps > best_batched[k].rps) best_batched[k] = b;
        if (u.rps > best_unbatched[k].rps) best_unbatched[k] = u;
        std::fprintf(stderr, "round %d concurrency %d: batched %.1f req/s, unbatched %.1f req/s\n",
                     round + 1, concurrencies[k], b.rps, u.rps);
      }
    }
    std::printf("POST /embed, one text of 5-40 words per request; best of %d rounds of %.0f s\n",
                rounds, seconds);
    std::printf("| concurrency | batched req/s | p50 ms | p99 ms | unbatched req/s | p50 ms | p99 ms | speed-up |\n");
    std::printf("|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (std::size_t k = 0; k < concurrencies.size(); ++k) {
      const Result& b = best_batched[k];
      const Result& u = best_unbatched[k];
      std::printf("| %d | %.1f | %.2f | %.2f | %.1f | %.2f | %.2f | %.2fx |\n", concurrencies[k],
                  b.rps, b.p50_ms, b.p99_ms, u.rps, u.p50_ms, u.p99_ms,
                  u.rps > 0 ? b.rps / u.rps : 0.0);
      if (b.errors + u.errors) std::printf("  (errors: batched %zu, unbatched %zu)\n", b.errors, u.errors);
    }
  } catch (const std::exception& e) {
    std::cerr << "bertpp-bench-serve: error: " << e.what() << '\n';
    fs::remove_all(temp);
    return 1;
  }
  fs::remove_all(temp);
  return 0;
}
