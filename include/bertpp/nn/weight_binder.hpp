// Binds layer structs to checkpoint tensors by name. Layers ask for
// "<scope>.<name>" with the shape the config implies; the binder resolves
// legacy names (LayerNorm.gamma/beta), checks shapes at once and collects
// every missing tensor so one LoadError can list them all.
#pragma once

#include "bertpp/detail/string_suffix.hpp"
#include "bertpp/error.hpp"
#include "bertpp/io/safetensors.hpp"
#include "bertpp/io/tensor_store.hpp"
#include "bertpp/nn/parameter.hpp"

#include <string>
#include <vector>

namespace bertpp {

class WeightBinder {
 public:
  // `source` names the checkpoint in messages (a file or folder path).
  WeightBinder(TensorStore& store, std::string source)
      : store_(&store), source_(std::move(source)) {}

  // The name a request resolves to in the checkpoint, or "" when absent.
  // Old TF-converted checkpoints call LayerNorm parameters gamma/beta.
  std::string resolve(const std::string& name) const {
    if (store_->contains(name)) return name;
    const std::string legacy = legacy_name(name);
    if (!legacy.empty() && store_->contains(legacy)) return legacy;
    return "";
  }
  bool has(const std::string& name) const { return !resolve(name).empty(); }

  // A [rows, cols] weight (PyTorch layout: [out_features, in_features]).
  Parameter matrix(const std::string& name, Eigen::Index rows, Eigen::Index cols) {
    return bind(name, {rows, cols});
  }
  // A [size] vector (bias, LayerNorm parameter).
  Parameter vector(const std::string& name, Eigen::Index size) { return bind(name, {size}); }

  const std::vector<std::string>& missing() const { return missing_; }
  const std::string& source() const { return source_; }

  // Throws one LoadError naming every tensor that was asked for but absent.
  void finish() const {
    if (missing_.empty()) return;
    constexpr std::size_t kListed = 64;  // enough to see the pattern, bounded message size
    std::string list;
    for (std::size_t i = 0; i < missing_.size() && i < kListed; ++i) list += (i ? ", " : "") + missing_[i];
    if (missing_.size() > kListed) list += ", ... and " + std::to_string(missing_.size() - kListed) + " more";
    detail::throw_error<LoadError>({source_, ": ", std::to_string(missing_.size()),
                                    " tensor(s) missing from the checkpoint: ", list});
  }

 private:
  static std::string legacy_name(const std::string& name) {
    if (detail::ends_with(name, "LayerNorm.weight")) return name.substr(0, name.size() - 6) + "gamma";
    if (detail::ends_with(name, "LayerNorm.bias")) return name.substr(0, name.size() - 4) + "beta";
    return "";
  }

  Parameter bind(const std::string& name, const std::vector<std::int64_t>& shape) {
    const std::string stored = resolve(name);
    if (stored.empty()) {
      missing_.push_back(name);
      return {};
    }
    const TensorInfo& info = *store_->find(stored);
    if (info.shape != shape)
      detail::throw_error<LoadError>({store_->file_of(stored), ": tensor '", stored, "' has shape ",
                                      detail::shape_string(info.shape), ", expected ",
                                      detail::shape_string(shape), " from the model config"});
    FloatTensor tensor = store_->floats(stored);
    Parameter parameter;
    parameter.data = tensor.data;
    parameter.owner = std::move(tensor.owner);
    parameter.rows = shape.size() == 2 ? shape[0] : 1;
    parameter.cols = shape.back();
    return parameter;
  }

  TensorStore* store_;
  std::string source_;
  std::vector<std::string> missing_;
};

}  // namespace bertpp
