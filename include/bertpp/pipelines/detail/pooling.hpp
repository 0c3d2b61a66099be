// sentence-transformers' Pooling and Normalize modules: token vectors of a
// padded batch -> one vector per sentence.
#pragma once

#include "bertpp/detail/json_file.hpp"
#include "bertpp/error.hpp"
#include "bertpp/nn/tensor.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

namespace bertpp {

// 1_Pooling/config.json. Several modes concatenate, in sentence-transformers'
// order: cls, max, mean, mean_sqrt_len, weightedmean, lasttoken.
struct PoolingConfig {
  std::size_t word_embedding_dimension = 0;  // 0 = not stated
  bool cls_token = false;
  bool max_tokens = false;
  bool mean_tokens = true;
  bool mean_sqrt_len_tokens = false;
  bool weightedmean_tokens = false;
  bool lasttoken = false;

  std::size_t mode_count() const {
    return static_cast<std::size_t>(cls_token) + max_tokens + mean_tokens + mean_sqrt_len_tokens +
           weightedmean_tokens + lasttoken;
  }

  // One mode by name ("cls", "mean", "max", "weightedmean", "lasttoken"), as
  // sentence-transformers' `pooling_mode` argument.
  static PoolingConfig single(const std::string& mode) {
    PoolingConfig c;
    c.mean_tokens = mode == "mean";
    c.cls_token = mode == "cls";
    c.max_tokens = mode == "max";
    c.weightedmean_tokens = mode == "weightedmean";
    c.lasttoken = mode == "lasttoken";
    if (c.mode_count() == 0)
      detail::throw_error<ConfigError>(
          {"pooling_mode: expected mean, max, cls, weightedmean or lasttoken, got '", mode, "'"});
    return c;
  }

  static PoolingConfig from_file(const std::string& path) {
    const nlohmann::json j = detail::read_json_file<ConfigError>(path);
    const std::string mode = detail::json_field<std::string>(j, "pooling_mode", "", path);
    PoolingConfig c = mode.empty() ? PoolingConfig{} : single(mode);
    c.word_embedding_dimension =
        detail::json_field<std::size_t>(j, "word_embedding_dimension", 0, path);
    if (mode.empty()) {
      c.cls_token = detail::json_field<bool>(j, "pooling_mode_cls_token", false, path);
      c.max_tokens = detail::json_field<bool>(j, "pooling_mode_max_tokens", false, path);
      c.mean_tokens = detail::json_field<bool>(j, "pooling_mode_mean_tokens", true, path);
      c.mean_sqrt_len_tokens =
          detail::json_field<bool>(j, "pooling_mode_mean_sqrt_len_tokens", false, path);
      c.weightedmean_tokens =
          detail::json_field<bool>(j, "pooling_mode_weightedmean_tokens", false, path);
      c.lasttoken = detail::json_field<bool>(j, "pooling_mode_lasttoken", false, path);
    }
    if (c.mode_count() == 0)
      detail::throw_error<ConfigError>({path, ": no pooling_mode_* is enabled"});
    return c;
  }
};

namespace detail {

// Pools `tokens` ([batch * seq, hidden], row b * seq + t) into [batch, modes * hidden]
// using the attention mask ([batch * seq], 1 = real token).
inline Matrix pool_tokens(const Matrix& tokens, const std::vector<std::int32_t>& attention_mask,
                          Eigen::Index batch, Eigen::Index seq, const PoolingConfig& config) {
  const Eigen::Index hidden = tokens.cols();
  if (tokens.rows() != batch * seq || static_cast<Eigen::Index>(attention_mask.size()) != batch * seq)
    throw ArgumentError("pooling: token matrix / attention mask do not match batch x seq");
  Matrix out(batch, hidden * static_cast<Eigen::Index>(config.mode_count()));
  for (Eigen::Index b = 0; b < batch; ++b) {
    const auto mask = [&](Eigen::Index t) { return attention_mask[static_cast<std::size_t>(b * seq + t)] != 0; };
    const auto row = [&](Eigen::Index t) { return tokens.row(b * seq + t); };
    Eigen::Index col = 0;
    auto put = [&](const Vector& v) {
      out.block(b, col, 1, hidden) = v;
      col += hidden;
    };
    if (config.cls_token) put(row(0));
    if (config.max_tokens) {
      Vector max = Vector::Constant(hidden, -1e9f);  // padding counts as -1e9, as upstream
      for (Eigen::Index t = 0; t < seq; ++t)
        if (mask(t)) max = max.cwiseMax(row(t));
      put(max);
    }
    if (config.mean_tokens || config.mean_sqrt_len_tokens) {
      Vector sum = Vector::Zero(hidden);
      float count = 0.0f;
      for (Eigen::Index t = 0; t < seq; ++t) {
        if (!mask(t)) continue;
        sum += row(t);
        count += 1.0f;
      }
      count = std::max(count, 1e-9f);
      if (config.mean_tokens) put(sum / count);
      if (config.mean_sqrt_len_tokens) put(sum / std::sqrt(count));
    }
    if (config.weightedmean_tokens) {
      Vector sum = Vector::Zero(hidden);
      float weights = 0.0f;
      for (Eigen::Index t = 0; t < seq; ++t) {
        if (!mask(t)) continue;
        sum += static_cast<float>(t + 1) * row(t);
        weights += static_cast<float>(t + 1);
      }
      put(sum / std::max(weights, 1e-9f));
    }
    if (config.lasttoken) {
      // The token before the first padding position (the last one when none).
      Eigen::Index last = seq - 1;
      for (Eigen::Index t = 0; t < seq; ++t)
        if (!mask(t)) {
          last = std::max<Eigen::Index>(t - 1, 0);
          break;
        }
      put(mask(last) ? Vector(row(last)) : Vector(Vector::Zero(hidden)));
    }
  }
  return out;
}

// Each row divided by its L2 norm (at least 1e-12), as torch's F.normalize.
inline void normalize_rows(Matrix& m) {
  for (Eigen::Index r = 0; r < m.rows(); ++r) m.row(r) /= std::max(m.row(r).norm(), 1e-12f);
}

}  // namespace detail
}  // namespace bertpp
