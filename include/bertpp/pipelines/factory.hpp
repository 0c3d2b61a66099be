// bertpp::pipeline(task, folder): HF's `pipeline()` factory. Returns an
// AnyPipeline whose run(json) takes HF's call arguments as JSON and returns
// what HF returns; the typed pipeline is reachable with get<T>() / as<T>().
//
//   auto classifier = bertpp::pipeline("sentiment-analysis", "models/sst2");
//   nlohmann::json out = classifier.run({{"inputs", "I love this movie!"}});
//   // [{"label": "POSITIVE", "score": 0.99}]
//   auto& typed = classifier.as<bertpp::TextClassificationPipeline>();
//
//   auto any = bertpp::pipeline("models/bert-mlm");  // task from config.json
#pragma once

#include "bertpp/detail/json_file.hpp"
#include "bertpp/error.hpp"
#include "bertpp/pipelines/cross_encoder.hpp"
#include "bertpp/pipelines/feature_extraction.hpp"
#include "bertpp/pipelines/fill_mask.hpp"
#include "bertpp/pipelines/sentence_embeddings.hpp"
#include "bertpp/pipelines/text_classification.hpp"
#include "bertpp/pipelines/zero_shot_classification.hpp"
#if __has_include("bertpp/pipelines/question_answering.hpp")
#include "bertpp/pipelines/question_answering.hpp"
#define BERTPP_HAS_QA_PIPELINE 1
#endif
// Translation needs SentencePiece (the CMake target bertpp::translation).
#ifdef BERTPP_WITH_SENTENCEPIECE
#include "bertpp/pipelines/translation.hpp"
#endif
#if __has_include("bertpp/pipelines/token_classification.hpp")
#include "bertpp/pipelines/token_classification.hpp"
#define BERTPP_HAS_NER_PIPELINE 1
#endif

#include <nlohmann/json.hpp>

#include <fstream>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace bertpp {

// The tasks pipeline() knows, by canonical name.
inline const std::vector<std::string>& pipeline_tasks() {
  static const std::vector<std::string> tasks = {
      "feature-extraction",       "sentence-embeddings", "text-classification",
      "zero-shot-classification", "fill-mask",           "question-answering",
      "token-classification",     "cross-encoder",       "translation"};
  return tasks;
}

// A task name or one of HF's aliases -> the canonical name.
inline std::string canonical_task(const std::string& task) {
  if (task == "sentiment-analysis") return "text-classification";
  if (task == "ner") return "token-classification";
  if (task == "sentence-similarity") return "sentence-embeddings";
  if (task == "rerank") return "cross-encoder";
  if (task.rfind("translation_", 0) == 0) return "translation";  // HF's translation_en_to_fr
  for (const std::string& known : pipeline_tasks())
    if (task == known) return task;
  std::string list;
  for (const std::string& known : pipeline_tasks()) list += (list.empty() ? "" : ", ") + known;
  throw ArgumentError("unknown pipeline task '" + task + "'; known: " + list +
                      " (aliases: sentiment-analysis, ner, sentence-similarity, rerank, translation_xx_to_yy)");
}

// The task a model folder is made for: from config.json's architectures
// (…ForSequenceClassification -> text-classification, …ForMaskedLM ->
// fill-mask, …ForQuestionAnswering, …ForTokenClassification); a bare encoder
// is sentence-embeddings when the folder has modules.json, else
// feature-extraction.
inline std::string infer_task(const std::string& model_folder) {
  const std::string config_path = model_folder + "/config.json";
  const bool sentence_transformers = std::ifstream(model_folder + "/modules.json").good();
  // A sentence-transformers folder may keep its encoder in a subfolder.
  if (sentence_transformers && !std::ifstream(config_path).good()) return "sentence-embeddings";
  const nlohmann::json config = detail::read_json_file<LoadError>(config_path);
  if (config.is_object() && config.contains("model_type") && config["model_type"] == "marian") return "translation";
  const auto architectures =
      detail::json_field<std::vector<std::string>>(config, "architectures", {}, config_path);
  auto ends_with = [](const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  for (const std::string& name : architectures) {
    if (ends_with(name, "ForSequenceClassification")) return "text-classification";
    if (ends_with(name, "ForMaskedLM")) return "fill-mask";
    if (ends_with(name, "ForQuestionAnswering")) return "question-answering";
    if (ends_with(name, "ForTokenClassification")) return "token-classification";
  }
  return sentence_transformers ? "sentence-embeddings" : "feature-extraction";
}

namespace detail {

template <typename P, typename = void>
struct has_json_run : std::false_type {};
template <typename P>
struct has_json_run<P, std::void_t<decltype(std::declval<const P&>().run(
                           std::declval<const nlohmann::json&>()))>> : std::true_type {};

}  // namespace detail

// Any pipeline behind one type. Cheap to copy (the pipeline is shared).
class AnyPipeline {
 public:
  template <typename P>
  AnyPipeline(std::string task, P pipeline)
      : task_(std::move(task)), impl_(std::make_shared<const Holder<P>>(std::move(pipeline))) {}

  const std::string& task() const { return task_; }

  // HF's call with its keyword arguments as a JSON object; HF's result shape.
  nlohmann::json run(const nlohmann::json& args) const { return impl_->run(args); }
  nlohmann::json operator()(const nlohmann::json& args) const { return run(args); }

  // The typed pipeline, or nullptr when this is another task's.
  template <typename P>
  const P* get() const {
    const auto* holder = dynamic_cast<const Holder<P>*>(impl_.get());
    return holder ? &holder->pipeline : nullptr;
  }

  template <typename P>
  const P& as() const {
    if (const P* p = get<P>()) return *p;
    throw ArgumentError("this is a '" + task_ + "' pipeline, not the requested type");
  }

 private:
  struct Base {
    virtual ~Base() = default;
    virtual nlohmann::json run(const nlohmann::json& args) const = 0;
  };
  template <typename P>
  struct Holder final : Base {
    explicit Holder(P p) : pipeline(std::move(p)) {}
    nlohmann::json run(const nlohmann::json& args) const override {
      if constexpr (has_run) {
        return pipeline.run(args);
      } else {
        (void)args;
        throw ArgumentError("this pipeline has no JSON entry point");
      }
    }
    static constexpr bool has_run = detail::has_json_run<P>::value;
    P pipeline;
  };

  std::string task_;
  std::shared_ptr<const Base> impl_;
};

namespace detail {

inline void require_head(const AutoModel& model, HeadKind kind, const std::string& task,
                         const std::string& folder) {
  if (model.has_head(kind))
    return;
  const std::string architecture = model.config().architecture();
  throw ConfigError(folder + ": task '" + task + "' needs a " + head_kind_name(kind) +
                    " head, but the model (" + (architecture.empty() ? "no architectures" : architecture) +
                    ") has none");
}

}  // namespace detail

// Builds the pipeline for `task` (HF names and aliases) over the model folder.
inline AnyPipeline pipeline(const std::string& task, const std::string& model_folder,
                            const LoadOptions& options = {}) {
  const std::string name = canonical_task(task);
  if (name == "sentence-embeddings")
    return AnyPipeline(name, SentenceEmbeddingPipeline(model_folder, options));
  if (name == "translation") {
#ifdef BERTPP_WITH_SENTENCEPIECE
    return AnyPipeline(name, TranslationPipeline(model_folder, options));
#else
    throw ArgumentError("pipeline task 'translation' needs SentencePiece: install libsentencepiece-dev "
                        "(bash third_party/install-deps.sh) and link the CMake target bertpp::translation");
#endif
  }
  auto tokenizer =
      std::make_shared<const Tokenizer>(Tokenizer::from_folder(model_folder));
  auto model = std::make_shared<const AutoModel>(AutoModel::from_folder(model_folder, options));
  if (name == "feature-extraction")
    return AnyPipeline(name, FeatureExtractionPipeline(tokenizer, model));
  if (name == "text-classification" || name == "zero-shot-classification") {
    detail::require_head(*model, HeadKind::SequenceClassification, name, model_folder);
    if (name == "text-classification")
      return AnyPipeline(name, TextClassificationPipeline(tokenizer, model));
    return AnyPipeline(name, ZeroShotClassificationPipeline(tokenizer, model));
  }
  if (name == "cross-encoder") {
    detail::require_head(*model, HeadKind::SequenceClassification, name, model_folder);
    return AnyPipeline(name, CrossEncoderPipeline(tokenizer, model));
  }
  if (name == "fill-mask") {
    detail::require_head(*model, HeadKind::MaskedLM, name, model_folder);
    return AnyPipeline(name, FillMaskPipeline(tokenizer, model));
  }
  if (name == "question-answering") {
    detail::require_head(*model, HeadKind::QuestionAnswering, name, model_folder);
#ifdef BERTPP_HAS_QA_PIPELINE
    return AnyPipeline(name, QuestionAnsweringPipeline(tokenizer, model));
#endif
  }
  if (name == "token-classification") {
    detail::require_head(*model, HeadKind::TokenClassification, name, model_folder);
#ifdef BERTPP_HAS_NER_PIPELINE
    return AnyPipeline(name, TokenClassificationPipeline(tokenizer, model));
#endif
  }
  throw ArgumentError("pipeline task '" + name + "' is not available in this build");
}

// Builds the pipeline the folder's config.json calls for (see infer_task).
inline AnyPipeline pipeline(const std::string& model_folder, const LoadOptions& options = {}) {
  return pipeline(infer_task(model_folder), model_folder, options);
}

}  // namespace bertpp
