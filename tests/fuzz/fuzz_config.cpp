// Fuzzes config.json parsing (ModelConfig) with arbitrary bytes.
#include "fuzz_support.hpp"

#include "bertpp/io/config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string& path = bertpp_fuzz::write_scratch(data, size, "-config.json");
  bertpp_fuzz::accepts([&] {
    const bertpp::ModelConfig config = bertpp::ModelConfig::from_file(path);
    // What the rest of the library relies on once a config is accepted.
    BERTPP_FUZZ_CHECK(config.hidden_size > 0 && config.num_attention_heads > 0);
    BERTPP_FUZZ_CHECK(config.hidden_size % config.num_attention_heads == 0);
    BERTPP_FUZZ_CHECK(config.num_hidden_layers > 0 && config.intermediate_size > 0);
    BERTPP_FUZZ_CHECK(config.vocab_size > 0 && config.max_position_embeddings > 0);
    BERTPP_FUZZ_CHECK(config.num_labels > 0);
    BERTPP_FUZZ_CHECK(config.layer_norm_eps > 0.0f);
    BERTPP_FUZZ_CHECK(config.max_sequence_length() > 0);
  });
  return 0;
}
