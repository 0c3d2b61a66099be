// Fuzzes the safetensors reader: arbitrary bytes as a .safetensors file,
// then every tensor read back as float32 (exercises F16/BF16 conversion and
// the offset checks).
#include "fuzz_support.hpp"

#include "bertpp/io/safetensors.hpp"
#include "bertpp/io/tensor_store.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string& path = bertpp_fuzz::write_scratch(data, size, ".safetensors");
  bertpp_fuzz::accepts([&] {
    const bertpp::SafetensorsFile file(path);
    for (const bertpp::TensorInfo& info : file.tensors()) {
      BERTPP_FUZZ_CHECK(info.begin <= info.end && info.end + 8 <= size);
      BERTPP_FUZZ_CHECK(static_cast<std::uint64_t>(info.element_count()) *
                            bertpp::dtype_size(info.dtype) == info.end - info.begin);
    }
    const bertpp::TensorStore store = bertpp::TensorStore::from_file(path);
    for (const std::string& name : store.names()) {
      bertpp_fuzz::accepts([&] {
        const std::vector<float> values = store.read_floats(name);
        BERTPP_FUZZ_CHECK(static_cast<std::int64_t>(values.size()) ==
                          store.find(name)->element_count());
      });
    }
  });
  return 0;
}
