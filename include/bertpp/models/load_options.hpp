// How a model is loaded: LoadOptions and the Quantization it may ask for.
// A header of its own so pipeline() can be declared without the encoder.
#pragma once

namespace bertpp {

enum class Quantization {
  None,  // float32 everywhere (bit-for-bit HF's arithmetic, up to summation order)
  // PyTorch quantize_dynamic style for the encoder layers' Linear weights:
  // int8 per output channel, activations int8 per token at each call. Fast
  // with AMX, AVX-512 VNNI, AVX-VNNI or AVX2 (see int8_kernel_name()); the pooler and heads
  // stay float32.
  DynamicInt8,
};

struct LoadOptions {
  Quantization quantization = Quantization::None;
};

}  // namespace bertpp
