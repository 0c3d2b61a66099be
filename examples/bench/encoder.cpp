// Encoder throughput: writes a random-weight BERT of a preset shape
// (config.json + model.safetensors in a temp folder), loads it through
// AutoModel::from_folder (so mmap loading is part of the picture) and times
// forward passes over fixed batch shapes. Prints median latency, tokens/s
// (real, unpadded tokens) and achieved GFLOP/s per case.
//
//   bertpp-bench-encoder [--preset bert-base|minilm-l6|bert-tiny] [--threads N]
//                        [--runs N] [--warmup N] [--json]
//
// Threads: bertpp uses OpenMP. With OMP_WAIT_POLICY unset (libgomp's
// default) idle workers spin briefly between parallel regions; PASSIVE makes
// them sleep at once (kinder to a busy machine), ACTIVE keeps them spinning
// (lowest latency on an otherwise idle machine).
#include <bertpp/models/auto_model.hpp>
#include <bertpp/runtime.hpp>

#include <nlohmann/json.hpp>

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

namespace {

struct Preset {
  const char* name;
  int hidden, layers, heads, intermediate;
};

constexpr Preset kPresets[] = {{"bert-base", 768, 12, 12, 3072},
                               {"minilm-l6", 384, 6, 12, 1536},
                               {"bert-tiny", 128, 2, 2, 512}};
constexpr int kVocab = 30522, kPositions = 512, kTypes = 2;

// A deterministic generator, the same on every platform.
struct XorShift {
  std::uint64_t state = 0x9E3779B97F4A7C15ull;
  std::uint64_t next() {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  }
  float uniform(float scale) {  // in [-scale, scale)
    return scale * (static_cast<float>(next() >> 40) / static_cast<float>(1 << 23) - 1.0f);
  }
};

// Writes F32 tensors as a safetensors file: an 8-byte little-endian header
// length, the JSON header, then the data, tensor after tensor.
class SafetensorsWriter {
 public:
  enum class Fill { Random, Ones, Zeros };

  void add(const std::string& name, std::vector<std::int64_t> shape, Fill fill) {
    std::int64_t count = 1;
    for (auto d : shape) count *= d;
    tensors_.push_back({name, std::move(shape), fill, offset_});
    offset_ += static_cast<std::uint64_t>(count) * sizeof(float);
  }

  void write(const std::string& path) {
    nlohmann::json header = nlohmann::json::object();
    for (const auto& t : tensors_)
      header[t.name] = {{"dtype", "F32"},
                        {"shape", t.shape},
                        {"data_offsets", {t.offset, t.offset + bytes(t)}}};
    std::string text = header.dump();
    text.append((8 - text.size() % 8) % 8, ' ');  // keeps the data 8-byte aligned for mmap
    std::ofstream out(path, std::ios::binary);
    std::uint64_t length = text.size();
    for (int i = 0; i < 8; ++i) out.put(static_cast<char>((length >> (8 * i)) & 0xff));
    out << text;
    XorShift random;
    std::vector<float> chunk;  // written in pieces so the writer's RSS stays small
    for (const auto& t : tensors_) {
      for (std::uint64_t left = bytes(t) / sizeof(float); left > 0;) {
        chunk.resize(std::min<std::uint64_t>(left, 1 << 16));
        for (float& v : chunk)
          v = t.fill == Fill::Random ? random.uniform(0.04f) : t.fill == Fill::Ones ? 1.0f : 0.0f;
        out.write(reinterpret_cast<const char*>(chunk.data()),
                  static_cast<std::streamsize>(chunk.size() * sizeof(float)));
        left -= chunk.size();
      }
    }
    if (!out) throw bertpp::Error(path + ": write failed");
  }

 private:
  struct Tensor {
    std::string name;
    std::vector<std::int64_t> shape;
    Fill fill;
    std::uint64_t offset;
  };
  static std::uint64_t bytes(const Tensor& t) {
    std::uint64_t count = 1;
    for (auto d : t.shape) count *= static_cast<std::uint64_t>(d);
    return count * sizeof(float);
  }
  std::vector<Tensor> tensors_;
  std::uint64_t offset_ = 0;
};

void add_linear(SafetensorsWriter& w, const std::string& scope, int in, int out) {
  w.add(scope + ".weight", {out, in}, SafetensorsWriter::Fill::Random);
  w.add(scope + ".bias", {out}, SafetensorsWriter::Fill::Random);
}

void add_norm(SafetensorsWriter& w, const std::string& scope, int size) {
  w.add(scope + ".weight", {size}, SafetensorsWriter::Fill::Ones);
  w.add(scope + ".bias", {size}, SafetensorsWriter::Fill::Zeros);
}

void write_model(const Preset& p, const std::string& dir) {
  const nlohmann::json config = {{"architectures", {"BertModel"}},
                                 {"model_type", "bert"},
                                 {"hidden_size", p.hidden},
                                 {"num_hidden_layers", p.layers},
                                 {"num_attention_heads", p.heads},
                                 {"intermediate_size", p.intermediate},
                                 {"hidden_act", "gelu"},
                                 {"vocab_size", kVocab},
                                 {"max_position_embeddings", kPositions},
                                 {"type_vocab_size", kTypes},
                                 {"layer_norm_eps", 1e-12},
                                 {"pad_token_id", 0}};
  std::ofstream(dir + "/config.json") << config.dump(2);
  SafetensorsWriter w;
  using Fill = SafetensorsWriter::Fill;
  w.add("embeddings.word_embeddings.weight", {kVocab, p.hidden}, Fill::Random);
  w.add("embeddings.position_embeddings.weight", {kPositions, p.hidden}, Fill::Random);
  w.add("embeddings.token_type_embeddings.weight", {kTypes, p.hidden}, Fill::Random);
  add_norm(w, "embeddings.LayerNorm", p.hidden);
  for (int i = 0; i < p.layers; ++i) {
    const std::string s = "encoder.layer." + std::to_string(i);
    for (const char* part : {".attention.self.query", ".attention.self.key", ".attention.self.value",
                             ".attention.output.dense"})
      add_linear(w, s + part, p.hidden, p.hidden);
    add_norm(w, s + ".attention.output.LayerNorm", p.hidden);
    add_linear(w, s + ".intermediate.dense", p.hidden, p.intermediate);
    add_linear(w, s + ".output.dense", p.intermediate, p.hidden);
    add_norm(w, s + ".output.LayerNorm", p.hidden);
  }
  add_linear(w, "pooler.dense", p.hidden, p.hidden);
  w.write(dir + "/model.safetensors");
}

struct Case {
  std::string name;
  std::vector<int> lengths;  // one per sequence; padded to the longest
};

std::vector<Case> make_cases() {
  std::vector<Case> cases = {{"1x128", std::vector<int>(1, 128)},
                             {"8x128", std::vector<int>(8, 128)},
                             {"32x32", std::vector<int>(32, 32)}};
  // 32 sentences with lengths from a fixed skewed distribution in [8, 128]
  // (many short, a few long), as real sentence batches are.
  XorShift random;
  Case mixed{"mixed32", {}};
  for (int i = 0; i < 32; ++i) {
    const double u = static_cast<double>(random.next() >> 11) / 9007199254740992.0;
    mixed.lengths.push_back(8 + static_cast<int>(120.0 * u * u));
  }
  std::sort(mixed.lengths.begin(), mixed.lengths.end());  // as pipelines sort by length
  cases.push_back(mixed);
  return cases;
}

bertpp::ModelInput make_input(const Case& c) {
  XorShift random;
  std::vector<bertpp::Encoding> encodings;
  for (int length : c.lengths) {
    bertpp::Encoding e;
    for (int i = 0; i < length; ++i)
      e.ids.push_back(i == 0 ? 101 : i == length - 1 ? 102 : 1000 + static_cast<int>(random.next() % 20000));
    e.type_ids.assign(e.ids.size(), 0);
    e.attention_mask.assign(e.ids.size(), 1);
    encodings.push_back(std::move(e));
  }
  return bertpp::ModelInput::from_encodings(encodings);
}

// Multiply-adds count 2 FLOPs; the padded shape is what is computed.
double forward_flops(const Preset& p, const bertpp::ModelInput& input) {
  const double t = static_cast<double>(input.tokens()), h = p.hidden, inner = p.intermediate;
  const double s = static_cast<double>(input.seq_len), b = static_cast<double>(input.batch_size);
  const double dense = 2.0 * t * h * (4.0 * h + 2.0 * inner);
  const double attention = 4.0 * b * s * s * h;
  return p.layers * (dense + attention);
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  return "unknown";
}

double peak_rss_mb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // Linux: kilobytes
}

std::string compile_flags() {
  std::string flags;
#ifdef __OPTIMIZE__
  flags += "optimised";
#else
  flags += "-O0";
#endif
#ifdef NDEBUG
  flags += " -DNDEBUG";
#endif
#ifdef _OPENMP
  flags += " -fopenmp";
#endif
#ifdef __AVX512F__
  flags += " avx512f";
#elif defined(__AVX2__)
  flags += " avx2";
#endif
#ifdef __FMA__
  flags += " fma";
#endif
  return flags + " (Eigen SIMD: " + Eigen::SimdInstructionSetsInUse() + ")";
}

struct Options {
  const Preset* preset = &kPresets[0];
  int threads = 0, runs = 10, warmup = 2;
  bool json = false;
};

Options parse_options(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--json") o.json = true;
    else if (arg == "--threads" && has_value) o.threads = std::atoi(argv[++i]);
    else if (arg == "--runs" && has_value) o.runs = std::max(1, std::atoi(argv[++i]));
    else if (arg == "--warmup" && has_value) o.warmup = std::max(0, std::atoi(argv[++i]));
    else if (arg == "--preset" && has_value) {
      const std::string name = argv[++i];
      o.preset = nullptr;
      for (const Preset& p : kPresets)
        if (name == p.name) o.preset = &p;
      if (!o.preset) throw bertpp::ArgumentError("unknown preset '" + name + "' (bert-base, minilm-l6, bert-tiny)");
    } else {
      throw bertpp::ArgumentError("usage: bertpp-bench-encoder [--preset NAME] [--threads N] [--runs N] "
                                  "[--warmup N] [--json]; bad argument '" + arg + "'");
    }
  }
  return o;
}

// Removes the model folder however the run ends.
struct TempFolder {
  std::string path;
  TempFolder() {
    std::string pattern = (std::filesystem::temp_directory_path() / "bertpp-bench-XXXXXX").string();
    if (!::mkdtemp(pattern.data())) throw bertpp::Error("mkdtemp failed");
    path = pattern;
  }
  ~TempFolder() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
};

int run(int argc, char** argv) {
  const Options o = parse_options(argc, argv);
  if (o.threads > 0) bertpp::set_num_threads(o.threads);
  const Preset& p = *o.preset;
  TempFolder folder;
  write_model(p, folder.path);
  const double rss_before = peak_rss_mb();
  const auto load_start = std::chrono::steady_clock::now();
  const bertpp::AutoModel model = bertpp::AutoModel::from_folder(folder.path);
  const double load_seconds = seconds_since(load_start);
  const double rss_loaded = peak_rss_mb();

  nlohmann::json report = {{"preset", p.name},
                           {"threads", bertpp::num_threads()},
                           {"compiler", std::string("g++ ") + __VERSION__},
                           {"flags", compile_flags()},
                           {"cpu", cpu_model()},
                           {"omp_wait_policy", std::getenv("OMP_WAIT_POLICY") ? std::getenv("OMP_WAIT_POLICY") : "unset"},
                           {"load_seconds", load_seconds},
                           {"peak_rss_mb_after_load", rss_loaded},
                           {"peak_rss_mb_before_load", rss_before},
                           {"cases", nlohmann::json::array()}};
  if (!o.json)
    std::printf("preset %s, threads %d, %s, %s\ncpu: %s\nOMP_WAIT_POLICY=%s\nload %.3f s, peak RSS %.1f MB after load\n\n"
                "%-8s %6s %7s %12s %12s %9s\n",
                p.name, bertpp::num_threads(), report["compiler"].get<std::string>().c_str(),
                report["flags"].get<std::string>().c_str(), report["cpu"].get<std::string>().c_str(),
                report["omp_wait_policy"].get<std::string>().c_str(), load_seconds, rss_loaded, "case",
                "tokens", "padded", "median ms", "tokens/s", "GFLOP/s");
  for (const Case& c : make_cases()) {
    const bertpp::ModelInput input = make_input(c);
    double real_tokens = 0;
    for (int length : c.lengths) real_tokens += length;
    for (int i = 0; i < o.warmup; ++i) model.forward(input);
    std::vector<double> times;
    for (int i = 0; i < o.runs; ++i) {
      const auto start = std::chrono::steady_clock::now();
      const bertpp::EncoderOutput out = model.forward(input);
      times.push_back(seconds_since(start));
      if (!std::isfinite(out.last_hidden_state(0, 0))) throw bertpp::Error("non-finite output");
    }
    const double t = median(times);
    const double gflops = forward_flops(p, input) / t * 1e-9;
    report["cases"].push_back({{"case", c.name},
                               {"tokens", real_tokens},
                               {"padded_tokens", input.tokens()},
                               {"median_ms", t * 1e3},
                               {"min_ms", *std::min_element(times.begin(), times.end()) * 1e3},
                               {"tokens_per_s", real_tokens / t},
                               {"gflops", gflops}});
    if (!o.json)
      std::printf("%-8s %6.0f %7ld %12.2f %12.1f %9.1f\n", c.name.c_str(), real_tokens,
                  static_cast<long>(input.tokens()), t * 1e3, real_tokens / t, gflops);
  }
  report["peak_rss_mb"] = peak_rss_mb();
  if (o.json) std::cout << report.dump(2) << "\n";
  else std::printf("\npeak RSS %.1f MB at exit\n", peak_rss_mb());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bertpp-bench-encoder: %s\n", e.what());
    return 1;
  }
}
