// Finds the files of a HuggingFace model folder: config.json and the weights,
// in the order transformers prefers them: model.safetensors, the shards of
// model.safetensors.index.json, pytorch_model.bin, the shards of
// pytorch_model.bin.index.json.
#pragma once

#include "bertpp/detail/string_suffix.hpp"
#include "bertpp/error.hpp"
#include "bertpp/io/tensor_store.hpp"

#include <fstream>
#include <string>

namespace bertpp {

struct ModelFolder {
  std::string dir;
  std::string config_path;
  std::string weights_path;  // a .safetensors / .bin file or its .index.json
  bool sharded = false;

  static ModelFolder locate(const std::string& dir) {
    ModelFolder folder;
    folder.dir = dir;
    const std::string base = dir.empty() || dir.back() == '/' ? dir : dir + "/";
    folder.config_path = base + "config.json";
    if (!exists(folder.config_path))
      detail::throw_error<LoadError>({dir, ": no config.json in this folder"});
    for (const char* name : {"model.safetensors", "model.safetensors.index.json", "pytorch_model.bin",
                             "pytorch_model.bin.index.json"}) {
      if (!exists(base + name)) continue;
      folder.weights_path = base + name;
      folder.sharded = detail::ends_with(folder.weights_path, ".json");
      return folder;
    }
    if (exists(base + "tf_model.h5") || exists(base + "flax_model.msgpack"))
      detail::throw_error<LoadError>(
          {dir,
           ": only TensorFlow/Flax weights found; bertpp reads safetensors and "
           "PyTorch .bin (convert with transformers: model.save_pretrained(dir))"});
    detail::throw_error<LoadError>(
        {dir, ": no model.safetensors, pytorch_model.bin or their .index.json in this folder"});
  }

  TensorStore open_weights() const {
    return sharded ? TensorStore::from_index(weights_path) : TensorStore::from_file(weights_path);
  }

 private:
  static bool exists(const std::string& path) { return std::ifstream(path).good(); }
};

}  // namespace bertpp
