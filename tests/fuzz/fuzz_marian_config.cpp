// Fuzzes a Marian config.json (MarianConfig) and generation settings
// (GenerationConfig) with arbitrary bytes: the same file is read as both.
#include "fuzz_support.hpp"

#include "bertpp/detail/json_file.hpp"
#include "bertpp/io/generation_config.hpp"
#include "bertpp/io/marian_config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string& path = bertpp_fuzz::write_scratch(data, size, "-marian.json");
  bertpp_fuzz::accepts([&] {
    const bertpp::MarianConfig config = bertpp::MarianConfig::from_file(path);
    // What the model relies on once a config is accepted.
    BERTPP_FUZZ_CHECK(config.d_model > 0 && config.vocab_size > 0 && config.max_position_embeddings > 0);
    BERTPP_FUZZ_CHECK(config.d_model % config.encoder_attention_heads == 0);
    BERTPP_FUZZ_CHECK(config.d_model % config.decoder_attention_heads == 0);
    BERTPP_FUZZ_CHECK(config.pad_token_id >= 0 && config.pad_token_id < config.vocab_size);
    BERTPP_FUZZ_CHECK(config.decoder_start_token_id >= 0 && config.decoder_start_token_id < config.vocab_size);
  });
  bertpp_fuzz::accepts([&] {
    const auto json = bertpp::detail::read_json_file<bertpp::ConfigError>(path);
    bertpp::GenerationConfig generation = bertpp::GenerationConfig::from_json(json, path);
    try {
      generation.validate();
    } catch (const bertpp::Error&) {
      return;
    }
    BERTPP_FUZZ_CHECK(generation.num_beams >= 1 && generation.num_return_sequences <= generation.num_beams);
  });
  return 0;
}
