// AnyPipeline: any pipeline behind one type, with HF's call as JSON —
// run(args) takes HF's keyword arguments as a JSON object and returns what HF
// returns. What bertpp::pipeline() (factory.hpp) returns; the typed pipeline
// stays reachable with get<T>() / as<T>().
#pragma once

#include "bertpp/error.hpp"

#include <nlohmann/json.hpp>

#include <memory>
#include <string>
#include <type_traits>
#include <utility>

namespace bertpp {

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
    detail::throw_error<ArgumentError>(
        {"this is a '", task_, "' pipeline, not the requested type"});
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

}  // namespace bertpp
