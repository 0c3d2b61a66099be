// bertpp-serve (`bertpp serve`): one model folder behind HTTP, with the routes
// of text-embeddings-inference and OpenAI's /v1/embeddings, dynamic batching,
// limits, Prometheus metrics and a graceful stop on SIGTERM.
//
//   bertpp serve -m DIR [--host 127.0.0.1] [--port 8080] [--threads N] ...
#include "connection_probe.hpp"
#include "service.hpp"

#include <bertpp/bertpp.hpp>
#include <bertpp/detail/json_file.hpp>

#include <httplib.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <exception>
#include <functional>
#include <iostream>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <pthread.h>
#include <sys/socket.h>

namespace {

using bertpp_server::Clock;
using bertpp_server::HttpError;
using nlohmann::json;

const char* const kUsage = R"(usage: bertpp serve -m MODEL_DIR [options]

Serves one HuggingFace model folder over HTTP (JSON in, JSON out):
  POST /embed /v1/embeddings    sentence embeddings (TEI's and OpenAI's shapes)
  POST /predict                 text classification     POST /rerank   cross-encoder ranking
  POST /pipeline                the folder's task with HF's pipeline arguments
  POST /tokenize  GET /info  GET /health  GET /metrics (Prometheus)

options:
  -m, --model DIR           the model folder
  --task NAME               pipeline task for /pipeline (default: from config.json)
  --host ADDR               address to bind (default 127.0.0.1: this machine only)
  --port N                  port (default 8080; 0 = any free port, printed at start)
  --threads N               compute threads for the model (default: all cores)
  --http-threads N          threads reading requests and writing answers (default 64)
  --max-batch-tokens N      tokens merged into one model call (default 16384)
  --max-batch-requests N    requests merged into one model call (default 256)
  --max-wait-us N           how long a request may wait for others to batch with (default 0:
                            only requests already queued are merged)
  --no-batching             one request per model call
  --max-queue N             queued requests before answering 429 (default 256)
  --max-client-batch N      inputs in one request (default 32)
  --max-body-bytes N        request body limit, larger bodies get 413 (default 2000000)
  --timeout-ms N            per-request deadline, then 504 (default 30000)
  --read-timeout-ms N       a client silent this long while sending is dropped (default 5000)
  --auto-truncate           truncate over-long inputs by default (else 413 unless "truncate": true)
  --api-key KEY             require "Authorization: Bearer KEY" (also env BERTPP_API_KEY)
  --model-id NAME           the model name /info and /v1/embeddings report (default: DIR)
  --int8                    dynamic int8 quantisation of the encoder
  -q, --quiet               no access log
)";

struct ServerOptions {
  std::string model, task, host = "127.0.0.1", api_key, model_id;
  int port = 8080;
  int threads = 0;
  int http_threads = 64;
  long timeout_ms = 30000, read_timeout_ms = 5000;
  std::size_t max_body = 2000000;
  bool quiet = false, auto_truncate = false, int8 = false;
  std::size_t max_client_batch = 32;
  bertpp_server::BatchLimits limits;
};

long whole_number(const std::string& name, const std::string& text, long min) {
  try {
    std::size_t used = 0;
    const long value = std::stol(text, &used);
    if (used == text.size() && value >= min) return value;
  } catch (const std::exception&) {
  }
  throw bertpp::ArgumentError("--" + name + " expects a whole number >= " + std::to_string(min) +
                              ", got '" + text + "'");
}

ServerOptions parse_options(int argc, char** argv) {
  ServerOptions o;
  if (const char* key = std::getenv("BERTPP_API_KEY")) o.api_key = key;
  const std::set<std::string> switches = {"no-batching", "auto-truncate", "int8", "quiet", "help"};
  for (int i = 0; i < argc; ++i) {
    std::string name = argv[i];
    if (name == "-m") name = "--model";
    if (name == "-q") name = "--quiet";
    if (name.compare(0, 2, "--") != 0)
      throw bertpp::ArgumentError("unexpected argument '" + name + "' (see --help)");
    name = name.substr(2);
    std::string value;
    const auto equals = name.find('=');
    if (equals != std::string::npos) {
      value = name.substr(equals + 1);
      name.resize(equals);
    } else if (!switches.count(name)) {
      if (i + 1 >= argc) throw bertpp::ArgumentError("option --" + name + " needs a value");
      value = argv[++i];
    }
    auto number = [&](long min) { return whole_number(name, value, min); };
    if (name == "model") o.model = value;
    else if (name == "task") o.task = value;
    else if (name == "host") o.host = value;
    else if (name == "port") o.port = static_cast<int>(number(0));
    else if (name == "threads") o.threads = static_cast<int>(number(1));
    else if (name == "http-threads") o.http_threads = static_cast<int>(number(1));
    else if (name == "max-batch-tokens") o.limits.max_batch_tokens = static_cast<std::size_t>(number(1));
    else if (name == "max-batch-requests") o.limits.max_batch_requests = static_cast<std::size_t>(number(1));
    else if (name == "max-wait-us") o.limits.max_wait = std::chrono::microseconds(number(0));
    else if (name == "no-batching") o.limits.enabled = false;
    else if (name == "max-queue") o.limits.max_queue = static_cast<std::size_t>(number(1));
    else if (name == "max-client-batch") o.max_client_batch = static_cast<std::size_t>(number(1));
    else if (name == "max-body-bytes") o.max_body = static_cast<std::size_t>(number(1));
    else if (name == "timeout-ms") o.timeout_ms = number(1);
    else if (name == "read-timeout-ms") o.read_timeout_ms = number(1);
    else if (name == "auto-truncate") o.auto_truncate = true;
    else if (name == "api-key") o.api_key = value;
    else if (name == "model-id") o.model_id = value;
    else if (name == "int8") o.int8 = true;
    else if (name == "quiet") o.quiet = true;
    else if (name == "help") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    } else {
      throw bertpp::ArgumentError("unknown option --" + name + " (see --help)");
    }
  }
  if (o.model.empty()) throw bertpp::ArgumentError("missing required option -m/--model");
  if (o.port > 65535) throw bertpp::ArgumentError("--port must be at most 65535");
  return o;
}

// Compares without an early exit, so the time taken says nothing about where
// a guessed key first differs.
bool constant_time_equal(const std::string& a, const std::string& b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (std::size_t i = 0; i < a.size(); ++i)
    diff |= static_cast<unsigned char>(a[i] ^ (i < b.size() ? b[i] : 0));
  return diff == 0;
}

void set_error(httplib::Response& res, int status, const std::string& type,
               const std::string& message) {
  res.status = status;
  // Messages may quote the request's bytes; those need not be valid UTF-8.
  res.set_content(json{{"error", message}, {"error_type", type}}.dump(-1, ' ', false,
                                                                      json::error_handler_t::replace),
                  "application/json");
}

// cpp-httplib 0.11 listens with a backlog of 5 connections (compiled into
// Debian's library): a burst of clients overflows it and the kernel resets
// their connections. Calling listen() again on the bound socket raises it.
class HttpServer : public httplib::Server {
 public:
  void set_backlog(int backlog) { ::listen(svr_sock_, backlog); }
};

// The client went away while its request waited: nobody reads the answer.
struct ClientGone {};
constexpr int kClientClosedRequest = 499;  // nginx's status for it, seen only in logs and metrics

const std::set<std::string> kRoutes = {"/embed",    "/v1/embeddings", "/predict", "/rerank",
                                       "/pipeline", "/tokenize",      "/info",    "/health",
                                       "/metrics"};

// When the current request started (set before routing, read by the logger).
thread_local Clock::time_point t_request_start;
thread_local bool t_request_started = false;

std::string utc_now() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

class Server {
 public:
  Server(const ServerOptions& options, bertpp_server::Service& service)
      : options_(options), service_(service), batcher_(options.limits, metrics_) {}

  int run() {
    const int http_threads = options_.http_threads;
    http_.new_task_queue = [http_threads] { return new httplib::ThreadPool(static_cast<size_t>(http_threads)); };
    http_.set_payload_max_length(options_.max_body);
    http_.set_read_timeout(std::chrono::milliseconds(options_.read_timeout_ms));
    http_.set_keep_alive_timeout(5);
    // Headers and body leave in separate writes: without TCP_NODELAY, Nagle's
    // algorithm holds the body until the client's delayed ACK (~40 ms).
    http_.set_tcp_nodelay(true);
    install_routes();

    int port = options_.port;
    if (port == 0) {
      port = http_.bind_to_any_port(options_.host);
      if (port < 0) return fail("cannot bind " + options_.host);
    } else if (!http_.bind_to_port(options_.host, port)) {
      return fail("cannot bind " + options_.host + ":" + std::to_string(port));
    }
    http_.set_backlog(1024);
    log("bertpp serve: " + service_.task() + " model " + service_.options().model_id +
        ", listening on http://" + options_.host + ":" + std::to_string(port));
    std::thread([this] { wait_for_stop_signal(); }).detach();
    const bool ok = http_.listen_after_bind();  // returns once stopped and every request answered
    batcher_.stop();
    log(std::string("bertpp serve: stopped") + (ok ? "" : " (listener failed)"));
    return ok ? 0 : 1;
  }

 private:
  int fail(const std::string& message) {
    log("bertpp serve: error: " + message);
    return 1;
  }

  void log(const std::string& line) {
    std::lock_guard<std::mutex> lock(log_mutex_);
    std::fprintf(stderr, "%s\n", line.c_str());
    std::fflush(stderr);
  }

  // SIGTERM/SIGINT (blocked in every thread, received here): stop accepting;
  // listen_after_bind() returns after the requests in progress are answered.
  void wait_for_stop_signal() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    int signal = 0;
    sigwait(&set, &signal);
    log(std::string("bertpp serve: ") + (signal == SIGTERM ? "SIGTERM" : "SIGINT") +
        ": no new connections; finishing the requests in progress");
    http_.stop();
  }

  json parse_body(const httplib::Request& req) {
    return bertpp::detail::parse_json_text<bertpp::ArgumentError>(req.body, "request body");
  }

  // Queues the job and waits for it: 429 when the queue is full, 504 at the
  // deadline; a client that hangs up meanwhile has its job dropped unrun.
  void await(const std::shared_ptr<bertpp_server::Job>& job, const httplib::Request& req) {
    job->deadline = Clock::now() + std::chrono::milliseconds(options_.timeout_ms);
    switch (batcher_.submit(job)) {
      case bertpp_server::Batcher::Admission::Accepted:
        break;
      case bertpp_server::Batcher::Admission::QueueFull:
        ++metrics_.rejected_full;
        throw HttpError(429, "overloaded", "the server is busy: request queue is full");
      case bertpp_server::Batcher::Admission::ShuttingDown:
        throw HttpError(503, "unhealthy", "the server is shutting down");
    }
    bertpp_server::ConnectionProbe probe(req.local_port, req.remote_addr, req.remote_port);
    constexpr auto kProbeInterval = std::chrono::milliseconds(10);
    for (;;) {
      if (job->wait_until(std::min(job->deadline, Clock::now() + kProbeInterval))) break;
      if (Clock::now() >= job->deadline) {
        job->abandoned = true;
        ++metrics_.timed_out;
        throw HttpError(504, "timeout",
                        "no answer within the deadline of " + std::to_string(options_.timeout_ms) +
                            " ms");
      }
      if (probe.client_gone()) {
        job->abandoned = true;
        throw ClientGone{};
      }
    }
    // Taken out of the job: the batcher may drop the job last, and must not
    // free the exception on its thread while this one reads it.
    if (std::exception_ptr error = std::exchange(job->error, nullptr)) std::rethrow_exception(error);
  }

  using JsonHandler = std::function<json(const httplib::Request&)>;

  httplib::Server::Handler handler(JsonHandler fn) {
    return [fn = std::move(fn)](const httplib::Request& req, httplib::Response& res) {
      try {
        const json body = fn(req);
        res.set_content(body.dump(-1, ' ', false, json::error_handler_t::replace),
                        "application/json");
      } catch (const HttpError& e) {
        set_error(res, e.status, e.type, e.what());
        if (e.status == 429) res.set_header("Retry-After", "1");
      } catch (const ClientGone&) {
        res.status = kClientClosedRequest;
      } catch (const bertpp::ArgumentError& e) {
        set_error(res, 400, "validation", e.what());
      } catch (const bertpp::TokenizerError& e) {
        set_error(res, 422, "tokenizer", e.what());
      } catch (const std::exception& e) {
        set_error(res, 500, "backend", e.what());
      }
    };
  }

  void install_routes() {
    auto& s = service_;
    http_.Post("/embed", handler([this, &s](const httplib::Request& req) {
      auto job = s.embed_job(parse_body(req), "/embed", "inputs", true);
      await(job, req);
      return bertpp_server::Service::embed_response(*job);
    }));
    http_.Post("/v1/embeddings", handler([this, &s](const httplib::Request& req) {
      std::string format;
      auto job = s.openai_job(parse_body(req), format);
      await(job, req);
      return s.openai_response(*job, format);
    }));
    http_.Post("/predict", handler([this, &s](const httplib::Request& req) {
      bool is_batch = false, raw_scores = false;
      auto job = s.predict_job(parse_body(req), is_batch, raw_scores);
      await(job, req);
      return s.predict_response(*job, is_batch, raw_scores);
    }));
    http_.Post("/rerank", handler([this, &s](const httplib::Request& req) {
      bool raw_scores = false, return_text = false;
      auto job = s.rerank_job(parse_body(req), raw_scores, return_text);
      await(job, req);
      return bertpp_server::Service::rerank_response(*job, raw_scores, return_text);
    }));
    http_.Post("/pipeline", handler([this, &s](const httplib::Request& req) {
      auto job = s.pipeline_job(parse_body(req));
      await(job, req);
      return job->result;
    }));
    http_.Post("/tokenize", handler([this, &s](const httplib::Request& req) {
      return s.tokenize(parse_body(req));
    }));
    http_.Get("/info", handler([this, &s](const httplib::Request&) {
      return s.info(batcher_.limits(), static_cast<std::size_t>(options_.http_threads));
    }));
    http_.Get("/health", [](const httplib::Request&, httplib::Response& res) {
      res.status = 200;
    });
    http_.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
      res.set_content(metrics_.render(), "text/plain; version=0.0.4");
    });

    // Before routing: note the start time; check the API key (all but /health).
    http_.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
      t_request_start = Clock::now();
      t_request_started = true;
      if (options_.api_key.empty() || req.path == "/health")
        return httplib::Server::HandlerResponse::Unhandled;
      const std::string auth = req.get_header_value("Authorization");
      const std::string prefix = "Bearer ";
      const bool ok = auth.compare(0, prefix.size(), prefix) == 0 &&
                      constant_time_equal(auth.substr(prefix.size()), options_.api_key);
      if (ok) return httplib::Server::HandlerResponse::Unhandled;
      set_error(res, 401, "unauthorized", "missing or wrong API key (Authorization: Bearer KEY)");
      res.set_header("WWW-Authenticate", "Bearer");
      return httplib::Server::HandlerResponse::Handled;
    });
    http_.set_exception_handler([](const httplib::Request&, httplib::Response& res,
                                   std::exception_ptr error) {
      try {
        std::rethrow_exception(error);
      } catch (const std::exception& e) {
        set_error(res, 500, "backend", e.what());
      } catch (...) {
        set_error(res, 500, "backend", "unknown error");
      }
    });
    // Errors httplib answers itself (404, 413, 400 for broken HTTP) get TEI's body too.
    http_.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
      if (!res.body.empty()) return;
      if (res.status == 404)
        set_error(res, 404, "not_found", "no route " + req.method + " " + req.path);
      else if (res.status == 413)
        set_error(res, 413, "validation", "request body larger than the server's limit");
      else
        set_error(res, res.status, "validation", "bad request");
    });
    // One line per answered request; the same place feeds the metrics.
    http_.set_logger([this](const httplib::Request& req, const httplib::Response& res) {
      const double seconds =
          t_request_started ? std::chrono::duration<double>(Clock::now() - t_request_start).count()
                            : 0.0;
      t_request_started = false;
      const std::string route = kRoutes.count(req.path) ? req.path : "other";
      metrics_.record_request(route, res.status, seconds);
      if (options_.quiet) return;
      char line[512];
      std::snprintf(line, sizeof line, "%s %s:%d \"%s %.200s\" %d %zu %.2fms", utc_now().c_str(),
                    req.remote_addr.c_str(), req.remote_port, req.method.c_str(),
                    req.path.c_str(), res.status, res.body.size(), seconds * 1e3);
      log(line);
    });
  }

  const ServerOptions& options_;
  bertpp_server::Service& service_;
  bertpp_server::Metrics metrics_;
  bertpp_server::Batcher batcher_;
  HttpServer http_;
  std::mutex log_mutex_;
};

}  // namespace

int main(int argc, char** argv) {
  // SIGTERM/SIGINT go to the one thread that waits for them: block them
  // before any thread starts, so every thread inherits the mask.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);  // a client gone mid-answer is an error code, not a signal
  try {
    const ServerOptions options = parse_options(argc - 1, argv + 1);
    if (options.threads > 0) bertpp::set_num_threads(options.threads);
    bertpp_server::ServiceOptions service_options;
    service_options.model_id = options.model_id;
    service_options.task = options.task;
    service_options.auto_truncate = options.auto_truncate;
    service_options.max_client_batch = options.max_client_batch;
    if (options.int8) service_options.load.quantization = bertpp::Quantization::DynamicInt8;
    bertpp_server::Service service(options.model, service_options);
    Server server(options, service);
    return server.run();
  } catch (const std::exception& e) {
    std::cerr << "bertpp serve: error: " << e.what() << '\n';
    return 1;
  }
}
