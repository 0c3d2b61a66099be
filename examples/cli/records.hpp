// One policy for every per-record problem of every command (--on-error):
// a line that cannot be read, a JSON line without the field, a text the
// model refuses. `fail` (default) stops with FILE:LINE and the reason after
// writing every earlier result; `skip` warns with FILE:LINE and goes on;
// `record` writes {"error": ..., "line": N} in the result's place, so output
// line N still belongs to input line N.
//
// run_records() drives a command: read a batch of records, `prepare` each
// (a throw there is that record's error), `process` the prepared batch in one
// call (on a throw, each item is retried alone so the fault lands on its own
// line), then write results in input order.
#pragma once

#include "input_reader.hpp"
#include "output.hpp"
#include "progress.hpp"

#include <bertpp/error.hpp>

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstddef>
#include <exception>
#include <iostream>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace bertpp_cli {

enum class OnError { Fail, Skip, Record };

inline OnError parse_on_error(const std::string& name) {
  if (name == "fail") return OnError::Fail;
  if (name == "skip") return OnError::Skip;
  if (name == "record") return OnError::Record;
  throw bertpp::ArgumentError("--on-error must be fail, skip or record, got '" + name + "'");
}

// A problem with one input record (its text, its fields): handled by the policy.
class RecordError : public bertpp::ArgumentError {
 public:
  using bertpp::ArgumentError::ArgumentError;
};

struct RecordRun {
  std::string command;       // for warnings: "bertpp <command>: warning: ..."
  std::string model;         // named when the model's outputs are not finite
  OnError on_error = OnError::Fail;
  std::size_t batch_size = 32;
  bool quiet = false;
};

struct RecordCounts {
  std::size_t records = 0;  // input records read
  std::size_t results = 0;  // results written
  std::size_t skipped = 0;  // --on-error skip
  std::size_t errors = 0;   // --on-error record
};

namespace detail {

inline bool all_finite(const nlohmann::json& value) {
  if (value.is_number_float()) return std::isfinite(value.get<double>());
  if (value.is_array() || value.is_object()) {
    for (const nlohmann::json& item : value)
      if (!all_finite(item)) return false;
  }
  return true;
}

}  // namespace detail

// Item: what `prepare` makes of one record. prepare: (const InputRecord&) -> Item.
// process: (const std::vector<Item>&) -> std::vector<nlohmann::json>, one result per item.
template <typename Item, typename Prepare, typename Process>
RecordCounts run_records(InputReader& reader, const RecordRun& run, ResultSink& sink,
                         Prepare&& prepare, Process&& process) {
  RecordCounts counts;
  Progress progress(run.quiet);
  std::vector<InputRecord> batch;
  while (reader.next_batch(batch, run.batch_size)) {
    counts.records += batch.size();
    std::vector<std::string> errors(batch.size());
    std::vector<std::optional<nlohmann::json>> results(batch.size());
    std::vector<Item> items;
    std::vector<std::size_t> positions;  // batch index of each item
    for (std::size_t i = 0; i < batch.size(); ++i) {
      if (!batch[i].error.empty()) {
        errors[i] = batch[i].error;
        continue;
      }
      try {
        items.push_back(prepare(batch[i]));
        positions.push_back(i);
      } catch (const FatalError&) {
        throw;
      } catch (const std::exception& e) {
        errors[i] = e.what();
      }
    }

    auto call = [&](const std::vector<Item>& some) {
      std::vector<nlohmann::json> out = process(some);
      if (out.size() != some.size())
        throw FatalError("internal: " + std::to_string(out.size()) + " results for " +
                         std::to_string(some.size()) + " inputs");
      return out;
    };
    if (!items.empty()) {
      try {
        std::vector<nlohmann::json> out = call(items);
        for (std::size_t k = 0; k < items.size(); ++k) results[positions[k]] = std::move(out[k]);
      } catch (const FatalError&) {
        throw;
      } catch (const std::exception& batch_error) {
        if (items.size() == 1) {
          errors[positions[0]] = batch_error.what();
        } else {  // find the culprit(s): one item at a time
          for (std::size_t k = 0; k < items.size(); ++k) {
            try {
              results[positions[k]] = std::move(call({items[k]}).front());
            } catch (const FatalError&) {
              throw;
            } catch (const std::exception& e) {
              errors[positions[k]] = e.what();
              if (run.on_error == OnError::Fail) break;  // nothing after it is written
            }
          }
        }
      }
    }

    for (std::size_t i = 0; i < batch.size(); ++i) {
      const std::string where = reader.where(batch[i].line);
      if (errors[i].empty() && results[i]) {
        if (!detail::all_finite(*results[i]))
          throw FatalError("the model " + run.model + " gave non-finite outputs (NaN or infinity) for " +
                           where + ": its weights are broken or overflow");
        sink.result(*results[i]);
        ++counts.results;
        continue;
      }
      const std::string& reason = errors[i].empty() ? std::string("not processed") : errors[i];
      switch (run.on_error) {
        case OnError::Fail:
          sink.flush();  // every earlier result is written
          throw RecordError(where + ": " + reason +
                            " (--on-error skip or --on-error record to go on)");
        case OnError::Skip:
          std::cerr << "bertpp " << run.command << ": warning: skipped " << where << ": " << reason
                    << '\n';
          ++counts.skipped;
          break;
        case OnError::Record:
          sink.error(batch[i].line, reason);
          ++counts.errors;
          break;
      }
    }
    sink.flush();
    progress.advance(batch.size());
  }
  sink.finish();
  return counts;
}

}  // namespace bertpp_cli
