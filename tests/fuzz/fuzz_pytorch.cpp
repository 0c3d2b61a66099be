// Fuzzes the PyTorch checkpoint reader: arbitrary bytes as a
// pytorch_model.bin (zip archive or legacy stream), i.e. the zip directory
// reader, the restricted unpickler and the storage/view checks; then every
// tensor read back as float32 (F16/BF16 conversion, strided gathers).
#include "fuzz_support.hpp"

#include "bertpp/io/pytorch_checkpoint.hpp"
#include "bertpp/io/tensor_store.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string& path = bertpp_fuzz::write_scratch(data, size, ".bin");
  bertpp_fuzz::accepts([&] {
    const bertpp::PyTorchCheckpoint file(path);
    for (const bertpp::TensorInfo& info : file.tensors()) {
      BERTPP_FUZZ_CHECK(info.begin <= info.end && info.end <= size);
      if (info.strides.empty())
        BERTPP_FUZZ_CHECK(static_cast<std::uint64_t>(info.element_count()) * bertpp::dtype_size(info.dtype) ==
                          info.end - info.begin);
    }
    bertpp::TensorStore store = bertpp::TensorStore::from_file(path);
    for (const std::string& name : store.names()) {
      bertpp_fuzz::accepts([&] {
        const bertpp::FloatTensor view = store.floats(name);
        BERTPP_FUZZ_CHECK(view.data != nullptr || store.find(name)->element_count() == 0);
        const std::vector<float> values = store.read_floats(name);
        BERTPP_FUZZ_CHECK(static_cast<std::int64_t>(values.size()) == store.find(name)->element_count());
      });
    }
  });
  return 0;
}
