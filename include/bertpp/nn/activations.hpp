// The activation functions BERT-family configs name (HF's ACT2FN), applied in
// place to a whole activation matrix.
#pragma once

#include <Eigen/Core>
#include <unsupported/Eigen/SpecialFunctions>

#include <cmath>
#include <string>
#include <type_traits>

namespace bertpp {

enum class Activation { Gelu, GeluTanh, QuickGelu, Relu, Silu, Tanh, Sigmoid, Linear };

namespace detail {

struct ActivationName {
  const char* name;
  Activation activation;
};

// HF's names: gelu/gelu_python use erf; gelu_new, gelu_pytorch_tanh,
// gelu_fast and gelu_accurate are all the tanh approximation.
inline const ActivationName* activation_names(std::size_t& count) {
  static const ActivationName names[] = {
      {"gelu", Activation::Gelu},           {"gelu_python", Activation::Gelu},
      {"gelu_new", Activation::GeluTanh},   {"gelu_pytorch_tanh", Activation::GeluTanh},
      {"gelu_fast", Activation::GeluTanh},  {"gelu_accurate", Activation::GeluTanh},
      {"quick_gelu", Activation::QuickGelu}, {"relu", Activation::Relu},
      {"silu", Activation::Silu},           {"swish", Activation::Silu},
      {"tanh", Activation::Tanh},           {"sigmoid", Activation::Sigmoid},
      {"linear", Activation::Linear}};
  count = sizeof(names) / sizeof(names[0]);
  return names;
}

}  // namespace detail

// False when `name` is not an activation bertpp implements.
inline bool parse_activation(const std::string& name, Activation& out) {
  std::size_t count = 0;
  const detail::ActivationName* names = detail::activation_names(count);
  for (std::size_t i = 0; i < count; ++i)
    if (name == names[i].name) {
      out = names[i].activation;
      return true;
    }
  return false;
}

inline std::string supported_activation_names() {
  std::size_t count = 0;
  const detail::ActivationName* names = detail::activation_names(count);
  std::string list;
  for (std::size_t i = 0; i < count; ++i) list += (i ? ", " : "") + std::string(names[i].name);
  return list;
}

namespace detail {

// `activation` elementwise on `a` in place.
template <typename ArrayExpr>
void apply_activation_array(Activation activation, ArrayExpr&& a) {
  switch (activation) {
    case Activation::Gelu:  // x * Phi(x), exact erf form
      a = 0.5f * a * (1.0f + (a * 0.70710678118654752f).erf());  // 1 / sqrt(2)
      break;
    case Activation::GeluTanh: {
      const float k = 0.7978845608028654f;  // sqrt(2 / pi)
      a = 0.5f * a * (1.0f + (k * (a + 0.044715f * a.cube())).tanh());
      break;
    }
    case Activation::QuickGelu:
      a = a * (1.0f / (1.0f + (-1.702f * a).exp()));
      break;
    case Activation::Relu:
      a = a.max(0.0f);
      break;
    case Activation::Silu:
      a = a / (1.0f + (-a).exp());
      break;
    case Activation::Tanh:
      a = a.tanh();
      break;
    case Activation::Sigmoid:
      a = 1.0f / (1.0f + (-a).exp());
      break;
    case Activation::Linear:
      break;
  }
}

// The same on `n` contiguous floats: the one instantiation every row-major
// float matrix, block and map shares.
inline void apply_activation_contiguous(Activation activation, float* data, Eigen::Index n) {
  apply_activation_array(activation, Eigen::Map<Eigen::ArrayXf>(data, n));
}

}  // namespace detail

// Applies `activation` elementwise to `x` in place (any Eigen dense lvalue).
template <typename Derived>
void apply_activation(Activation activation, Eigen::DenseBase<Derived>& x) {
  Derived& m = x.derived();
  constexpr bool contiguous_rows = std::is_same<typename Derived::Scalar, float>::value &&
                                   (Derived::Flags & Eigen::DirectAccessBit) != 0 &&
                                   Derived::IsRowMajor && Derived::InnerStrideAtCompileTime == 1;
  if constexpr (contiguous_rows) {
    if (activation == Activation::Linear || m.size() == 0) return;
    if (m.rows() == 1 || m.outerStride() == m.cols()) {
      detail::apply_activation_contiguous(activation, m.data(), m.size());
    } else {
      for (Eigen::Index r = 0; r < m.rows(); ++r)
        detail::apply_activation_contiguous(activation, m.data() + r * m.outerStride(), m.cols());
    }
  } else {
    detail::apply_activation_array(activation, m.array());
  }
}

}  // namespace bertpp
