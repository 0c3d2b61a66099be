// Fuzzes the pipelines' JSON entry point, bertpp::pipeline(task, folder).run(args),
// with arbitrary argument objects: every task over its golden random model.
//
// Input layout: byte 0 picks the task (modulo the task count), the rest is
// the JSON text of the arguments. Inputs over 4 KB are skipped: long texts
// only make the model slower, not the argument handling different. The
// model folders are ../shared/golden/models/* (BERTPP_SHARED_DIR: the
// environment variable, else the path compiled in); without them the target
// stops with a message, as fuzzing nothing would pass silently.
#include "fuzz_support.hpp"

#include "bertpp/detail/json_file.hpp"
#include "bertpp/pipelines/factory.hpp"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

namespace {

std::string shared_dir() {
  if (const char* env = std::getenv("BERTPP_SHARED_DIR")) return env;
#ifdef BERTPP_SHARED_DIR
  return BERTPP_SHARED_DIR;
#else
  return "../shared";
#endif
}

const std::vector<bertpp::AnyPipeline>& pipelines() {
  static const std::vector<bertpp::AnyPipeline> all = [] {
    const std::vector<std::pair<const char*, const char*>> tasks = {
        {"text-classification", "bert-random-sst2"},
        {"token-classification", "bert-random-ner"},
        {"question-answering", "bert-random-squad"},
        {"zero-shot-classification", "bert-random-nli"},
        {"fill-mask", "bert-random-mlm"},
        {"sentence-embeddings", "sentence-random"},
        {"feature-extraction", "bert-random"},
        {"cross-encoder", "cross-encoder-random"}};
    std::vector<bertpp::AnyPipeline> list;
    for (const auto& [task, folder] : tasks) {
      const std::string dir = shared_dir() + "/golden/models/" + folder;
      if (!std::ifstream(dir + "/config.json").good()) {
        std::fprintf(stderr, "fuzz_pipeline_json: %s not found; set BERTPP_SHARED_DIR\n", dir.c_str());
        std::abort();
      }
      list.push_back(bertpp::pipeline(task, dir));
    }
    return list;
  }();
  return all;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1 || size > 4096) return 0;
  const auto& all = pipelines();
  const bertpp::AnyPipeline& pipeline = all[data[0] % all.size()];
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  nlohmann::json args;
  try {
    args = bertpp::detail::parse_json_text<bertpp::ArgumentError>(text, "arguments");
  } catch (const bertpp::Error&) {
    return 0;  // not JSON: the caller's parser refuses it
  }
  try {
    const nlohmann::json result = pipeline.run(args);
    // Whatever comes back is JSON that serialises (no NaN smuggled as garbage).
    (void)result.dump();
  } catch (const bertpp::Error&) {
    // refused with a clear message: a correct answer
  }
  return 0;
}
