// `bertpp serve` driven over loopback as clients use it: every route's answer
// equals the direct pipeline call (or HF's golden output), concurrent
// requests are batched and routed back to their senders, overload gets 429,
// bad input gets the right status and the server keeps serving, and SIGTERM
// lets the requests in progress finish. Each server is a child process.
#include "support/golden.hpp"

#include <bertpp/bertpp.hpp>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <map>
#include <mutex>
#include <regex>
#include <string>
#include <thread>
#include <vector>

using nlohmann::json;
using namespace std::chrono_literals;

namespace {

std::string model_dir(const std::string& name) { return bertpp_test::golden_path("models/" + name); }

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// A bertpp-serve child on a free loopback port; its log goes to a temp file.
class Server {
 public:
  explicit Server(const std::string& model, std::vector<std::string> extra = {}) {
    log_ = "/tmp/bertpp-test-serve-" + std::to_string(getpid()) + "-" + std::to_string(++count_) + ".log";
    std::vector<std::string> args = {BERTPP_SERVE_PATH, "-m", model, "--port", "0"};
    args.insert(args.end(), extra.begin(), extra.end());
    pid_ = fork();
    if (pid_ == 0) {
      if (!std::freopen(log_.c_str(), "w", stderr)) std::_Exit(126);
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      execv(argv[0], argv.data());
      std::_Exit(127);
    }
    const std::regex listening("listening on http://127\\.0\\.0\\.1:([0-9]+)");
    for (int i = 0; i < 300 && port_ == 0; ++i) {
      std::this_thread::sleep_for(50ms);
      std::smatch m;
      const std::string text = log();
      if (std::regex_search(text, m, listening)) port_ = std::stoi(m[1]);
    }
    INFO(log());
    REQUIRE(port_ != 0);
  }
  ~Server() {
    if (pid_ > 0) stop();
    std::remove(log_.c_str());
  }

  // SIGTERM, then the exit code (-1 if it did not exit within 20 s).
  int stop() {
    kill(pid_, SIGTERM);
    int status = 0;
    for (int i = 0; i < 400; ++i) {
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      std::this_thread::sleep_for(50ms);
    }
    kill(pid_, SIGKILL);
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return -1;
  }
  void terminate_async() const { kill(pid_, SIGTERM); }

  int port() const { return port_; }
  std::string log() const { return read_file(log_); }

  httplib::Client client() const {
    httplib::Client c("127.0.0.1", port_);
    c.set_read_timeout(60s);
    c.set_connection_timeout(5s);
    return c;
  }
  httplib::Result post(const std::string& path, const std::string& body) const {
    return client().Post(path.c_str(), body, "application/json");
  }
  json post_json(const std::string& path, const json& body, int expected_status = 200) const {
    auto res = post(path, body.dump());
    REQUIRE(res);
    INFO(path << " " << body.dump().substr(0, 300) << " -> " << res->body.substr(0, 300));
    REQUIRE(res->status == expected_status);
    return json::parse(res->body);
  }
  json get_json(const std::string& path) const {
    auto res = client().Get(path.c_str());
    REQUIRE(res);
    REQUIRE(res->status == 200);
    return json::parse(res->body);
  }
  // One value of /metrics, by its exact series text.
  double metric(const std::string& series) const {
    auto res = client().Get("/metrics");
    REQUIRE(res);
    const auto at = res->body.find("\n" + series + " ");
    if (at == std::string::npos) return 0;
    return std::stod(res->body.substr(at + series.size() + 2));
  }

 private:
  static inline int count_ = 0;
  pid_t pid_ = -1;
  int port_ = 0;
  std::string log_;
};

// Numbers within `tolerance`, everything else equal.
bool near(const json& a, const json& b, double tolerance = 1e-5) {
  if (a.is_number() && b.is_number())
    return std::fabs(a.get<double>() - b.get<double>()) <= tolerance;
  if (a.type() != b.type()) return false;
  if (a.is_array()) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
      if (!near(a[i], b[i], tolerance)) return false;
    return true;
  }
  if (a.is_object()) {
    if (a.size() != b.size()) return false;
    for (auto it = a.begin(); it != a.end(); ++it)
      if (!b.contains(it.key()) || !near(it.value(), b.at(it.key()), tolerance)) return false;
    return true;
  }
  return a == b;
}

json rows(const bertpp::Matrix& m) {
  json out = json::array();
  for (Eigen::Index r = 0; r < m.rows(); ++r) {
    json row = json::array();
    for (Eigen::Index c = 0; c < m.cols(); ++c) row.push_back(m(r, c));
    out.push_back(row);
  }
  return out;
}

std::string words(std::size_t n, std::size_t seed) {
  static const char* const vocab[] = {"the", "cat", "sat", "on", "a", "warm", "mat", "while",
                                      "rain", "fell", "over", "quiet", "city", "streets", "at",
                                      "night", "and", "nobody", "noticed", "it"};
  std::string text;
  for (std::size_t i = 0; i < n; ++i) text += (i ? " " : "") + std::string(vocab[(seed * 7 + i * 3) % 20]);
  return text;
}

// A raw TCP connection, for clients httplib would not imitate (slow, rude).
int raw_connect(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  REQUIRE(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  return fd;
}

void raw_send(int fd, const std::string& text) {
  REQUIRE(send(fd, text.data(), text.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(text.size()));
}

}  // namespace

TEST_CASE("embedding routes equal the sentence-embeddings pipeline", "[server]") {
  if (!bertpp_test::have_golden("models/sentence-random")) return;
  const bertpp::SentenceEmbeddingPipeline pipe(model_dir("sentence-random"));
  Server server(model_dir("sentence-random"), {"--model-id", "sentence-random"});
  const std::vector<std::string> texts = {"A man is eating food.", "  Héllo wörld ", "x",
                                          words(30, 1)};

  SECTION("TEI /embed: one text, a list, normalize") {
    REQUIRE(near(server.post_json("/embed", {{"inputs", texts[0]}}), rows(pipe.encode({texts[0]}))));
    REQUIRE(near(server.post_json("/embed", {{"inputs", texts}}), rows(pipe.encode(texts))));
    bertpp::SentenceEmbeddingOptions raw;
    raw.normalize_embeddings = false;
    REQUIRE(near(server.post_json("/embed", {{"inputs", texts}, {"normalize", false}}),
                 rows(pipe.encode(texts, raw))));
  }
  SECTION("OpenAI /v1/embeddings: response shape, usage, base64") {
    const json out = server.post_json("/v1/embeddings", {{"input", texts}, {"model", "whatever"}});
    REQUIRE(out.at("object") == "list");
    REQUIRE(out.at("model") == "sentence-random");
    const json expected = rows(pipe.encode(texts));
    REQUIRE(out.at("data").size() == texts.size());
    std::size_t tokens = 0;
    for (const auto& e : pipe.tokenize(texts)) tokens += e.size();
    REQUIRE(out.at("usage") == json{{"prompt_tokens", tokens}, {"total_tokens", tokens}});
    for (std::size_t i = 0; i < texts.size(); ++i) {
      const json& item = out.at("data")[i];
      REQUIRE(item.at("object") == "embedding");
      REQUIRE(item.at("index") == i);
      REQUIRE(near(item.at("embedding"), expected[i]));
    }
    const json b64 = server.post_json("/v1/embeddings",
                                      {{"input", texts[0]}, {"encoding_format", "base64"}});
    // 32 float32 values = 128 bytes = 172 base64 characters with padding.
    const std::string encoded = b64.at("data")[0].at("embedding");
    REQUIRE(encoded.size() == 4 * ((pipe.dimension() * 4 + 2) / 3));
  }
  SECTION("/pipeline is the folder's task with HF's arguments") {
    const json args = {{"inputs", texts}, {"normalize_embeddings", true}};
    REQUIRE(near(server.post_json("/pipeline", args), pipe.run(args)));
  }
  SECTION("/tokenize: ids, byte offsets, special tokens") {
    const json out = server.post_json("/tokenize", {{"inputs", texts[1]}});
    const bertpp::Encoding e = pipe.tokenizer().encode(texts[1]);
    REQUIRE(out.size() == 1);
    REQUIRE(out[0].size() == e.size());
    for (std::size_t i = 0; i < e.size(); ++i) {
      REQUIRE(out[0][i].at("id") == e.ids[i]);
      REQUIRE(out[0][i].at("special") == (e.special_tokens_mask[i] != 0));
      if (!e.special_tokens_mask[i]) {
        REQUIRE(out[0][i].at("start") == e.byte_offsets[i].begin);
        REQUIRE(out[0][i].at("text") == texts[1].substr(e.byte_offsets[i].begin, e.byte_offsets[i].end - e.byte_offsets[i].begin));
      }
    }
  }
  SECTION("over-long input: 413 unless truncate; truncated equals the pipeline") {
    const std::string long_text = words(200, 3);
    auto res = server.post("/embed", json{{"inputs", long_text}}.dump());
    REQUIRE(res);
    REQUIRE(res->status == 413);
    REQUIRE(json::parse(res->body).at("error_type") == "validation");
    REQUIRE(near(server.post_json("/embed", {{"inputs", long_text}, {"truncate", true}}),
                 rows(pipe.encode({long_text}))));
  }
  SECTION("/info, /health, routes the model does not serve") {
    const json info = server.get_json("/info");
    REQUIRE(info.at("model_id") == "sentence-random");
    REQUIRE(info.at("model_type").at("embedding").at("pooling") == "mean");
    REQUIRE(info.at("max_input_length") == pipe.max_seq_length());
    REQUIRE(server.client().Get("/health")->status == 200);
    auto res = server.post("/predict", json{{"inputs", "x"}}.dump());
    REQUIRE(res->status == 400);
  }
}

TEST_CASE("/predict and /pipeline equal the text-classification pipeline", "[server]") {
  if (!bertpp_test::have_golden("models/bert-random-sst2")) return;
  const bertpp::TextClassificationPipeline pipe(model_dir("bert-random-sst2"));
  Server server(model_dir("bert-random-sst2"));
  bertpp::TextClassificationOptions all;
  all.top_k = std::nullopt;
  auto expected = [&](const std::vector<bertpp::TextInput>& inputs, bool raw) {
    bertpp::TextClassificationOptions o = all;
    if (raw) o.function_to_apply = bertpp::ClassificationFunction::None;
    json out = json::array();
    for (const auto& ranked : pipe(inputs, o)) {
      json list = json::array();
      for (const auto& s : ranked) list.push_back(s.to_json());
      out.push_back(list);
    }
    return out;
  };
  REQUIRE(near(server.post_json("/predict", {{"inputs", "I love this movie!"}}),
               expected({bertpp::TextInput("I love this movie!")}, false)[0]));
  REQUIRE(near(server.post_json("/predict", json::parse(R"({"inputs": ["How old are you?", "I am six."]})")),
               expected({bertpp::TextInput("How old are you?", "I am six.")}, false)[0]));
  REQUIRE(near(server.post_json("/predict", json::parse(R"({"inputs": [["Great!"], ["Bad.", "Very bad."]],
                                                            "raw_scores": true})")),
               expected({bertpp::TextInput("Great!"), bertpp::TextInput("Bad.", "Very bad.")}, true)));
  // HF's own answers, through /pipeline.
  for (const json& entry : bertpp_test::read_json(model_dir("bert-random-sst2") + "/expected_pipeline.json"))
    REQUIRE(near(server.post_json("/pipeline", entry.at("args")), entry.at("output")));
}

TEST_CASE("/rerank equals HF's CrossEncoder.rank", "[server]") {
  if (!bertpp_test::have_golden("models/cross-encoder-random")) return;
  Server server(model_dir("cross-encoder-random"));
  std::size_t checked = 0;
  for (const json& entry :
       bertpp_test::read_json(model_dir("cross-encoder-random") + "/expected_pipeline.json")) {
    if (entry.value("task", "") != "cross-encoder-rank" || !entry.at("args").at("max_length").is_null())
      continue;
    const json& args = entry.at("args");
    const json out = server.post_json("/rerank", {{"query", args.at("query")},
                                                  {"texts", args.at("documents")},
                                                  {"return_text", true}});
    const json& ranking = entry.at("output").at("ranking");
    REQUIRE(out.size() == ranking.size());
    for (std::size_t i = 0; i < ranking.size(); ++i) {
      REQUIRE(out[i].at("index") == ranking[i].at("corpus_id"));
      REQUIRE(std::fabs(out[i].at("score").get<double>() - ranking[i].at("score").get<double>()) <= 1e-5);
      REQUIRE(out[i].at("text") == args.at("documents")[ranking[i].at("corpus_id").get<std::size_t>()]);
    }
    const json raw = server.post_json("/rerank", {{"query", args.at("query")},
                                                  {"texts", args.at("documents")},
                                                  {"raw_scores", true}});
    for (const json& item : raw)
      REQUIRE(std::fabs(item.at("score").get<double>() -
                        entry.at("output").at("logits")[item.at("index").get<std::size_t>()].get<double>()) <= 1e-4);
    ++checked;
  }
  REQUIRE(checked >= 5);
  // The direct pipeline call, on texts of our own.
  const bertpp::CrossEncoderPipeline pipe(model_dir("cross-encoder-random"));
  const std::vector<std::string> passages = {"Berlin has 3.7 million people.", "  Paris is in France.",
                                             words(40, 2), "x"};
  bertpp::CrossEncoderOptions with_text;
  with_text.return_documents = true;
  json expected = json::array();
  for (const auto& hit : pipe.rank("How many people live in Berlin?", passages, with_text))
    expected.push_back({{"index", hit.corpus_id}, {"score", hit.score}, {"text", *hit.text}});
  REQUIRE(near(server.post_json("/rerank", {{"query", "How many people live in Berlin?"},
                                            {"texts", passages}, {"return_text", true}}),
               expected));
}

TEST_CASE("/pipeline answers question answering as HF does", "[server]") {
  if (!bertpp_test::have_golden("models/bert-random-squad")) return;
  Server server(model_dir("bert-random-squad"));
  for (const json& entry : bertpp_test::read_json(model_dir("bert-random-squad") + "/expected_pipeline.json"))
    REQUIRE(near(server.post_json("/pipeline", entry.at("args")), entry.at("output")));
  REQUIRE(server.post("/embed", json{{"inputs", "x"}}.dump())->status == 400);
}

TEST_CASE("32 concurrent clients x 50 requests: every answer correct, requests batched", "[server]") {
  if (!bertpp_test::have_golden("models/sentence-random")) return;
  const bertpp::SentenceEmbeddingPipeline pipe(model_dir("sentence-random"));
  Server server(model_dir("sentence-random"), {"--quiet"});
  // Mixed sizes: 1-4 texts of 1-60 words per request; each text's embedding
  // computed alone, directly.
  constexpr int kClients = 32, kRequests = 50;
  std::vector<std::string> pool;
  for (std::size_t i = 0; i < 97; ++i) pool.push_back(words(1 + (i * 13) % 60, i));
  std::vector<json> expected;
  for (const std::string& text : pool) expected.push_back(rows(pipe.encode({text}))[0]);

  std::atomic<int> ok{0}, wrong{0}, failed{0};
  std::mutex errors_mutex;
  std::map<std::string, int> errors;
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      httplib::Client client("127.0.0.1", server.port());
      client.set_keep_alive(true);
      client.set_read_timeout(60s);
      for (int r = 0; r < kRequests; ++r) {
        const std::size_t n = 1 + static_cast<std::size_t>(c + r) % 4;
        std::vector<std::size_t> picks;
        json texts = json::array();
        for (std::size_t k = 0; k < n; ++k) {
          picks.push_back(static_cast<std::size_t>(c * 31 + r * 7 + static_cast<int>(k) * 3) % pool.size());
          texts.push_back(pool[picks.back()]);
        }
        auto res = client.Post("/embed", json{{"inputs", texts}}.dump(), "application/json");
        if (!res || res->status != 200) {
          ++failed;
          std::lock_guard<std::mutex> lock(errors_mutex);
          errors[res ? "status " + std::to_string(res->status) : httplib::to_string(res.error())]++;
          continue;
        }
        const json out = json::parse(res->body);
        bool right = out.size() == n;
        for (std::size_t k = 0; right && k < n; ++k) right = near(out[k], expected[picks[k]]);
        ++(right ? ok : wrong);
      }
    });
  }
  for (auto& t : clients) t.join();
  std::string error_list;
  for (const auto& e : errors) error_list += e.first + ": " + std::to_string(e.second) + "; ";
  INFO("failures: " << error_list);
  REQUIRE(failed == 0);
  REQUIRE(wrong == 0);
  REQUIRE(ok == kClients * kRequests);
  // Some model calls merged several requests.
  const double batches = server.metric("bertpp_batch_requests_count");
  const double single = server.metric("bertpp_batch_requests_bucket{le=\"1\"}");
  INFO("batches " << batches << ", of one request " << single);
  REQUIRE(batches > 0);
  REQUIRE(single < batches);
  REQUIRE(server.metric("bertpp_requests_total{route=\"/embed\",status=\"200\"}") == kClients * kRequests);
}

TEST_CASE("overload: queue limit 8, 64 clients -> some 429s, every accepted request answered", "[server]") {
  if (!bertpp_test::have_golden("models/sentence-random")) return;
  const bertpp::SentenceEmbeddingPipeline pipe(model_dir("sentence-random"));
  Server server(model_dir("sentence-random"), {"--quiet", "--max-queue", "8", "--no-batching"});
  std::vector<std::string> texts;
  for (std::size_t i = 0; i < 32; ++i) texts.push_back(words(60, i));
  const json expected = rows(pipe.encode(texts));
  std::atomic<int> ok{0}, busy{0}, other{0}, wrong{0}, retry_after{0};
  std::mutex errors_mutex;
  std::map<std::string, int> errors;
  std::vector<std::thread> clients;
  for (int c = 0; c < 64; ++c) {
    clients.emplace_back([&] {
      auto client = server.client();
      for (int r = 0; r < 5; ++r) {
        auto res = client.Post("/embed", json{{"inputs", texts}}.dump(), "application/json");
        if (res && res->status == 200) {
          ++(near(json::parse(res->body), expected) ? ok : wrong);
        } else if (res && res->status == 429) {
          ++busy;
          if (res->get_header_value("Retry-After") == "1" &&
              json::parse(res->body).at("error_type") == "overloaded")
            ++retry_after;
        } else {
          ++other;
          std::lock_guard<std::mutex> lock(errors_mutex);
          errors[res ? "status " + std::to_string(res->status) : httplib::to_string(res.error())]++;
        }
      }
    });
  }
  for (auto& t : clients) t.join();
  INFO("ok " << ok << ", 429 " << busy << ", other " << other);
  std::string error_list;
  for (const auto& e : errors) error_list += e.first + ": " + std::to_string(e.second) + "; ";
  INFO("failures: " << error_list);
  REQUIRE(busy > 0);
  REQUIRE(retry_after == busy.load());
  REQUIRE(ok > 0);
  REQUIRE(other == 0);
  REQUIRE(wrong == 0);
  REQUIRE(ok + busy == 64 * 5);
  REQUIRE(server.metric("bertpp_rejected_total") == busy.load());
  REQUIRE(server.client().Get("/health")->status == 200);
  REQUIRE(server.stop() == 0);
}

TEST_CASE("bad input gets the right status and the server keeps serving", "[server]") {
  if (!bertpp_test::have_golden("models/sentence-random")) return;
  Server server(model_dir("sentence-random"),
                {"--max-body-bytes", "100000", "--read-timeout-ms", "1000", "--max-client-batch", "4"});
  auto status_and_type = [&](const std::string& path, const std::string& body) {
    auto res = server.post(path, body);
    REQUIRE(res);
    const json error = json::parse(res->body);
    REQUIRE(error.at("error").is_string());
    return std::make_pair(res->status, error.at("error_type").get<std::string>());
  };
  using Answer = std::pair<int, std::string>;
  REQUIRE(status_and_type("/embed", "{\"inputs\": ") == Answer{400, "validation"});
  REQUIRE(status_and_type("/embed", "[\"a\"]") == Answer{400, "validation"});
  REQUIRE(status_and_type("/embed", "{\"inputs\": 3}") == Answer{400, "validation"});
  REQUIRE(status_and_type("/embed", "{\"inputs\": [\"a\", 2]}") == Answer{400, "validation"});
  REQUIRE(status_and_type("/embed", "{\"text\": \"a\"}") == Answer{400, "validation"});
  REQUIRE(status_and_type("/embed", "{\"inputs\": \"a\", \"normalize\": \"yes\"}") == Answer{400, "validation"});
  REQUIRE(status_and_type("/embed", "{\"inputs\": []}") == Answer{400, "empty"});
  REQUIRE(status_and_type("/embed", json{{"inputs", {"a", "b", "c", "d", "e"}}}.dump()) == Answer{413, "validation"});
  REQUIRE(status_and_type("/embed", "{\"inputs\": \"caf\xff\xfe\"}") == Answer{400, "validation"});
  REQUIRE(status_and_type("/embed", std::string(5000, '[') + std::string(5000, ']')) == Answer{400, "validation"});
  REQUIRE(status_and_type("/embed", json{{"inputs", std::string(200000, 'a')}}.dump()) == Answer{413, "validation"});
  REQUIRE(status_and_type("/pipeline", "{\"inputs\": \"a\", \"no_such_argument\": 1}") == Answer{400, "validation"});
  REQUIRE(server.client().Get("/no/such/route")->status == 404);

  SECTION("a slow client holds only its own connection, then is cut off") {
    const int slow = raw_connect(server.port());
    raw_send(slow, "POST /embed HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"inp");
    REQUIRE(server.post_json("/embed", {{"inputs", "meanwhile"}}).size() == 1);
    timeval wait{5, 0};
    setsockopt(slow, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof wait);
    char buffer[256];
    const auto start = std::chrono::steady_clock::now();
    // After the read timeout: closed, or closed after a 4xx answer.
    const ssize_t got = recv(slow, buffer, sizeof buffer, 0);
    if (got > 0) REQUIRE(std::string(buffer, 10) == "HTTP/1.1 4");
    REQUIRE(std::chrono::steady_clock::now() - start < 4s);
    close(slow);
  }
  SECTION("clients that disconnect mid-request") {
    for (int i = 0; i < 20; ++i) {
      const int rude = raw_connect(server.port());
      const std::string body = json{{"inputs", json::array({words(50, 1), words(50, 2)})}}.dump();
      raw_send(rude, "POST /embed HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " +
                         std::to_string(body.size()) + "\r\n\r\n" + body.substr(0, i % 2 ? body.size() : 10));
      close(rude);
    }
    REQUIRE(server.post_json("/embed", {{"inputs", "still here"}}).size() == 1);
  }
  REQUIRE(server.client().Get("/health")->status == 200);
  REQUIRE(server.stop() == 0);
}

TEST_CASE("a request whose client hung up is dropped before compute", "[server]") {
  if (!bertpp_test::have_golden("models/sentence-random")) return;
  // The first request of a batch waits 1.5 s for company: time to hang up.
  Server server(model_dir("sentence-random"), {"--max-wait-us", "1500000"});
  const int rude = raw_connect(server.port());
  const std::string body = json{{"inputs", "never read"}}.dump();
  raw_send(rude, "POST /embed HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(body.size()) +
                     "\r\n\r\n" + body);
  std::this_thread::sleep_for(200ms);
  close(rude);
  std::this_thread::sleep_for(1800ms);
  REQUIRE(server.metric("bertpp_abandoned_total") == 1);
  REQUIRE(server.metric("bertpp_batch_requests_count") == 0);  // no model call was made
  REQUIRE(server.metric("bertpp_requests_total{route=\"/embed\",status=\"499\"}") == 1);
  REQUIRE(server.post_json("/embed", {{"inputs", "a later request"}}).size() == 1);
  REQUIRE(server.metric("bertpp_batch_requests_count") == 1);
}

TEST_CASE("API key: Bearer token required except for /health", "[server]") {
  if (!bertpp_test::have_golden("models/sentence-random")) return;
  Server server(model_dir("sentence-random"), {"--api-key", "s3cret"});
  REQUIRE(server.client().Get("/health")->status == 200);
  auto res = server.post("/embed", json{{"inputs", "a"}}.dump());
  REQUIRE(res->status == 401);
  REQUIRE(json::parse(res->body).at("error_type") == "unauthorized");
  auto client = server.client();
  client.set_bearer_token_auth("wrong");
  REQUIRE(client.Get("/info")->status == 401);
  client.set_bearer_token_auth("s3cret");
  REQUIRE(client.Get("/info")->status == 200);
  REQUIRE(client.Post("/embed", json{{"inputs", "a"}}.dump(), "application/json")->status == 200);
}

TEST_CASE("SIGTERM during load: requests in progress finish, then exit 0", "[server]") {
  if (!bertpp_test::have_golden("models/sentence-random")) return;
  const bertpp::SentenceEmbeddingPipeline pipe(model_dir("sentence-random"));
  Server server(model_dir("sentence-random"));
  std::vector<std::string> texts;
  for (std::size_t i = 0; i < 8; ++i) texts.push_back(words(40, i));
  const json expected = rows(pipe.encode(texts));
  std::atomic<bool> stop_clients{false};
  std::atomic<int> ok{0}, wrong{0}, http_errors{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < 16; ++c) {
    clients.emplace_back([&] {
      auto client = server.client();  // a new connection per request
      while (!stop_clients) {
        auto res = client.Post("/embed", json{{"inputs", texts}}.dump(), "application/json");
        if (!res) {
          if (res.error() == httplib::Error::Connection) break;  // no longer accepting
          continue;
        }
        if (res->status != 200) ++http_errors;
        else ++(near(json::parse(res->body), expected) ? ok : wrong);
      }
    });
  }
  std::this_thread::sleep_for(500ms);
  server.terminate_async();
  std::this_thread::sleep_for(3s);
  stop_clients = true;
  for (auto& t : clients) t.join();
  REQUIRE(server.stop() == 0);
  REQUIRE(http_errors == 0);
  REQUIRE(wrong == 0);
  REQUIRE(ok > 0);
  // Every request the server answered reached its client.
  const std::string log = server.log();
  std::size_t answered = 0;
  for (auto at = log.find("\"POST /embed\" 200"); at != std::string::npos;
       at = log.find("\"POST /embed\" 200", at + 1))
    ++answered;
  REQUIRE(answered == static_cast<std::size_t>(ok.load()));
  REQUIRE(log.find("SIGTERM") != std::string::npos);
}
