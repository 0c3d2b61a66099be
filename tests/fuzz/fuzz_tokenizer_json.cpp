// Fuzzes tokenizer.json loading. A file that loads must also tokenize and
// decode a few fixed texts without crashing (a tokenizer accepted with
// strange settings is where encode-time bugs hide).
#include "fuzz_support.hpp"

#include "bertpp/tokenizer/tokenizer.hpp"

#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string& path = bertpp_fuzz::write_scratch(data, size, "-tokenizer.json");
  bertpp_fuzz::accepts([&] {
    const bertpp::Tokenizer tokenizer = bertpp::Tokenizer::from_tokenizer_json(path);
    for (const char* text : {"Hello, [MASK] world! unaffable", "", "\xe4\xbd\xa0\xe5\xa5\xbd caf\xc3\xa9"}) {
      bertpp_fuzz::accepts([&] {
        bertpp::EncodeOptions options;
        options.truncation = bertpp::TruncationOptions{8, bertpp::TruncationStrategy::LongestFirst, 2};
        options.return_overflowing_tokens = true;
        options.padding.strategy = bertpp::PaddingStrategy::MaxLength;
        options.padding.max_length = 8;
        const bertpp::Encoding e = tokenizer.encode(text, "a pair text", options);
        BERTPP_FUZZ_CHECK(e.tokens.size() == e.ids.size() && e.byte_offsets.size() == e.ids.size());
        (void)tokenizer.decode(e.ids);
        (void)tokenizer.decode(e.ids, false, false);
      });
    }
    (void)tokenizer.vocab_size();
  });
  return 0;
}
