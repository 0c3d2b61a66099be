// `bertpp rerank`: passages ordered by a cross-encoder's relevance score for
// a query, as sentence-transformers' CrossEncoder.rank.
//
//   bertpp rerank -m MODEL --query Q -i passages.txt    # one line: the ranking of all passages
//   bertpp rerank -m MODEL --jsonl -i queries.jsonl     # {"query": ..., "passages": [...]} a line,
//                                                       # one ranking line each
// A ranking is [{"corpus_id": i, "score": s}, ...], best first; corpus_id is
// the passage's index (with --query: its input line - 1, so a skipped line
// never shifts the others' ids).
#pragma once

#include "command.hpp"

#include <bertpp/bertpp.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace bertpp_cli {

// Collects one {"corpus_id", "score"} per passage and writes the ranking
// of them all as one line at the end.
class RankingSink : public ResultSink {
 public:
  RankingSink(const std::string& path, std::optional<std::size_t> top_k)
      : out_(path), top_k_(top_k) {}
  void result(const nlohmann::json& value) override { hits_.push_back(value); }
  void error(std::size_t, const std::string&) override {
    throw FatalError("internal: --on-error record has no line to write with --query");
  }
  void flush() override {}
  void finish() override {
    // Best first; equal scores keep passage order (CrossEncoder.rank's stable sort).
    std::stable_sort(hits_.begin(), hits_.end(), [](const nlohmann::json& a, const nlohmann::json& b) {
      return a.at("score").get<double>() > b.at("score").get<double>();
    });
    if (top_k_ && hits_.size() > *top_k_) hits_.resize(*top_k_);
    out_.result(nlohmann::json(hits_));
    out_.finish();
  }

 private:
  JsonLinesSink out_;
  std::optional<std::size_t> top_k_;
  std::vector<nlohmann::json> hits_;
};

inline int run_rerank(const Options& options) {
  options.reject_unknown(with(model_options(), {"query", "top-k", "return-documents", "max-length",
                                                "no-truncate"}),
                         "rerank");
  const bool one_query = options.has("query");
  if (!one_query && !options.flag("jsonl"))
    throw bertpp::ArgumentError("rerank needs --query Q (the passages are the inputs) or --jsonl "
                                "lines {\"query\": ..., \"passages\": [...]}");
  if (!one_query && options.has("field"))
    throw bertpp::ArgumentError("--field names the passages' field with --query; query lines "
                                "hold \"query\" and \"passages\"");
  if (one_query && parse_on_error(options.get("on-error", "fail")) == OnError::Record)
    throw bertpp::ArgumentError("--on-error record needs one output line per input line; "
                                "with --query (one ranking line) use fail or skip");
  const std::string folder = model_folder(options);
  const auto pipe = bertpp::pipeline("cross-encoder", folder, load_options(options));
  const auto& typed = pipe.as<bertpp::CrossEncoderPipeline>();
  if (typed.num_labels() != 1)
    throw bertpp::ArgumentError(folder + ": the model has " + std::to_string(typed.num_labels()) +
                                " labels; ranking needs one (a relevance score)");
  LengthLimit length(options, "rerank", model_token_limit(typed));
  std::optional<std::size_t> top_k;
  if (options.has("top-k")) top_k = options.size("top-k", 0, 1);
  const bool with_text = options.flag("return-documents");
  auto in = open_inputs(options, "rerank", folder);
  const std::size_t batch = in.run.batch_size;

  if (one_query) {
    const std::string query = options.get("query");
    const std::string field = field_name(options, "field", "text");
    struct Passage {
      std::size_t id;
      std::string text;
    };
    RankingSink sink(options.get("output"), top_k);
    run_records<Passage>(
        in.reader, in.run, sink,
        [&](const InputRecord& record) {
          Passage p{record.line - 1, text_field(record, field)};
          length.check(typed.tokenizer().encode(query, p.text).size());
          return p;
        },
        [&](const std::vector<Passage>& passages) {
          nlohmann::json pairs = nlohmann::json::array();
          for (const Passage& p : passages) pairs.push_back({query, p.text});
          nlohmann::json args = {{"inputs", pairs}, {"max_length", length.limit()}, {"batch_size", batch}};
          const std::vector<nlohmann::json> scores = per_input(pipe.run(args), passages.size());
          std::vector<nlohmann::json> hits;
          for (std::size_t i = 0; i < passages.size(); ++i) {
            nlohmann::json hit = {{"corpus_id", passages[i].id}, {"score", scores[i]}};
            if (with_text) hit["text"] = passages[i].text;
            hits.push_back(std::move(hit));
          }
          return hits;
        });
    return 0;
  }

  struct Query {
    std::string query;
    std::vector<std::string> passages;
  };
  JsonLinesSink sink(options.get("output"));
  run_records<Query>(
      in.reader, in.run, sink,
      [&](const InputRecord& record) {
        Query q{text_field(record, "query"), {}};
        const char* key = record.value.contains("passages") ? "passages" : "documents";
        const auto it = record.value.find(key);
        if (it == record.value.end() || !it->is_array())
          throw RecordError("no list field \"passages\"");
        for (const nlohmann::json& passage : *it) {
          if (!passage.is_string())
            throw RecordError(std::string("field \"") + key + "\" holds a " + passage.type_name() +
                              ", expected strings");
          q.passages.push_back(passage.get<std::string>());
          length.check(typed.tokenizer().encode(q.query, q.passages.back()).size());
        }
        return q;
      },
      [&](const std::vector<Query>& queries) {
        std::vector<nlohmann::json> rankings;
        for (const Query& q : queries) {
          nlohmann::json args = {{"query", q.query},           {"passages", q.passages},
                                 {"return_documents", with_text}, {"max_length", length.limit()},
                                 {"batch_size", batch}};
          if (top_k) args["top_k"] = *top_k;
          rankings.push_back(pipe.run(args));
        }
        return rankings;
      });
  return 0;
}

}  // namespace bertpp_cli
