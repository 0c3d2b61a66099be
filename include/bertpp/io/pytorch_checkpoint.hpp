// Reader for PyTorch's `pytorch_model.bin` (a state_dict saved by
// torch.save), without Python and without executing anything. Both formats
// torch writes:
//  - zip (torch >= 1.6): `<stem>/data.pkl` pickles the dict; each tensor's
//    storage is a persistent id naming the entry `<stem>/data/<key>` that
//    holds its raw little-endian bytes (stored, 64-byte aligned: mapped as is);
//  - legacy: pickles of the magic number, protocol 1001 and system info, then
//    the dict, then the sorted list of storage keys, then each storage as an
//    int64 element count followed by its bytes.
// The dict's pickle is read by detail::pickle::Unpickler with only the
// globals a state_dict needs; anything else is a LoadError naming it.
#pragma once

#include "bertpp/detail/mapped_file.hpp"
#include "bertpp/detail/pickle.hpp"
#include "bertpp/detail/zip_archive.hpp"
#include "bertpp/error.hpp"
#include "bertpp/io/tensor_file.hpp"

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace bertpp {

class PyTorchCheckpoint final : public TensorFile {
 public:
  // A data.pkl larger than this is not a state_dict (~100 bytes a tensor).
  static constexpr std::uint64_t kMaxPickleBytes = 64u << 20;

  // Maps and validates `path`; any problem throws LoadError naming the file.
  explicit PyTorchCheckpoint(const std::string& path) : file_(path) {
    if (detail::ZipArchive::looks_like_zip(file_.data(), file_.size())) read_zip();
    else read_legacy();
    build_tensors();
  }

  const std::string& path() const override { return file_.path(); }
  const std::vector<TensorInfo>& tensors() const override { return tensors_; }
  const std::uint8_t* bytes(const TensorInfo& info) const override { return file_.data() + info.begin; }
  bool drop_pages(const void* begin, std::size_t bytes) const override {
    return file_.drop_pages(begin, bytes);
  }
  // "zip" or "legacy".
  const char* format() const { return zip_ ? "zip" : "legacy"; }

  // True when the file is a PyTorch checkpoint by its first bytes (zip or a
  // protocol-2+ pickle); used to tell it from other weight files.
  static bool looks_like_checkpoint(const std::uint8_t* data, std::size_t size) {
    return detail::ZipArchive::looks_like_zip(data, size) || (size >= 2 && data[0] == 0x80);
  }

 private:
  using Value = detail::pickle::Value;
  using Kind = detail::pickle::Kind;
  using Unpickler = detail::pickle::Unpickler;

  struct Storage {
    std::string key;
    Dtype dtype = Dtype::F32;
    std::uint64_t numel = 0;
    std::uint64_t offset = 0;  // file byte of element 0, once located
    bool located = false;
    // Legacy views of another storage: its key and element offset.
    std::string root;
    std::uint64_t view_offset = 0;
  };
  struct Tensor {
    std::size_t storage = 0;
    std::int64_t offset = 0;
    std::vector<std::int64_t> shape, strides;
  };

  [[noreturn]] void fail(std::initializer_list<std::string_view> what) const {
    detail::throw_error<LoadError>({path(), ": "}, what);
  }
  [[noreturn]] void fail(std::string_view what) const { fail({what}); }

  static const std::unordered_map<std::string, Dtype>& storage_types() {
    // The typed storages name an element type; they are only tags here.
    static const std::unordered_map<std::string, Dtype> types = {
        {"torch.FloatStorage", Dtype::F32},   {"torch.HalfStorage", Dtype::F16},
        {"torch.BFloat16Storage", Dtype::BF16}, {"torch.DoubleStorage", Dtype::F64},
        {"torch.LongStorage", Dtype::I64},    {"torch.IntStorage", Dtype::I32},
        {"torch.ShortStorage", Dtype::I16},   {"torch.CharStorage", Dtype::I8},
        {"torch.ByteStorage", Dtype::U8},     {"torch.BoolStorage", Dtype::BOOL}};
    return types;
  }

  detail::pickle::Hooks hooks(bool legacy) {
    detail::pickle::Hooks h;
    h.allowed_globals = {"collections.OrderedDict", "torch._utils._rebuild_tensor_v2",
                         "torch._utils._rebuild_parameter"};
    for (const auto& type : storage_types()) h.allowed_globals.insert(type.first);
    h.persistent_load = [this, legacy](Unpickler& u, Value& id) { return persistent_load(u, id, legacy); };
    h.reduce = [this](Unpickler& u, Value& callable, Value& args) { return reduce(u, callable, args); };
    return h;
  }

  static bool is_int(const Value* v) { return v->kind == Kind::Int; }

  // ('storage', <typed storage>, key, location, numel[, view_metadata]).
  Value* persistent_load(Unpickler& u, Value& id, bool legacy) {
    const std::size_t arity = legacy ? 6 : 5;
    if (id.kind != Kind::Tuple || id.items.size() != arity || id.items[0]->kind != Kind::String ||
        id.items[0]->text != "storage")
      u.fail("persistent id is not a ('storage', type, key, location, size" +
             std::string(legacy ? ", view" : "") + ") tuple");
    const Value& type = *id.items[1];
    auto dtype = type.kind == Kind::Global ? storage_types().find(type.text) : storage_types().end();
    if (dtype == storage_types().end()) u.fail("persistent id's storage type is not a torch.*Storage");
    if (id.items[2]->kind != Kind::String) u.fail("storage key is not a string");
    if (!is_int(id.items[4]) || id.items[4]->integer < 0) u.fail("storage size is not a non-negative int");
    Storage storage;
    storage.key = id.items[2]->text;
    storage.dtype = dtype->second;
    storage.numel = static_cast<std::uint64_t>(id.items[4]->integer);
    if (legacy && id.items[5]->kind != Kind::None) {  // (view key, offset, size) of this root storage
      const Value& view = *id.items[5];
      if (view.kind != Kind::Tuple || view.items.size() != 3 || view.items[0]->kind != Kind::String ||
          !is_int(view.items[1]) || !is_int(view.items[2]) || view.items[1]->integer < 0 ||
          view.items[2]->integer < 0)
        u.fail("storage view is not a (key, offset, size) tuple");
      storage.root = storage.key;
      storage.key = view.items[0]->text;
      storage.view_offset = static_cast<std::uint64_t>(view.items[1]->integer);
      storage.numel = static_cast<std::uint64_t>(view.items[2]->integer);
    }
    std::size_t index = 0;
    auto known = storage_index_.find(storage.key);
    if (known != storage_index_.end()) {
      const Storage& first = storages_[known->second];
      if (first.dtype != storage.dtype || first.numel != storage.numel || first.root != storage.root)
        u.fail("storage '" + storage.key + "' is declared twice with different types or sizes");
      index = known->second;
    } else {
      if (zip_) locate_entry(storage);
      index = storages_.size();
      storage_index_.emplace(storage.key, index);
      storages_.push_back(std::move(storage));
    }
    Value& handle = u.make(Kind::Object);
    handle.text = "storage";
    handle.integer = static_cast<std::int64_t>(index);
    return &handle;
  }

  void locate_entry(Storage& storage) {
    const std::string name = stem_ + "/data/" + storage.key;
    const detail::ZipEntry* entry = archive_->find(name);
    if (!entry) fail({"storage '", storage.key, "' has no entry ", name});
    std::uint64_t bytes = 0;
    if (!detail::checked_multiply(storage.numel, dtype_size(storage.dtype), bytes) || bytes != entry->size)
      fail({"storage '", storage.key, "' declares ", std::to_string(storage.numel), " ",
            dtype_name(storage.dtype), " elements but its entry ", name, " holds ",
            std::to_string(entry->size), " bytes"});
    storage.offset = entry->data_offset;
    storage.located = true;
  }

  Value* reduce(Unpickler& u, Value& callable, Value& args) {
    const std::string& name = callable.text;
    if (name == "collections.OrderedDict") {
      if (!args.items.empty()) u.fail("OrderedDict called with arguments");
      return &u.make(Kind::Dict);
    }
    if (name == "torch._utils._rebuild_parameter") {  // (tensor, requires_grad, hooks)
      if (args.items.size() < 1 || !is_tensor(*args.items[0])) u.fail("_rebuild_parameter without a tensor");
      return args.items[0];
    }
    if (name == "torch._utils._rebuild_tensor_v2") {
      // (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
      if (args.items.size() != 6 && args.items.size() != 7)
        u.fail("_rebuild_tensor_v2 with " + std::to_string(args.items.size()) + " arguments (expected 6 or 7)");
      const Value& storage = *args.items[0];
      if (storage.kind != Kind::Object || storage.text != "storage") u.fail("_rebuild_tensor_v2 without a storage");
      if (!is_int(args.items[1])) u.fail("_rebuild_tensor_v2: storage offset is not an int");
      Tensor tensor;
      tensor.storage = static_cast<std::size_t>(storage.integer);
      tensor.offset = args.items[1]->integer;
      tensor.shape = int_tuple(u, *args.items[2], "size");
      tensor.strides = int_tuple(u, *args.items[3], "stride");
      if (tensor.shape.size() != tensor.strides.size())
        u.fail("_rebuild_tensor_v2: size and stride have different lengths");
      Value& handle = u.make(Kind::Object);
      handle.text = "tensor";
      handle.integer = static_cast<std::int64_t>(tensors_pending_.size());
      tensors_pending_.push_back(std::move(tensor));
      return &handle;
    }
    u.fail("REDUCE on '" + name + "' is not allowed (only OrderedDict, _rebuild_tensor_v2 and "
           "_rebuild_parameter are called)");
  }

  static bool is_tensor(const Value& v) { return v.kind == Kind::Object && v.text == "tensor"; }

  static std::vector<std::int64_t> int_tuple(Unpickler& u, const Value& v, const char* what) {
    if (v.kind != Kind::Tuple) u.fail(std::string("_rebuild_tensor_v2: ") + what + " is not a tuple");
    if (v.items.size() > 64) u.fail(std::string("_rebuild_tensor_v2: ") + what + " has more than 64 dimensions");
    std::vector<std::int64_t> values;
    for (const Value* item : v.items) {
      if (!is_int(item)) u.fail(std::string("_rebuild_tensor_v2: ") + what + " holds a non-int");
      values.push_back(item->integer);
    }
    return values;
  }

  // The unpickled object must be a dict of name -> tensor.
  void collect(const Value& root) {
    const auto fail = [&](std::initializer_list<std::string_view> what) {
      detail::throw_error<LoadError>({path(), ": ", pickle_name_}, what);
    };
    if (root.kind != Kind::Dict)
      fail({std::string("the pickled object is a "), detail::pickle::kind_name(root.kind),
            ", not a state_dict (a dict of tensors)"});
    std::unordered_set<std::string> seen;
    for (std::size_t i = 0; i + 1 < root.items.size(); i += 2) {
      const Value& key = *root.items[i];
      const Value& value = *root.items[i + 1];
      if (key.kind != Kind::String) fail({"state_dict key is not a string"});
      if (!is_tensor(value))
        fail({"state_dict entry '", key.text, "' is a ", detail::pickle::kind_name(value.kind),
              ", not a tensor"});
      if (!seen.insert(key.text).second) fail({"tensor '", key.text, "' appears twice"});
      names_.emplace_back(key.text, static_cast<std::size_t>(value.integer));
    }
  }

  void read_zip() {
    zip_ = true;
    archive_.emplace(file_.data(), file_.size(), path());
    const auto& entries = archive_->entries();
    if (entries.empty()) fail("zip archive has no entries");
    const std::string& first = entries.front().name;
    const auto slash = first.find('/');
    if (slash == std::string::npos)
      fail({"zip entry '", first, "' is not inside a folder (not a torch.save archive)"});
    stem_ = first.substr(0, slash);
    if (const detail::ZipEntry* order = archive_->find(stem_ + "/byteorder")) {
      const std::string text(reinterpret_cast<const char*>(file_.data() + order->data_offset),
                             static_cast<std::size_t>(std::min<std::uint64_t>(order->size, 16)));
      if (text != "little") fail({"byte order '", text, "' is not supported (little-endian only)"});
    }
    pickle_name_ = stem_ + "/data.pkl: ";
    const detail::ZipEntry* pickle = archive_->find(stem_ + "/data.pkl");
    if (!pickle) fail({"no ", stem_, "/data.pkl entry (not a torch.save archive)"});
    if (pickle->size > kMaxPickleBytes)
      fail({stem_, "/data.pkl is ", std::to_string(pickle->size), " bytes, over the ",
            std::to_string(kMaxPickleBytes), "-byte limit for a state_dict"});
    Unpickler unpickler(file_.data() + pickle->data_offset, static_cast<std::size_t>(pickle->size),
                        path() + ": " + stem_ + "/data.pkl", hooks(false));
    std::size_t offset = 0;
    collect(unpickler.load(offset));
  }

  void read_legacy() {
    const std::uint8_t* data = file_.data();
    const std::size_t size = file_.size();
    if (!looks_like_checkpoint(data, size))
      fail("neither a zip archive nor a pickle: not a PyTorch checkpoint");
    Unpickler unpickler(data, size, path(), hooks(true));
    std::size_t offset = 0;
    // 0x1950a86a20f9469cfc6c, as pickle's LONG1 writes it (little-endian).
    static const std::string kMagic("\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19", 10);
    const Value& magic = unpickler.load(offset);
    if (magic.kind != Kind::BigInt || magic.text != kMagic)
      fail("no PyTorch magic number at the start of the legacy format (not a torch.save file)");
    const Value& protocol = unpickler.load(offset);
    if (!is_int(&protocol) || protocol.integer != 1001)
      fail("legacy protocol version is not 1001");
    const Value& info = unpickler.load(offset);
    if (info.kind == Kind::Dict)
      for (std::size_t i = 0; i + 1 < info.items.size(); i += 2)
        if (info.items[i]->kind == Kind::String && info.items[i]->text == "little_endian" &&
            info.items[i + 1]->kind == Kind::Bool && info.items[i + 1]->integer == 0)
          fail("saved on a big-endian machine (little-endian only)");
    collect(unpickler.load(offset));
    const Value& keys = unpickler.load(offset);
    if (keys.kind != Kind::List) fail("legacy storage key list is missing");
    locate_legacy(keys, offset);
  }

  // Storages follow the key list in its order: int64 element count, bytes.
  void locate_legacy(const Value& keys, std::size_t offset) {
    const std::uint8_t* data = file_.data();
    const std::size_t size = file_.size();
    std::unordered_map<std::string, std::uint64_t> root_offsets, root_numels;
    std::unordered_map<std::string, Dtype> root_types;
    for (const Storage& s : storages_) {
      const std::string& root = s.root.empty() ? s.key : s.root;
      auto known = root_types.find(root);
      if (known != root_types.end() && known->second != s.dtype)
        fail({"storage '", root, "' is viewed with two element types"});
      root_types[root] = s.dtype;
      if (s.root.empty()) root_numels[root] = s.numel;
    }
    for (const Value* key : keys.items) {
      if (key->kind != Kind::String) fail("legacy storage key is not a string");
      auto type = root_types.find(key->text);
      if (type == root_types.end())
        fail({"storage '", key->text, "' is listed but no tensor uses it"});
      if (root_offsets.count(key->text)) fail({"storage '", key->text, "' is listed twice"});
      if (size - offset < 8)
        fail({"storage '", key->text, "': file ends before its size (truncated?)"});
      std::uint64_t count = 0;
      for (int i = 7; i >= 0; --i) count = (count << 8) | data[offset + static_cast<std::size_t>(i)];
      offset += 8;
      auto declared = root_numels.find(key->text);
      if (declared != root_numels.end() && declared->second != count)
        fail({"storage '", key->text, "' declares ", std::to_string(declared->second),
              " elements but its data holds ", std::to_string(count)});
      std::uint64_t bytes = 0;
      if (!detail::checked_multiply(count, dtype_size(type->second), bytes) || bytes > size - offset)
        fail({"storage '", key->text, "': ", std::to_string(count), " ", dtype_name(type->second),
              " elements run past the end of the file (truncated?)"});
      root_offsets[key->text] = offset;
      root_numels[key->text] = count;
      offset += static_cast<std::size_t>(bytes);
    }
    for (Storage& s : storages_) {
      const std::string& root = s.root.empty() ? s.key : s.root;
      auto at = root_offsets.find(root);
      if (at == root_offsets.end()) fail({"storage '", root, "' has no data after the pickle"});
      if (!s.root.empty()) {
        const std::uint64_t root_count = root_numels[root];
        if (s.view_offset > root_count || s.numel > root_count - s.view_offset)
          fail({"storage view '", s.key, "' reaches past its storage '", root, "'"});
      }
      s.offset = at->second + s.view_offset * dtype_size(s.dtype);
      s.located = true;
    }
  }

  // Validates every tensor against its storage; row-major tensors become
  // plain byte spans, other views keep their strides.
  void build_tensors() {
    for (const auto& named : names_) {
      const Tensor& t = tensors_pending_[named.second];
      const Storage& storage = storages_[t.storage];
      const std::string what = "tensor '" + named.first + "'";
      const std::uint64_t element = dtype_size(storage.dtype);
      TensorInfo info;
      info.name = named.first;
      info.dtype = storage.dtype;
      info.shape = t.shape;
      if (t.offset < 0) fail({what, ": negative storage offset"});
      std::uint64_t count = 1, reach = static_cast<std::uint64_t>(t.offset);
      bool contiguous = true;
      std::uint64_t expected_stride = 1;
      for (std::size_t d = t.shape.size(); d-- > 0;) {
        if (t.shape[d] < 0 || t.strides[d] < 0) fail({what, ": negative size or stride"});
        const auto extent = static_cast<std::uint64_t>(t.shape[d]);
        const auto stride = static_cast<std::uint64_t>(t.strides[d]);
        if (!detail::checked_multiply(count, extent, count) || count > (std::uint64_t{1} << 48))
          fail({what, ": shape ", detail::shape_string(t.shape), " is too large"});
        if (extent > 1 && stride != expected_stride) contiguous = false;
        if (extent > 0) expected_stride *= extent;
        std::uint64_t step = 0;
        if (extent > 0 && (!detail::checked_multiply(extent - 1, stride, step) || step > (std::uint64_t{1} << 62) ||
                           reach > (std::uint64_t{1} << 62)))
          fail({what, ": strides ", detail::shape_string(t.strides), " reach too far"});
        reach += step;
      }
      if (count > 0 && reach >= storage.numel)
        fail({what, ": shape ", detail::shape_string(t.shape), ", strides ",
              detail::shape_string(t.strides), " and offset ", std::to_string(t.offset),
              " reach element ", std::to_string(reach), " of storage '", storage.key,
              "', which holds ", std::to_string(storage.numel)});
      // A view repeating elements (stride 0) may not outgrow its storage:
      // reading a tensor never allocates more than the file holds.
      if (count > storage.numel)
        fail({what, ": ", std::to_string(count), " elements viewed over storage '", storage.key,
              "' of ", std::to_string(storage.numel),
              " (a broadcast view larger than its data is not supported)"});
      if (count == 0 && static_cast<std::uint64_t>(t.offset) > storage.numel)
        fail({what, ": offset ", std::to_string(t.offset), " is past the end of storage '",
              storage.key, "'"});
      info.begin = static_cast<std::size_t>(storage.offset + static_cast<std::uint64_t>(t.offset) * element);
      if (contiguous || count == 0) {
        info.end = info.begin + static_cast<std::size_t>(count * element);
      } else {
        info.end = static_cast<std::size_t>(storage.offset + (reach + 1) * element);
        info.strides = t.strides;
      }
      tensors_.push_back(std::move(info));
    }
  }

  detail::MappedFile file_;
  bool zip_ = false;
  std::string stem_;
  std::string pickle_name_;  // "<stem>/data.pkl: " in messages about its content
  std::optional<detail::ZipArchive> archive_;
  std::vector<Storage> storages_;
  std::unordered_map<std::string, std::size_t> storage_index_;
  std::vector<Tensor> tensors_pending_;
  std::vector<std::pair<std::string, std::size_t>> names_;  // state_dict order
  std::vector<TensorInfo> tensors_;
};

}  // namespace bertpp
