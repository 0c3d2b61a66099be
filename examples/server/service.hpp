// What the server does with a request, apart from HTTP: one model folder
// loaded once, the JSON shapes of text-embeddings-inference (TEI) and OpenAI,
// and the job kinds the batcher merges into one model call.
#pragma once

#include "batcher.hpp"

#include <bertpp/bertpp.hpp>
#include <bertpp/pipelines/detail/classification.hpp>
#include <bertpp/pipelines/detail/model_labels.hpp>
#include <bertpp/pipelines/detail/pooling.hpp>
#include <bertpp/pipelines/detail/python_text.hpp>
#include <bertpp/pipelines/detail/scores.hpp>
#include <bertpp/pipelines/cross_encoder.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace bertpp_server {

using nlohmann::json;

// An answer other than 200: HTTP status plus TEI's {"error", "error_type"}.
struct HttpError : std::runtime_error {
  HttpError(int status, std::string type, const std::string& message)
      : std::runtime_error(message), status(status), type(std::move(type)) {}
  int status;
  std::string type;
};

inline HttpError validation(const std::string& message) { return {400, "validation", message}; }

struct ServiceOptions {
  std::string model_id;                 // the name /info and /v1/embeddings report
  std::string task;                     // "" = what the folder's config says
  bool auto_truncate = false;           // the default of `truncate`
  std::size_t max_client_batch = 32;    // inputs in one request (TEI's default)
  bertpp::LoadOptions load;
};

// Reads one request's fields with clear 400s for missing or mistyped ones.
class Fields {
 public:
  Fields(const json& body, const std::string& route) : body_(body), route_(route) {
    if (!body.is_object()) throw validation(route + ": the request body must be a JSON object");
  }
  bool has(const char* name) const { return body_.contains(name) && !body_.at(name).is_null(); }
  const json& required(const char* name) const {
    if (!has(name)) throw validation(route_ + ": missing field '" + name + "'");
    return body_.at(name);
  }
  bool flag(const char* name, bool fallback) const {
    if (!has(name)) return fallback;
    if (!body_.at(name).is_boolean())
      throw validation(route_ + ": field '" + name + "' must be true or false");
    return body_.at(name).get<bool>();
  }
  std::string string(const json& value, const std::string& what) const {
    if (!value.is_string()) throw validation(route_ + ": " + what + " must be a string");
    return value.get<std::string>();
  }
  // str | [str] -> the texts and whether a list was given.
  std::pair<std::vector<std::string>, bool> texts(const char* name, std::size_t max_count) const {
    const json& value = required(name);
    std::vector<std::string> out;
    if (value.is_string()) return {{value.get<std::string>()}, false};
    if (!value.is_array())
      throw validation(route_ + ": field '" + name + "' must be a string or a list of strings");
    for (const json& item : value) out.push_back(string(item, std::string("each item of '") + name + "'"));
    check_count(out.size(), max_count);
    return {std::move(out), true};
  }
  void check_count(std::size_t count, std::size_t max_count) const {
    if (count == 0) throw HttpError(400, "empty", route_ + ": the batch is empty");
    if (count > max_count)
      throw HttpError(413, "validation",
                      route_ + ": batch size " + std::to_string(count) +
                          " is larger than the maximum client batch size " +
                          std::to_string(max_count));
  }
  const std::string& route() const { return route_; }

 private:
  const json& body_;
  std::string route_;
};

// ---- Job kinds -------------------------------------------------------------

struct EmbedJob : Job {
  std::vector<std::string> texts;
  bool normalize = true;
  bertpp::Matrix embeddings;  // result: [texts, dimension]
};

struct EmbedKind final : JobKind {
  explicit EmbedKind(const bertpp::SentenceEmbeddingPipeline& pipe) : pipe(pipe) {}
  // One packed forward pass over every text of every job.
  void run(const std::vector<Job*>& jobs) const override {
    std::vector<std::string> texts;
    for (Job* job : jobs)
      for (const std::string& t : static_cast<EmbedJob*>(job)->texts) texts.push_back(t);
    bertpp::SentenceEmbeddingOptions options;
    options.batch.batch_size = texts.size();
    const bertpp::Matrix all = pipe.encode(texts, options);
    Eigen::Index row = 0;
    for (Job* job : jobs) {
      auto& e = *static_cast<EmbedJob*>(job);
      const auto n = static_cast<Eigen::Index>(e.texts.size());
      e.embeddings = all.middleRows(row, n);
      row += n;
      if (e.normalize) bertpp::detail::normalize_rows(e.embeddings);
    }
  }
  const bertpp::SentenceEmbeddingPipeline& pipe;
};

// Sequence-classification logits of texts or pairs (/predict and /rerank).
struct LogitsJob : Job {
  std::vector<bertpp::TextInput> sequences;
  std::vector<std::string> texts;  // /rerank: the passages as sent, for return_text
  bertpp::Matrix logits;           // result: [sequences, num_labels]
};

struct LogitsKind final : JobKind {
  LogitsKind(const bertpp::TextClassificationPipeline& pipe, std::size_t max_length)
      : pipe(pipe), max_length(max_length) {}
  void run(const std::vector<Job*>& jobs) const override {
    std::vector<bertpp::TextInput> inputs;
    for (Job* job : jobs)
      for (const auto& in : static_cast<LogitsJob*>(job)->sequences) inputs.push_back(in);
    const bertpp::Matrix all = pipe.logits(inputs, options(inputs.size()));
    Eigen::Index row = 0;
    for (Job* job : jobs) {
      auto& l = *static_cast<LogitsJob*>(job);
      const auto n = static_cast<Eigen::Index>(l.sequences.size());
      l.logits = all.middleRows(row, n);
      row += n;
    }
  }
  // Truncation to the model's length: a no-op for inputs that fit (the
  // others were refused unless the request asked to truncate).
  bertpp::TextClassificationOptions options(std::size_t batch) const {
    bertpp::TextClassificationOptions o;
    o.top_k = std::nullopt;
    bertpp::TruncationOptions t;
    t.max_length = max_length;
    t.strategy = bertpp::TruncationStrategy::LongestFirst;
    o.truncation = t;
    o.batch.batch_size = std::max<std::size_t>(batch, 1);
    return o;
  }
  const bertpp::TextClassificationPipeline& pipe;
  std::size_t max_length;
};

// Query-passage relevance logits from the cross-encoder pipeline (/rerank).
struct RerankKind final : JobKind {
  RerankKind(const bertpp::CrossEncoderPipeline& pipe, std::size_t max_length)
      : pipe(pipe), max_length(max_length) {}
  void run(const std::vector<Job*>& jobs) const override {
    std::vector<std::pair<std::string, std::string>> pairs;
    for (Job* job : jobs)
      for (const auto& in : static_cast<LogitsJob*>(job)->sequences)
        pairs.emplace_back(in.text, *in.text_pair);
    bertpp::CrossEncoderOptions options;
    options.apply_activation = false;
    options.max_length = max_length;
    options.batch_size = std::max<std::size_t>(pairs.size(), 1);
    const auto all = pipe.predict(pairs, options);
    std::size_t row = 0;
    for (Job* job : jobs) {
      auto& l = *static_cast<LogitsJob*>(job);
      l.logits.resize(static_cast<Eigen::Index>(l.sequences.size()), 1);
      for (Eigen::Index i = 0; i < l.logits.rows(); ++i) l.logits(i, 0) = all[row++].at(0);
    }
  }
  const bertpp::CrossEncoderPipeline& pipe;
  std::size_t max_length;
};

// Any pipeline's JSON call (/pipeline): runs alone, in arrival order.
struct PipelineJob : Job {
  json args;
  json result;
};

struct PipelineKind final : JobKind {
  explicit PipelineKind(const bertpp::AnyPipeline& pipe) : pipe(pipe) {}
  void run(const std::vector<Job*>& jobs) const override {
    for (Job* job : jobs) {
      auto& p = *static_cast<PipelineJob*>(job);
      p.result = pipe.run(p.args);
    }
  }
  bool mergeable() const override { return false; }
  const bertpp::AnyPipeline& pipe;
};

// ---- The service -----------------------------------------------------------

class Service {
 public:
  Service(const std::string& folder, ServiceOptions options)
      : options_(std::move(options)) {
    task_ = bertpp::canonical_task(options_.task.empty() ? bertpp::infer_task(folder)
                                                         : options_.task);
    if (options_.model_id.empty()) options_.model_id = folder;
    if (task_ == "sentence-embeddings" || task_ == "feature-extraction") {
      // A plain HF folder gets mean pooling, as sentence-transformers does.
      embed_.emplace(folder, options_.load);
      generic_.emplace(task_, task_ == "sentence-embeddings"
                                  ? bertpp::AnyPipeline(task_, *embed_)
                                  : bertpp::AnyPipeline(task_, bertpp::FeatureExtractionPipeline(
                                                                   embed_->shared_tokenizer(),
                                                                   embed_->shared_model())));
      embed_kind_ = std::make_unique<EmbedKind>(*embed_);
      max_input_length_ = embed_->max_seq_length();
    } else if (task_ == "text-classification" || task_ == "cross-encoder") {
      classify_.emplace(folder, options_.load);
      if (!classify_->model().has_head(bertpp::HeadKind::SequenceClassification))
        throw bertpp::ConfigError(folder + ": " + task_ + " needs a classification head");
      max_input_length_ = model_max_length(*classify_);
      logits_kind_ = std::make_unique<LogitsKind>(*classify_, max_input_length_);
      // A one-label model is a reranker too; every pipeline shares one model.
      if (classify_->model().config().num_labels == 1 || task_ == "cross-encoder") {
        cross_encoder_.emplace(classify_->shared_tokenizer(), classify_->shared_model());
        rerank_kind_ = std::make_unique<RerankKind>(*cross_encoder_, max_input_length_);
      }
      if (task_ == "cross-encoder")
        generic_.emplace(task_, *cross_encoder_);
      else
        generic_.emplace(task_, *classify_);
    } else {
      generic_.emplace(bertpp::pipeline(task_, folder, options_.load));
    }
    pipeline_kind_ = std::make_unique<PipelineKind>(*generic_);
    tokenizer_ = embed_ ? embed_->shared_tokenizer()
                        : classify_ ? classify_->shared_tokenizer()
                                    : std::make_shared<const bertpp::WordPieceTokenizer>(
                                          bertpp::WordPieceTokenizer::from_folder(folder));
  }

  const std::string& task() const { return task_; }
  const ServiceOptions& options() const { return options_; }
  std::size_t max_input_length() const { return max_input_length_; }
  bool serves_embeddings() const { return embed_.has_value(); }
  bool serves_predict() const { return classify_.has_value(); }
  bool serves_rerank() const {
    return cross_encoder_.has_value() && cross_encoder_->num_labels() == 1;
  }

  // ---- Request -> job (runs on HTTP threads) -------------------------------

  // TEI /embed: {"inputs": str | [str], "normalize": true, "truncate": false}.
  std::shared_ptr<EmbedJob> embed_job(const json& body, const std::string& route,
                                      const char* field, bool default_normalize) const {
    if (!embed_) throw not_served(route);
    Fields f(body, route);
    auto job = std::make_shared<EmbedJob>();
    job->kind = embed_kind_.get();
    job->texts = f.texts(field, options_.max_client_batch).first;
    job->normalize = f.flag("normalize", default_normalize);
    const bool truncate = f.flag("truncate", options_.auto_truncate);
    job->inputs = job->texts.size();
    for (const std::string& text : job->texts) {
      std::string prepared = bertpp::detail::python_strip(text);
      if (embed_->config().do_lower_case) prepared = bertpp::detail::python_lower(prepared);
      job->tokens += checked_length(tokenizer_->encode(prepared).size(), truncate, route);
    }
    return job;
  }

  // TEI /embed's answer: one list of numbers per input, always a list of lists.
  static json embed_response(const EmbedJob& job) {
    json out = json::array();
    for (Eigen::Index r = 0; r < job.embeddings.rows(); ++r) out.push_back(row(job.embeddings, r));
    return out;
  }

  // OpenAI /v1/embeddings: {"input": str | [str], "model", "encoding_format"}.
  std::shared_ptr<EmbedJob> openai_job(const json& body, std::string& encoding_format) const {
    Fields f(body, "/v1/embeddings");
    encoding_format = f.has("encoding_format")
                          ? f.string(body.at("encoding_format"), "field 'encoding_format'")
                          : "float";
    if (encoding_format != "float" && encoding_format != "base64")
      throw validation("/v1/embeddings: encoding_format must be 'float' or 'base64'");
    if (f.has("model")) f.string(body.at("model"), "field 'model'");
    if (f.has("dimensions")) throw validation("/v1/embeddings: 'dimensions' is not supported");
    return embed_job(body, "/v1/embeddings", "input", true);
  }

  json openai_response(const EmbedJob& job, const std::string& encoding_format) const {
    json data = json::array();
    for (Eigen::Index r = 0; r < job.embeddings.rows(); ++r) {
      json embedding = encoding_format == "base64" ? json(base64_floats(job.embeddings, r))
                                                   : row(job.embeddings, r);
      data.push_back({{"object", "embedding"}, {"index", r}, {"embedding", std::move(embedding)}});
    }
    return {{"object", "list"},
            {"data", std::move(data)},
            {"model", options_.model_id},
            {"usage", {{"prompt_tokens", job.tokens}, {"total_tokens", job.tokens}}}};
  }

  // TEI /predict: {"inputs": str | [str, str] | [[str] | [str, str], ...],
  // "raw_scores": false, "truncate": false}.
  std::shared_ptr<LogitsJob> predict_job(const json& body, bool& is_batch, bool& raw_scores) const {
    const std::string route = "/predict";
    if (!classify_) throw not_served(route);
    Fields f(body, route);
    const json& inputs = f.required("inputs");
    raw_scores = f.flag("raw_scores", false);
    const bool truncate = f.flag("truncate", options_.auto_truncate);
    auto job = std::make_shared<LogitsJob>();
    job->kind = logits_kind_.get();
    // A string or a list of strings is one sequence; a list of lists a batch.
    is_batch = inputs.is_array() && !inputs.empty() && inputs.front().is_array();
    if (is_batch) {
      f.check_count(inputs.size(), options_.max_client_batch);
      for (const json& item : inputs) job->sequences.push_back(sequence(item, route));
    } else {
      job->sequences.push_back(sequence(inputs, route));
    }
    count_tokens(*job, truncate, route);
    return job;
  }

  json predict_response(const LogitsJob& job, bool is_batch, bool raw_scores) const {
    const auto& config = classify_->model().config();
    const auto function = raw_scores ? bertpp::ClassificationFunction::None
                                     : bertpp::detail::resolve_classification_function(
                                           bertpp::ClassificationFunction::Default,
                                           bertpp::detail::problem_type(config),
                                           static_cast<std::size_t>(job.logits.cols()));
    json out = json::array();
    for (Eigen::Index r = 0; r < job.logits.rows(); ++r) {
      const bertpp::Vector logits = job.logits.row(r);  // contiguous
      json ranked = json::array();
      for (const auto& s : bertpp::detail::rank_labels(
               logits.data(), static_cast<std::size_t>(logits.size()),
               bertpp::detail::id2label_names(config), function, std::nullopt))
        ranked.push_back({{"label", s.label}, {"score", static_cast<double>(s.score)}});
      out.push_back(std::move(ranked));
    }
    return is_batch ? out : out.front();
  }

  // TEI /rerank: {"query", "texts", "raw_scores": false, "return_text": false,
  // "truncate": false} -> [{"index", "score", "text"?}], best first.
  std::shared_ptr<LogitsJob> rerank_job(const json& body, bool& raw_scores,
                                        bool& return_text) const {
    const std::string route = "/rerank";
    if (!serves_rerank()) throw not_served(route);
    Fields f(body, route);
    const std::string query = f.string(f.required("query"), "field 'query'");
    const auto texts = f.texts("texts", options_.max_client_batch).first;
    raw_scores = f.flag("raw_scores", false);
    return_text = f.flag("return_text", false);
    const bool truncate = f.flag("truncate", options_.auto_truncate);
    auto job = std::make_shared<LogitsJob>();
    job->kind = rerank_kind_.get();
    // Counted as the cross-encoder sees them: stripped (sentence-transformers' CrossEncoder).
    const std::string stripped_query = bertpp::detail::python_strip(query);
    for (const std::string& text : texts)
      job->sequences.emplace_back(stripped_query, bertpp::detail::python_strip(text));
    count_tokens(*job, truncate, route);
    job->texts = texts;
    return job;
  }

  static json rerank_response(const LogitsJob& job, bool raw_scores, bool return_text) {
    std::vector<std::pair<std::size_t, float>> scored;
    for (Eigen::Index r = 0; r < job.logits.rows(); ++r) {
      const float logit = job.logits(r, 0);
      scored.emplace_back(static_cast<std::size_t>(r),
                          raw_scores ? logit : bertpp::detail::sigmoid(logit));
    }
    std::stable_sort(scored.begin(), scored.end(),
                     [](const auto& a, const auto& b) { return a.second > b.second; });
    json out = json::array();
    for (const auto& s : scored) {
      json item = {{"index", s.first}, {"score", static_cast<double>(s.second)}};
      if (return_text) item["text"] = job.texts[s.first];
      out.push_back(std::move(item));
    }
    return out;
  }

  // /pipeline: the folder's task called with HF's arguments.
  std::shared_ptr<PipelineJob> pipeline_job(const json& body) const {
    if (!body.is_object()) throw validation("/pipeline: the request body must be a JSON object");
    auto job = std::make_shared<PipelineJob>();
    job->kind = pipeline_kind_.get();
    job->args = body;
    return job;
  }

  // TEI /tokenize: {"inputs": str | [str], "add_special_tokens": true} ->
  // per input a list of {"id", "text", "special", "start", "stop"} (byte offsets).
  json tokenize(const json& body) const {
    Fields f(body, "/tokenize");
    const auto texts = f.texts("inputs", options_.max_client_batch).first;
    bertpp::EncodeOptions options;
    options.add_special_tokens = f.flag("add_special_tokens", true);
    json out = json::array();
    for (const std::string& text : texts) {
      const bertpp::Encoding e = tokenizer_->encode(text, options);
      json tokens = json::array();
      for (std::size_t i = 0; i < e.size(); ++i) {
        const bool special = e.special_tokens_mask[i] != 0;
        json token = {{"id", e.ids[i]}, {"special", special}};
        if (special) {
          token["text"] = e.tokens[i];
          token["start"] = nullptr;
          token["stop"] = nullptr;
        } else {
          const auto& o = e.byte_offsets[i];
          token["text"] = text.substr(o.begin, o.end - o.begin);
          token["start"] = o.begin;
          token["stop"] = o.end;
        }
        tokens.push_back(std::move(token));
      }
      out.push_back(std::move(tokens));
    }
    return out;
  }

  // TEI /info, plus the task and routes this folder serves.
  json info(const BatchLimits& limits, std::size_t http_threads) const {
    json model_type;
    if (embed_) {
      model_type = {{"embedding", {{"pooling", pooling_name()}}}};
    } else if (classify_) {
      const auto& config = classify_->model().config();
      json id2label = json::object(), label2id = json::object();
      const auto names = bertpp::detail::id2label_names(config);
      for (Eigen::Index i = 0; i < config.num_labels; ++i) {
        const std::string name = bertpp::detail::label_name(names, static_cast<std::size_t>(i));
        id2label[std::to_string(i)] = name;
        label2id[name] = i;
      }
      model_type = {{serves_rerank() ? "reranker" : "classifier",
                     {{"id2label", id2label}, {"label2id", label2id}}}};
    } else {
      model_type = {{"pipeline", {{"task", task_}}}};
    }
    json routes = {"/pipeline", "/tokenize", "/info", "/health", "/metrics"};
    if (embed_) routes.insert(routes.begin(), {"/embed", "/v1/embeddings"});
    if (classify_) routes.insert(routes.begin(), "/predict");
    if (serves_rerank()) routes.insert(routes.begin(), "/rerank");
    return {{"model_id", options_.model_id},
            {"model_sha", nullptr},
            {"model_dtype", options_.load.quantization == bertpp::Quantization::DynamicInt8
                                ? "int8"
                                : "float32"},
            {"model_type", model_type},
            {"task", task_},
            {"routes", routes},
            {"max_concurrent_requests", limits.max_queue},
            {"max_input_length", max_input_length_},
            {"max_batch_tokens", limits.max_batch_tokens},
            {"max_batch_requests", limits.enabled ? limits.max_batch_requests : 1},
            {"max_client_batch_size", options_.max_client_batch},
            {"auto_truncate", options_.auto_truncate},
            {"tokenization_workers", http_threads},
            {"version", BERTPP_VERSION_STRING}};
  }

  // Token count of one input after the truncation the request allows.
  std::size_t checked_length(std::size_t tokens, bool truncate, const std::string& route) const {
    if (tokens <= max_input_length_) return tokens;
    if (truncate) return max_input_length_;
    throw HttpError(413, "validation",
                    route + ": input has " + std::to_string(tokens) +
                        " tokens, more than the model's maximum of " +
                        std::to_string(max_input_length_) + " (send \"truncate\": true to cut it)");
  }

  const bertpp::WordPieceTokenizer& tokenizer() const { return *tokenizer_; }

  // Each sequence's token count (pairs as the model sees them), checked
  // against the model's length.
  void count_tokens(LogitsJob& job, bool truncate, const std::string& route) const {
    job.inputs = job.sequences.size();
    for (const bertpp::TextInput& in : job.sequences) {
      const std::size_t n = in.text_pair ? tokenizer_->encode(in.text, *in.text_pair).size()
                                         : tokenizer_->encode(in.text).size();
      job.tokens += checked_length(n, truncate, route);
    }
  }

 private:
  static std::size_t model_max_length(const bertpp::Pipeline& pipe) {
    return std::min<std::size_t>(
        static_cast<std::size_t>(pipe.model().config().max_sequence_length()),
        pipe.tokenizer().options().model_max_length);
  }

  HttpError not_served(const std::string& route) const {
    return {400, "validation",
            route + ": this model's task is " + task_ + "; it does not serve " + route};
  }

  static bertpp::TextInput sequence(const json& item, const std::string& route) {
    if (item.is_string()) return bertpp::TextInput(item.get<std::string>());
    if (item.is_array() && !item.empty() && item.size() <= 2 &&
        std::all_of(item.begin(), item.end(), [](const json& s) { return s.is_string(); }))
      return item.size() == 1 ? bertpp::TextInput(item[0].get<std::string>())
                              : bertpp::TextInput(item[0].get<std::string>(),
                                                  item[1].get<std::string>());
    throw validation(route + ": each input must be a string or a list of one or two strings");
  }

  std::string pooling_name() const {
    const auto& p = embed_->config().pooling;
    if (p.cls_token) return "cls";
    if (p.max_tokens) return "max";
    if (p.mean_sqrt_len_tokens) return "mean_sqrt_len";
    return "mean";
  }

  static json row(const bertpp::Matrix& m, Eigen::Index r) {
    json out = json::array();
    for (Eigen::Index c = 0; c < m.cols(); ++c) out.push_back(static_cast<double>(m(r, c)));
    return out;
  }

  // OpenAI's base64 format: the little-endian float32 bytes of the vector.
  static std::string base64_floats(const bertpp::Matrix& m, Eigen::Index r) {
    static const char* const digits =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string bytes;
    for (Eigen::Index c = 0; c < m.cols(); ++c) {
      const float v = m(r, c);
      unsigned char b[4];
      std::memcpy(b, &v, 4);  // x86-64 is little-endian
      bytes.append(reinterpret_cast<const char*>(b), 4);
    }
    std::string out;
    for (std::size_t i = 0; i < bytes.size(); i += 3) {
      const std::size_t n = std::min<std::size_t>(3, bytes.size() - i);
      std::uint32_t v = 0;
      for (std::size_t k = 0; k < 3; ++k)
        v = (v << 8) | (k < n ? static_cast<unsigned char>(bytes[i + k]) : 0u);
      for (std::size_t k = 0; k < 4; ++k)
        out.push_back(k <= n ? digits[(v >> (18 - 6 * k)) & 63] : '=');
    }
    return out;
  }

  ServiceOptions options_;
  std::string task_;
  std::size_t max_input_length_ = 512;
  std::optional<bertpp::SentenceEmbeddingPipeline> embed_;
  std::optional<bertpp::TextClassificationPipeline> classify_;
  std::optional<bertpp::CrossEncoderPipeline> cross_encoder_;
  std::unique_ptr<RerankKind> rerank_kind_;
  std::optional<bertpp::AnyPipeline> generic_;
  std::shared_ptr<const bertpp::WordPieceTokenizer> tokenizer_;
  std::unique_ptr<EmbedKind> embed_kind_;
  std::unique_ptr<LogitsKind> logits_kind_;
  std::unique_ptr<PipelineKind> pipeline_kind_;
};

}  // namespace bertpp_server
