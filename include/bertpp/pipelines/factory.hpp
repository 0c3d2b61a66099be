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
//
// With the compiled library (bertpp::compiled) this header declares the
// factory only, so a program that just calls pipeline(...).run(...) parses
// none of the models; header-only, factory-inl.hpp brings the definitions.
#pragma once

#include "bertpp/detail/build_mode.hpp"
#include "bertpp/models/load_options.hpp"
#include "bertpp/pipelines/any_pipeline.hpp"

#include <string>
#include <vector>

namespace bertpp {

// The tasks pipeline() knows, by canonical name.
BERTPP_API const std::vector<std::string>& pipeline_tasks();

// A task name or one of HF's aliases -> the canonical name.
BERTPP_API std::string canonical_task(const std::string& task);

// The task a model folder is made for: from config.json's architectures
// (…ForSequenceClassification -> text-classification, …ForMaskedLM ->
// fill-mask, …ForQuestionAnswering, …ForTokenClassification); a bare encoder
// is sentence-embeddings when the folder has modules.json, else
// feature-extraction.
BERTPP_API std::string infer_task(const std::string& model_folder);

// Builds the pipeline for `task` (HF names and aliases) over the model folder.
BERTPP_API AnyPipeline pipeline(const std::string& task, const std::string& model_folder,
                                const LoadOptions& options = {});

// Builds the pipeline the folder's config.json calls for (see infer_task).
BERTPP_API AnyPipeline pipeline(const std::string& model_folder, const LoadOptions& options = {});

}  // namespace bertpp

#if BERTPP_HEADER_ONLY
#include "bertpp/pipelines/factory-inl.hpp"
#endif
