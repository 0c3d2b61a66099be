// Encoder throughput: writes a random-weight BERT of a preset shape
// (config.json + model.safetensors in a temp folder), loads it through
// AutoModel::from_folder (so mmap loading is part of the picture) and times
// forward passes over fixed batch shapes. Prints median latency, tokens/s
// (real, unpadded tokens) and achieved GFLOP/s per case.
//
//   bertpp-bench-encoder [--preset bert-base|minilm-l6|bert-tiny] [--threads N]
//                        [--runs N] [--warmup N] [--int8] [--dtype f32|f16|bf16] [--load-only] [--json]
//                        [--sentences FILE --tokenizer MODEL_FOLDER]
//                        [--cases NAME,NAME,...] [--dump-inputs FILE]
//                        [--pipeline SENTENCE_TRANSFORMERS_FOLDER]
//
// Cases: 1x128, 8x128, 32x32, 1x512, 8x512, a synthetic mixed-length batch
// of 32 and, with --sentences, 32 lines spread over FILE (plain text or JSON
// Lines with a "text" field) tokenized by MODEL_FOLDER's tokenizer. Mixed
// batches run padded (as HF computes them) and packed
// (ForwardOptions::skip_padding). --cases runs only the named ones;
// --dump-inputs writes every case's token ids as JSON (what
// examples/bench/ort_cases.js and torch_cases.py feed ONNX Runtime and
// PyTorch; all cases, whatever --cases says). --int8 loads the model
// with Quantization::DynamicInt8 (GFLOP/s then counts the int8
// multiply-adds alike). --dtype stores the weights as F16 or BF16
// (converted to float32 at load); the report gives resident memory (RSS)
// before and after loading and at exit; --load-only stops after loading.
//
// --pipeline also times the whole sentence-embedding pipeline (tokenize,
// pack, encode, pool, normalise; SentenceEmbeddingPipeline::encode) over
// every line of --sentences, in sentences/s, with a model of the preset's
// shape in a folder holding FOLDER's modules.json, pooling config and
// tokenizer files (e.g. a sentence-transformers model folder without its
// weights).
//
// The kernels in use (bertpp::float32_kernel_name() and, with --int8,
// bertpp::int8_kernel_name(); capped by BERTPP_ISA) are
// printed with the results.
//
// Threads: --threads N (default: all cores) sizes bertpp's worker pool, the
// calling thread included.
#include "xorshift.hpp"
#include <bertpp/io/safetensors_writer.hpp>
#include <bertpp/models/auto_model.hpp>
#include <bertpp/pipelines/sentence_embeddings.hpp>
#include <bertpp/tokenizer/tokenizer.hpp>
#include <bertpp/runtime.hpp>

#include <nlohmann/json.hpp>

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
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

using bertpp_bench::XorShift;

// The dtype the weights are stored in (--dtype).
std::string g_dtype = "F32";

// float -> IEEE half, round to nearest even (the weights here are normal or zero).
std::uint16_t to_f16(float value) {
  std::uint32_t x;
  std::memcpy(&x, &value, sizeof x);
  const std::uint32_t sign = (x >> 16) & 0x8000u, mantissa = x & 0x7fffffu;
  const int exponent = static_cast<int>((x >> 23) & 0xffu) - 127 + 15;
  if (exponent >= 31) return static_cast<std::uint16_t>(sign | 0x7c00u);
  if (exponent <= 0) {  // subnormal half (or zero)
    if (exponent < -10) return static_cast<std::uint16_t>(sign);
    const std::uint32_t full = mantissa | 0x800000u;
    const int shift = 14 - exponent;
    std::uint32_t half = full >> shift;
    const std::uint32_t rest = full & ((1u << shift) - 1), middle = 1u << (shift - 1);
    if (rest > middle || (rest == middle && (half & 1u))) ++half;
    return static_cast<std::uint16_t>(sign | half);
  }
  std::uint32_t half = (static_cast<std::uint32_t>(exponent) << 10) | (mantissa >> 13);
  const std::uint32_t rest = mantissa & 0x1fffu;
  if (rest > 0x1000u || (rest == 0x1000u && (half & 1u))) ++half;
  return static_cast<std::uint16_t>(sign | half);
}

std::uint16_t to_bf16(float value) {
  std::uint32_t x;
  std::memcpy(&x, &value, sizeof x);
  return static_cast<std::uint16_t>((x + 0x7fffu + ((x >> 16) & 1u)) >> 16);
}

// Adds a tensor in g_dtype.
void add(bertpp::SafetensorsWriter& w, const std::string& name, std::vector<std::int64_t> shape,
         const bertpp::SafetensorsWriter::Generator& generate) {
  if (g_dtype == "F32") {
    w.add(name, std::move(shape), generate);
    return;
  }
  std::size_t count = 1;
  for (auto d : shape) count *= static_cast<std::size_t>(d);
  std::vector<float> values(count);
  generate(values.data(), count);
  std::string bytes(2 * count, '\0');
  for (std::size_t i = 0; i < count; ++i) {
    const std::uint16_t bits = g_dtype == "F16" ? to_f16(values[i]) : to_bf16(values[i]);
    bytes[2 * i] = static_cast<char>(bits & 0xff);
    bytes[2 * i + 1] = static_cast<char>(bits >> 8);
  }
  w.add_raw(name, g_dtype, std::move(shape), std::move(bytes));
}

// Random weights in [-0.04, 0.04), drawn as the file is written.
bertpp::SafetensorsWriter::Generator random_values(XorShift& random) {
  return [&random](float* values, std::size_t count) {
    for (std::size_t i = 0; i < count; ++i) values[i] = random.uniform(0.04f);
  };
}

bertpp::SafetensorsWriter::Generator constant_values(float value) {
  return [value](float* values, std::size_t count) { std::fill_n(values, count, value); };
}

void add_linear(bertpp::SafetensorsWriter& w, XorShift& random, const std::string& scope, int in, int out) {
  add(w, scope + ".weight", {out, in}, random_values(random));
  add(w, scope + ".bias", {out}, random_values(random));
}

void add_norm(bertpp::SafetensorsWriter& w, const std::string& scope, int size) {
  add(w, scope + ".weight", {size}, constant_values(1.0f));
  add(w, scope + ".bias", {size}, constant_values(0.0f));
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
  bertpp::SafetensorsWriter w;
  XorShift random;
  add(w, "embeddings.word_embeddings.weight", {kVocab, p.hidden}, random_values(random));
  add(w, "embeddings.position_embeddings.weight", {kPositions, p.hidden}, random_values(random));
  add(w, "embeddings.token_type_embeddings.weight", {kTypes, p.hidden}, random_values(random));
  add_norm(w, "embeddings.LayerNorm", p.hidden);
  for (int i = 0; i < p.layers; ++i) {
    const std::string s = "encoder.layer." + std::to_string(i);
    for (const char* part : {".attention.self.query", ".attention.self.key", ".attention.self.value",
                             ".attention.output.dense"})
      add_linear(w, random, s + part, p.hidden, p.hidden);
    add_norm(w, s + ".attention.output.LayerNorm", p.hidden);
    add_linear(w, random, s + ".intermediate.dense", p.hidden, p.intermediate);
    add_linear(w, random, s + ".output.dense", p.intermediate, p.hidden);
    add_norm(w, s + ".output.LayerNorm", p.hidden);
  }
  add_linear(w, random, "pooler.dense", p.hidden, p.hidden);
  w.write(dir + "/model.safetensors");
}

struct Case {
  std::string name;
  std::vector<std::vector<std::int32_t>> sequences;  // token ids; padded to the longest
  bool skip_padding = false;                         // ForwardOptions::skip_padding
};

// A sequence of `length` ids shaped like a tokenizer's: [CLS] ... [SEP].
std::vector<std::int32_t> synthetic_ids(int length, XorShift& random) {
  std::vector<std::int32_t> ids;
  for (int i = 0; i < length; ++i)
    ids.push_back(i == 0 ? 101 : i == length - 1 ? 102 : 1000 + static_cast<int>(random.next() % 20000));
  return ids;
}

Case uniform_case(int batch, int length) {
  XorShift random;
  Case c{std::to_string(batch) + "x" + std::to_string(length), {}};
  for (int i = 0; i < batch; ++i) c.sequences.push_back(synthetic_ids(length, random));
  return c;
}

// A mixed-length batch run both ways: padded (what HF computes) and packed.
void add_mixed(std::vector<Case>& cases, Case mixed) {
  std::sort(mixed.sequences.begin(), mixed.sequences.end(),  // as pipelines sort by length
            [](const auto& a, const auto& b) { return a.size() > b.size(); });
  Case packed = mixed;
  packed.name += "-packed";
  packed.skip_padding = true;
  cases.push_back(std::move(mixed));
  cases.push_back(std::move(packed));
}

// 32 sentences with lengths from a fixed skewed distribution in [8, 128]
// (many short, a few long), as real sentence batches are.
Case synthetic_mixed() {
  XorShift random;
  Case mixed{"mixed32", {}};
  for (int i = 0; i < 32; ++i) {
    const double u = static_cast<double>(random.next() >> 11) / 9007199254740992.0;
    mixed.sequences.push_back(synthetic_ids(8 + static_cast<int>(120.0 * u * u), random));
  }
  return mixed;
}

// The lines of a text file (plain lines, or JSON Lines with a "text" field).
std::vector<std::string> read_sentences(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw bertpp::Error(path + ": cannot open the sentences file");
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    if (line.front() == '{') {
      const nlohmann::json object = nlohmann::json::parse(line, nullptr, false);
      if (object.is_object() && object.contains("text") && object["text"].is_string())
        lines.push_back(object["text"].get<std::string>());
    } else {
      lines.push_back(line);
    }
  }
  if (lines.empty()) throw bertpp::Error(path + ": no sentences");
  return lines;
}

// `count` lines spread evenly over a text file, tokenized by the tokenizer
// of a model folder.
Case sentences_case(const std::string& path, const std::string& tokenizer_folder, int count) {
  const std::vector<std::string> lines = read_sentences(path);
  const auto tokenizer = bertpp::Tokenizer::from_folder(tokenizer_folder);
  if (tokenizer.vocab_size() > static_cast<std::size_t>(kVocab))
    throw bertpp::Error(tokenizer_folder + ": vocabulary larger than the benchmark model's " +
                        std::to_string(kVocab));
  bertpp::EncodeOptions options;
  options.truncation = bertpp::TruncationOptions{128};
  Case c{"sentences" + std::to_string(count), {}};
  const std::size_t step = std::max<std::size_t>(1, lines.size() / static_cast<std::size_t>(count));
  for (std::size_t i = 0; i < lines.size() && c.sequences.size() < static_cast<std::size_t>(count); i += step)
    c.sequences.push_back(tokenizer.encode(lines[i], options).ids);
  return c;
}

bertpp::ModelInput make_input(const Case& c) {
  std::vector<bertpp::Encoding> encodings;
  for (const auto& ids : c.sequences) {
    bertpp::Encoding e;
    e.ids = ids;
    e.type_ids.assign(e.ids.size(), 0);
    e.attention_mask.assign(e.ids.size(), 1);
    encodings.push_back(std::move(e));
  }
  return bertpp::ModelInput::from_encodings(encodings);
}

// Multiply-adds count 2 FLOPs, over what is computed: every padded position,
// or only real tokens when padding is skipped.
double forward_flops(const Preset& p, const Case& c, const bertpp::ModelInput& input) {
  const double h = p.hidden, inner = p.intermediate;
  double tokens = 0, attention = 0;
  for (const auto& ids : c.sequences) {
    const double n = c.skip_padding ? static_cast<double>(ids.size()) : static_cast<double>(input.seq_len);
    tokens += n;
    attention += 4.0 * n * n * h;
  }
  return p.layers * (2.0 * tokens * h * (4.0 * h + 2.0 * inner) + attention);
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

// Resident memory now (Linux /proc), in MB; 0 where unavailable.
double current_rss_mb() {
  std::ifstream in("/proc/self/statm");
  double total_pages = 0, resident_pages = 0;
  if (!(in >> total_pages >> resident_pages)) return 0;
  return resident_pages * static_cast<double>(::sysconf(_SC_PAGESIZE)) / (1024.0 * 1024.0);
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
  bool json = false, int8 = false, load_only = false;
  std::string sentences, tokenizer;  // --sentences FILE --tokenizer MODEL_FOLDER
  std::string cases, dump_inputs, pipeline;
};

Options parse_options(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--json") o.json = true;
    else if (arg == "--int8") o.int8 = true;
    else if (arg == "--load-only") o.load_only = true;
    else if (arg == "--dtype" && has_value) {
      std::string dtype = argv[++i];
      for (char& ch : dtype) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      if (dtype != "F32" && dtype != "F16" && dtype != "BF16")
        throw bertpp::ArgumentError("unknown --dtype '" + dtype + "' (f32, f16, bf16)");
      g_dtype = dtype;
    }
    else if (arg == "--threads" && has_value) o.threads = std::atoi(argv[++i]);
    else if (arg == "--runs" && has_value) o.runs = std::max(1, std::atoi(argv[++i]));
    else if (arg == "--warmup" && has_value) o.warmup = std::max(0, std::atoi(argv[++i]));
    else if (arg == "--sentences" && has_value) o.sentences = argv[++i];
    else if (arg == "--tokenizer" && has_value) o.tokenizer = argv[++i];
    else if (arg == "--cases" && has_value) o.cases = argv[++i];
    else if (arg == "--dump-inputs" && has_value) o.dump_inputs = argv[++i];
    else if (arg == "--pipeline" && has_value) o.pipeline = argv[++i];
    else if (arg == "--preset" && has_value) {
      const std::string name = argv[++i];
      o.preset = nullptr;
      for (const Preset& p : kPresets)
        if (name == p.name) o.preset = &p;
      if (!o.preset) throw bertpp::ArgumentError("unknown preset '" + name + "' (bert-base, minilm-l6, bert-tiny)");
    } else {
      throw bertpp::ArgumentError("usage: bertpp-bench-encoder [--preset NAME] [--threads N] [--runs N] "
                                  "[--warmup N] [--int8] [--dtype f32|f16|bf16] [--load-only] "
                                  "[--sentences FILE --tokenizer MODEL_FOLDER] [--cases LIST] "
                                  "[--dump-inputs FILE] [--pipeline FOLDER] [--json]; "
                                  "bad argument '" + arg + "'");
    }
  }
  if (o.sentences.empty() != o.tokenizer.empty())
    throw bertpp::ArgumentError("--sentences and --tokenizer go together");
  if (!o.pipeline.empty() && o.sentences.empty())
    throw bertpp::ArgumentError("--pipeline needs --sentences (and --tokenizer)");
  return o;
}

std::vector<Case> make_cases(const Options& o) {
  std::vector<Case> cases = {uniform_case(1, 128), uniform_case(8, 128), uniform_case(32, 32),
                             uniform_case(1, 512), uniform_case(8, 512)};
  add_mixed(cases, synthetic_mixed());
  if (!o.sentences.empty()) add_mixed(cases, sentences_case(o.sentences, o.tokenizer, 32));
  return cases;
}

// The cases --cases names (all without it).
std::vector<Case> select_cases(std::vector<Case> cases, const Options& o) {
  if (o.cases.empty()) return cases;
  std::vector<Case> chosen;
  const std::string list = "," + o.cases + ",";
  for (Case& c : cases)
    if (list.find("," + c.name + ",") != std::string::npos) chosen.push_back(std::move(c));
  if (chosen.empty()) throw bertpp::ArgumentError("--cases " + o.cases + ": no such case");
  return chosen;
}

// Every case's token ids, for another engine to run the same inputs.
void dump_inputs(const std::vector<Case>& cases, const std::string& path) {
  nlohmann::json out = nlohmann::json::array();
  for (const Case& c : cases)
    out.push_back({{"name", c.name}, {"packed", c.skip_padding}, {"sequences", c.sequences}});
  std::ofstream file(path);
  if (!(file << out.dump() << "\n")) throw bertpp::Error(path + ": cannot write");
}

// A sentence-transformers folder with the preset's random weights: the
// benchmark model's files plus `source`'s modules, pooling and tokenizer.
void write_sentence_model(const Preset& p, const std::string& source, const std::string& dir) {
  namespace fs = std::filesystem;
  write_model(p, dir);
  for (const auto& entry : fs::directory_iterator(source)) {
    const std::string name = entry.path().filename().string();
    if (name == "config.json" || name == "model.safetensors" || name == "pytorch_model.bin") continue;
    fs::copy(entry.path(), fs::path(dir) / name, fs::copy_options::recursive | fs::copy_options::overwrite_existing);
  }
}

// Sentences per second of SentenceEmbeddingPipeline::encode over `lines`
// (best of `runs` after `warmup`).
nlohmann::json time_pipeline(const Options& o, const std::string& folder, const std::vector<std::string>& lines) {
  bertpp::LoadOptions load_options;
  if (o.int8) load_options.quantization = bertpp::Quantization::DynamicInt8;
  const bertpp::SentenceEmbeddingPipeline pipeline(folder, load_options);
  for (int i = 0; i < std::max(1, o.warmup); ++i) pipeline.encode(lines);
  std::vector<double> times;
  for (int i = 0; i < std::max(1, o.runs / 3); ++i) {
    const auto start = std::chrono::steady_clock::now();
    const bertpp::Matrix e = pipeline.encode(lines);
    times.push_back(seconds_since(start));
    if (!std::isfinite(e(0, 0))) throw bertpp::Error("non-finite embedding");
  }
  const double t = median(times), best = *std::min_element(times.begin(), times.end());
  return {{"case", "pipeline"},
          {"sentences", lines.size()},
          {"median_ms", t * 1e3},
          {"min_ms", best * 1e3},
          {"sentences_per_s", static_cast<double>(lines.size()) / t},
          {"best_sentences_per_s", static_cast<double>(lines.size()) / best}};
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
  const double rss_now_before = current_rss_mb();
  const auto load_start = std::chrono::steady_clock::now();
  bertpp::LoadOptions load_options;
  if (o.int8) load_options.quantization = bertpp::Quantization::DynamicInt8;
  const bertpp::AutoModel model = bertpp::AutoModel::from_folder(folder.path, load_options);
  const double load_seconds = seconds_since(load_start);
  const double rss_loaded = peak_rss_mb();
  const double rss_after_load = current_rss_mb();

  nlohmann::json report = {{"preset", p.name},
                           {"threads", bertpp::num_threads()},
                           {"weights", o.int8 ? std::string("int8 (") + bertpp::int8_kernel_name() + ")"
                                              : std::string("float32")},
                           {"kernels", bertpp::float32_kernel_name()},
                           {"compiler", std::string("g++ ") + __VERSION__},
                           {"flags", compile_flags()},
                           {"cpu", cpu_model()},
                           {"load_seconds", load_seconds},
                           {"dtype", g_dtype},
                           {"peak_rss_mb_after_load", rss_loaded},
                           {"rss_mb_before_load", rss_now_before},
                           {"rss_mb_after_load", rss_after_load},
                           {"peak_rss_mb_before_load", rss_before},
                           {"cases", nlohmann::json::array()}};
  if (!o.json)
    std::printf("preset %s (%s stored), %s, kernels %s, threads %d, %s, %s\ncpu: %s\n"
                "load %.3f s, RSS %.1f MB after load (peak %.1f MB)\n\n"
                "%-18s %6s %7s %12s %12s %9s\n",
                p.name, g_dtype.c_str(), report["weights"].get<std::string>().c_str(),
                report["kernels"].get<std::string>().c_str(), bertpp::num_threads(), report["compiler"].get<std::string>().c_str(),
                report["flags"].get<std::string>().c_str(), report["cpu"].get<std::string>().c_str(),
                load_seconds, rss_after_load, rss_loaded, "case",
                "tokens", "padded", "median ms", "tokens/s", "GFLOP/s");
  std::vector<Case> cases = o.load_only ? std::vector<Case>{} : make_cases(o);
  if (!o.dump_inputs.empty()) dump_inputs(cases, o.dump_inputs);
  if (!o.load_only) cases = select_cases(std::move(cases), o);
  for (const Case& c : cases) {
    const bertpp::ModelInput input = make_input(c);
    bertpp::ForwardOptions forward;
    forward.skip_padding = c.skip_padding;
    double real_tokens = 0;
    for (const auto& ids : c.sequences) real_tokens += static_cast<double>(ids.size());
    for (int i = 0; i < o.warmup; ++i) model.forward(input, forward);
    std::vector<double> times;
    for (int i = 0; i < o.runs; ++i) {
      const auto start = std::chrono::steady_clock::now();
      const bertpp::EncoderOutput out = model.forward(input, forward);
      times.push_back(seconds_since(start));
      if (!std::isfinite(out.last_hidden_state(0, 0))) throw bertpp::Error("non-finite output");
    }
    const double t = median(times);
    const double gflops = forward_flops(p, c, input) / t * 1e-9;
    report["cases"].push_back({{"case", c.name},
                               {"tokens", real_tokens},
                               {"padded_tokens", input.tokens()},
                               {"skip_padding", c.skip_padding},
                               {"median_ms", t * 1e3},
                               {"min_ms", *std::min_element(times.begin(), times.end()) * 1e3},
                               {"tokens_per_s", real_tokens / t},
                               {"best_tokens_per_s", real_tokens / *std::min_element(times.begin(), times.end())},
                               {"gflops", gflops}});
    if (!o.json)
      std::printf("%-18s %6.0f %7ld %12.2f %12.1f %9.1f\n", c.name.c_str(), real_tokens,
                  static_cast<long>(input.tokens()), t * 1e3, real_tokens / t, gflops);
  }
  if (!o.pipeline.empty()) {
    TempFolder sentence_folder;
    write_sentence_model(p, o.pipeline, sentence_folder.path);
    const std::vector<std::string> lines = read_sentences(o.sentences);
    const nlohmann::json result = time_pipeline(o, sentence_folder.path, lines);
    report["pipeline"] = result;
    if (!o.json)
      std::printf("\npipeline (tokenize, pack, encode, pool, normalise) over %zu sentences: "
                  "median %.1f ms, %.1f sentences/s\n",
                  lines.size(), result["median_ms"].get<double>(), result["sentences_per_s"].get<double>());
  }
  report["peak_rss_mb"] = peak_rss_mb();
  report["rss_mb_at_exit"] = current_rss_mb();
  if (o.json) std::cout << report.dump(2) << "\n";
  else std::printf("\nRSS %.1f MB at exit, peak %.1f MB\n", current_rss_mb(), peak_rss_mb());
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
