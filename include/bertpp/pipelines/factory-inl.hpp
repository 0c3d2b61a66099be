// Definitions of the pipeline() factory (declared in factory.hpp): inline
// header-only, compiled once in bertpp::compiled otherwise.
#pragma once

#include "bertpp/detail/json_file.hpp"
#include "bertpp/detail/string_suffix.hpp"
#include "bertpp/error.hpp"
#include "bertpp/pipelines/factory.hpp"
#include "bertpp/pipelines/cross_encoder.hpp"
#include "bertpp/pipelines/feature_extraction.hpp"
#include "bertpp/pipelines/fill_mask.hpp"
#include "bertpp/pipelines/sentence_embeddings.hpp"
#include "bertpp/pipelines/text_classification.hpp"
#include "bertpp/pipelines/zero_shot_classification.hpp"
#include "bertpp/pipelines/question_answering.hpp"
#include "bertpp/pipelines/token_classification.hpp"
// Translation needs SentencePiece (the CMake target bertpp::translation).
#ifdef BERTPP_WITH_SENTENCEPIECE
#include "bertpp/pipelines/translation.hpp"
#endif

#include <nlohmann/json.hpp>

#include <fstream>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace bertpp {

BERTPP_API const std::vector<std::string>& pipeline_tasks() {
  static const std::vector<std::string> tasks = {
      "feature-extraction",       "sentence-embeddings", "text-classification",
      "zero-shot-classification", "fill-mask",           "question-answering",
      "token-classification",     "cross-encoder",       "translation"};
  return tasks;
}

BERTPP_API std::string canonical_task(const std::string& task) {
  if (task == "sentiment-analysis") return "text-classification";
  if (task == "ner") return "token-classification";
  if (task == "sentence-similarity") return "sentence-embeddings";
  if (task == "rerank") return "cross-encoder";
  if (task.rfind("translation_", 0) == 0) return "translation";  // HF's translation_en_to_fr
  for (const std::string& known : pipeline_tasks())
    if (task == known) return task;
  std::string list;
  for (const std::string& known : pipeline_tasks()) list += (list.empty() ? "" : ", ") + known;
  detail::throw_error<ArgumentError>(
      {"unknown pipeline task '", task, "'; known: ", list,
       " (aliases: sentiment-analysis, ner, sentence-similarity, rerank, translation_xx_to_yy)"});
}

BERTPP_API std::string infer_task(const std::string& model_folder) {
  const std::string config_path = model_folder + "/config.json";
  const bool sentence_transformers = std::ifstream(model_folder + "/modules.json").good();
  // A sentence-transformers folder may keep its encoder in a subfolder.
  if (sentence_transformers && !std::ifstream(config_path).good()) return "sentence-embeddings";
  const nlohmann::json config = detail::read_json_file<LoadError>(config_path);
  if (config.is_object() && config.contains("model_type") && config["model_type"] == "marian") return "translation";
  const auto architectures =
      detail::json_field<std::vector<std::string>>(config, "architectures", {}, config_path);
  for (const std::string& name : architectures) {
    if (detail::ends_with(name, "ForSequenceClassification")) return "text-classification";
    if (detail::ends_with(name, "ForMaskedLM")) return "fill-mask";
    if (detail::ends_with(name, "ForQuestionAnswering")) return "question-answering";
    if (detail::ends_with(name, "ForTokenClassification")) return "token-classification";
  }
  return sentence_transformers ? "sentence-embeddings" : "feature-extraction";
}

namespace detail {

inline void require_head(const AutoModel& model, HeadKind kind, const std::string& task,
                         const std::string& folder) {
  if (model.has_head(kind))
    return;
  const std::string architecture = model.config().architecture();
  detail::throw_error<ConfigError>(
      {folder, ": task '", task, "' needs a ", head_kind_name(kind), " head, but the model (",
       (architecture.empty() ? "no architectures" : architecture), ") has none"});
}

}  // namespace detail

BERTPP_API AnyPipeline pipeline(const std::string& task, const std::string& model_folder,
                                const LoadOptions& options) {
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
    return AnyPipeline(name, QuestionAnsweringPipeline(tokenizer, model));
  }
  if (name == "token-classification") {
    detail::require_head(*model, HeadKind::TokenClassification, name, model_folder);
    return AnyPipeline(name, TokenClassificationPipeline(tokenizer, model));
  }
  detail::throw_error<ArgumentError>({"pipeline task '", name, "' is not available in this build"});
}

BERTPP_API AnyPipeline pipeline(const std::string& model_folder, const LoadOptions& options) {
  return pipeline(infer_task(model_folder), model_folder, options);
}

}  // namespace bertpp
