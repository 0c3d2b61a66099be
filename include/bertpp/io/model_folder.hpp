// Finds the files of a HuggingFace model folder: config.json and the weights
// (model.safetensors, or the shards of model.safetensors.index.json).
#pragma once

#include "bertpp/error.hpp"
#include "bertpp/io/tensor_store.hpp"

#include <fstream>
#include <string>

namespace bertpp {

struct ModelFolder {
  std::string dir;
  std::string config_path;
  std::string weights_path;  // a .safetensors file or a .safetensors.index.json
  bool sharded = false;

  static ModelFolder locate(const std::string& dir) {
    ModelFolder folder;
    folder.dir = dir;
    const std::string base = dir.empty() || dir.back() == '/' ? dir : dir + "/";
    folder.config_path = base + "config.json";
    if (!exists(folder.config_path)) throw LoadError(dir + ": no config.json in this folder");
    if (exists(base + "model.safetensors")) {
      folder.weights_path = base + "model.safetensors";
    } else if (exists(base + "model.safetensors.index.json")) {
      folder.weights_path = base + "model.safetensors.index.json";
      folder.sharded = true;
    } else if (exists(base + "pytorch_model.bin") || exists(base + "tf_model.h5")) {
      throw LoadError(dir + ": only PyTorch/TensorFlow weights found; bertpp reads safetensors "
                            "(convert with transformers: model.save_pretrained(dir, safe_serialization=True))");
    } else {
      throw LoadError(dir + ": no model.safetensors or model.safetensors.index.json in this folder");
    }
    return folder;
  }

  TensorStore open_weights() const {
    return sharded ? TensorStore::from_index(weights_path) : TensorStore::from_file(weights_path);
  }

 private:
  static bool exists(const std::string& path) { return std::ifstream(path).good(); }
};

}  // namespace bertpp
