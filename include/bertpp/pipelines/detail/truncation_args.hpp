// HF's tokenizer keyword arguments `truncation` / `max_length` as given to a
// pipeline call in JSON: true or a strategy name truncates, to max_length or
// else the tokenizer's model_max_length (as transformers does).
#pragma once

#include "bertpp/pipelines/detail/json_args.hpp"
#include "bertpp/tokenizer/truncation.hpp"

#include <optional>
#include <string>

namespace bertpp {
namespace detail {

inline std::optional<TruncationOptions> truncation_from_args(JsonArgs& reader,
                                                             const nlohmann::json& args,
                                                             std::size_t model_max_length) {
  const std::size_t max_length = reader.count("max_length", model_max_length);
  if (!reader.has("truncation") || args.at("truncation").is_null()) return std::nullopt;
  const nlohmann::json& value = args.at("truncation");
  TruncationOptions options;
  options.max_length = max_length;
  if (value.is_boolean()) {
    if (!value.get<bool>()) return std::nullopt;
    return options;
  }
  const std::string name = reader.as<std::string>(value, "truncation");
  if (name == "do_not_truncate") return std::nullopt;
  if (name == "longest_first") {
    options.strategy = TruncationStrategy::LongestFirst;
  } else if (name == "only_first") {
    options.strategy = TruncationStrategy::OnlyFirst;
  } else if (name == "only_second") {
    options.strategy = TruncationStrategy::OnlySecond;
  } else {
    detail::throw_error<ArgumentError>({reader.task(),
                                        ": truncation must be true/false, longest_first, "
                                        "only_first, only_second or do_not_truncate, got '",
                                        name, "'"});
  }
  return options;
}

}  // namespace detail
}  // namespace bertpp
