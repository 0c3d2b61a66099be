// Translation decode speed: writes a random-weight MarianMT model of
// Helsinki-NLP/opus-mt-en-fr's real shape (d_model 512, 6+6 layers, 8 heads,
// ffn 2048, vocab 59,514, 512 positions) to a temp folder, loads it through
// MarianMTModel::from_folder and times generate():
//   - greedy and 4-beam search, one sentence and batches (tokens/s generated:
//     new tokens per sentence, beams not counted; GFLOP/s of the decoder);
//   - the key/value cache: ms per decoding step at growing prefix lengths,
//     with the cache and without it (every step recomputing the whole prefix,
//     as use_cache=False), alternated in one run.
// Generation is held to exactly --new-tokens tokens (min_length bans </s>
// until the last step, where it is forced), so every run does the same work.
//
//   bertpp-bench-decode [--threads N] [--runs N] [--new-tokens N] [--source-len N]
//                       [--cache-prefix N] [--int8] [--json]
// --int8 loads the model with Quantization::DynamicInt8 (encoder and decoder
// layers; the LM head stays float32).
#include "xorshift.hpp"
#include <bertpp/io/safetensors_writer.hpp>
#include <bertpp/models/generation.hpp>
#include <bertpp/models/marian.hpp>
#include <bertpp/runtime.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace {

constexpr int kModel = 512, kLayers = 6, kHeads = 8, kFfn = 2048, kVocab = 59514, kPositions = 512;
constexpr int kPad = 59513, kEos = 0;

using bertpp_bench::XorShift;

bertpp::SafetensorsWriter::Generator random_values(XorShift& random, float scale) {
  return [&random, scale](float* values, std::size_t count) {
    for (std::size_t i = 0; i < count; ++i) values[i] = random.uniform(scale);
  };
}

bertpp::SafetensorsWriter::Generator constant_values(float value) {
  return [value](float* values, std::size_t count) { std::fill_n(values, count, value); };
}

void add_linear(bertpp::SafetensorsWriter& w, XorShift& random, const std::string& scope, int in, int out) {
  w.add(scope + ".weight", {out, in}, random_values(random, 0.04f));
  w.add(scope + ".bias", {out}, random_values(random, 0.02f));
}

void add_norm(bertpp::SafetensorsWriter& w, const std::string& scope) {
  w.add(scope + ".weight", {kModel}, constant_values(1.0f));
  w.add(scope + ".bias", {kModel}, constant_values(0.0f));
}

// config.json keys as opus-mt-en-fr's; the weights random.
void write_model(const std::string& dir) {
  const nlohmann::json config = {
      {"architectures", {"MarianMTModel"}}, {"model_type", "marian"}, {"activation_function", "swish"},
      {"d_model", kModel}, {"encoder_layers", kLayers}, {"decoder_layers", kLayers},
      {"encoder_attention_heads", kHeads}, {"decoder_attention_heads", kHeads},
      {"encoder_ffn_dim", kFfn}, {"decoder_ffn_dim", kFfn}, {"vocab_size", kVocab},
      {"decoder_vocab_size", kVocab}, {"max_position_embeddings", kPositions}, {"scale_embedding", true},
      {"pad_token_id", kPad}, {"eos_token_id", kEos}, {"decoder_start_token_id", kPad},
      {"forced_eos_token_id", kEos}, {"normalize_before", false}, {"static_position_embeddings", true},
      {"share_encoder_decoder_embeddings", true}};
  std::ofstream(dir + "/config.json") << config.dump(2);
  const nlohmann::json generation = {{"bad_words_ids", {{kPad}}}, {"bos_token_id", 0},
                                     {"decoder_start_token_id", kPad}, {"eos_token_id", kEos},
                                     {"forced_eos_token_id", kEos}, {"max_length", 512},
                                     {"num_beams", 4}, {"pad_token_id", kPad},
                                     {"renormalize_logits", true}};
  std::ofstream(dir + "/generation_config.json") << generation.dump(2);
  bertpp::SafetensorsWriter w;
  XorShift random;
  w.add("model.shared.weight", {kVocab, kModel}, random_values(random, 0.04f));
  w.add("final_logits_bias", {1, kVocab}, random_values(random, 0.5f));
  for (const char* stack : {"encoder", "decoder"}) {
    for (int i = 0; i < kLayers; ++i) {
      const std::string s = std::string("model.") + stack + ".layers." + std::to_string(i) + ".";
      for (const char* p : {"q_proj", "k_proj", "v_proj", "out_proj"})
        add_linear(w, random, s + "self_attn." + p, kModel, kModel);
      add_norm(w, s + "self_attn_layer_norm");
      if (std::string(stack) == "decoder") {
        for (const char* p : {"q_proj", "k_proj", "v_proj", "out_proj"})
          add_linear(w, random, s + "encoder_attn." + p, kModel, kModel);
        add_norm(w, s + "encoder_attn_layer_norm");
      }
      add_linear(w, random, s + "fc1", kModel, kFfn);
      add_linear(w, random, s + "fc2", kFfn, kModel);
      add_norm(w, s + "final_layer_norm");
    }
  }
  w.write(dir + "/model.safetensors");
}

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// A source batch of `batch` sentences of `length` ids (the last one </s>),
// lengths staggered by up to a quarter so the batch carries padding.
bertpp::ModelInput source_batch(int batch, int length, XorShift& random) {
  std::vector<bertpp::Encoding> encodings(static_cast<std::size_t>(batch));
  for (int b = 0; b < batch; ++b) {
    const int n = std::max(2, length - (b % 4) * length / 16);
    for (int i = 0; i < n - 1; ++i) encodings[static_cast<std::size_t>(b)].ids.push_back(10 + static_cast<int>(random.next() % 50000));
    encodings[static_cast<std::size_t>(b)].ids.push_back(kEos);
  }
  return bertpp::ModelInput::from_encodings(encodings, kPad);
}

// Decoder FLOPs of one step for one row at prefix length `prefix`: the
// layers' projections and FFN, the attention dot products, the LM head.
double step_flops(double prefix, double source) {
  const double d = kModel;
  const double per_layer = 2.0 * (6.0 * d * d + 2.0 * d * kFfn) + 4.0 * d * (prefix + source);
  return kLayers * per_layer + 2.0 * d * kVocab;
}

struct Options {
  int threads = 0, runs = 3, new_tokens = 32, source_len = 24, cache_prefix = 256;
  bool json = false, int8 = false;
};

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool value = i + 1 < argc;
    if (arg == "--json") o.json = true;
    else if (arg == "--int8") o.int8 = true;
    else if (arg == "--threads" && value) o.threads = std::atoi(argv[++i]);
    else if (arg == "--runs" && value) o.runs = std::max(1, std::atoi(argv[++i]));
    else if (arg == "--new-tokens" && value) o.new_tokens = std::max(2, std::atoi(argv[++i]));
    else if (arg == "--source-len" && value) o.source_len = std::max(2, std::atoi(argv[++i]));
    else if (arg == "--cache-prefix" && value) o.cache_prefix = std::min(kPositions, std::max(16, std::atoi(argv[++i])));
    else {
      std::fprintf(stderr, "usage: %s [--threads N] [--runs N] [--new-tokens N] [--source-len N] "
                           "[--cache-prefix N] [--int8] [--json]\n", argv[0]);
      return 2;
    }
  }
  if (o.threads > 0) bertpp::set_num_threads(o.threads);
  const auto dir = std::filesystem::temp_directory_path() / ("bertpp-bench-decode-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  write_model(dir.string());
  const auto load_start = Clock::now();
  bertpp::LoadOptions load;
  if (o.int8) load.quantization = bertpp::Quantization::DynamicInt8;
  const bertpp::MarianMTModel model = bertpp::MarianMTModel::from_folder(dir.string(), load);
  const double load_seconds = seconds_since(load_start);
  nlohmann::json report = {{"int8", o.int8}, {"threads", bertpp::num_threads()}, {"load_seconds", load_seconds},
                           {"new_tokens", o.new_tokens}, {"source_len", o.source_len}};
  if (!o.json)
    std::printf("MarianMT opus-mt-en-fr shape (random weights), %s, threads %d, load %.2f s\n"
                "generate(): exactly %d new tokens per sentence, source ~%d tokens, best of %d runs\n\n"
                "%-22s %10s %14s %12s %10s\n",
                o.int8 ? "int8" : "fp32", bertpp::num_threads(), load_seconds, o.new_tokens, o.source_len, o.runs, "case", "seconds",
                "tokens/s", "steps/s", "GFLOP/s");

  // --- generate(): greedy and beam search, one sentence and batches ---
  struct Case {
    const char* name;
    int beams, batch;
  };
  const Case cases[] = {{"greedy, 1 sentence", 1, 1}, {"greedy, batch 8", 1, 8}, {"greedy, batch 32", 1, 32},
                        {"4 beams, 1 sentence", 4, 1}, {"4 beams, batch 8", 4, 8}};
  nlohmann::json generate_report = nlohmann::json::array();
  for (const Case& c : cases) {
    XorShift random;
    const bertpp::ModelInput input = source_batch(c.batch, o.source_len, random);
    bertpp::GenerationConfig config = model.generation_config();
    config.update({{"num_beams", c.beams}, {"max_new_tokens", o.new_tokens}, {"min_length", o.new_tokens + 1}},
                  "benchmark");
    double best = 1e30;
    for (int run = 0; run < o.runs; ++run) {
      const auto start = Clock::now();
      const auto out = bertpp::generate(model, input, config);
      best = std::min(best, seconds_since(start));
      if (out.sequences.size() != static_cast<std::size_t>(c.batch) ||
          out.sequences[0].size() != static_cast<std::size_t>(o.new_tokens + 1)) {
        std::fprintf(stderr, "unexpected output length\n");
        return 1;
      }
    }
    const double tokens = static_cast<double>(c.batch) * o.new_tokens;
    double flops = 0;
    for (int t = 0; t < o.new_tokens; ++t) flops += c.batch * c.beams * step_flops(t + 1, o.source_len);
    const double steps = o.new_tokens / best;
    if (!o.json)
      std::printf("%-22s %10.3f %14.1f %12.1f %10.1f\n", c.name, best, tokens / best, steps, flops / best / 1e9);
    generate_report.push_back({{"case", c.name}, {"beams", c.beams}, {"batch", c.batch}, {"seconds", best},
                               {"tokens_per_second", tokens / best}, {"gflops", flops / best / 1e9}});
  }
  report["generate"] = generate_report;

  // --- the key/value cache: per-step cost against the prefix length ---
  XorShift random;
  const bertpp::ModelInput input = source_batch(1, o.source_len, random);
  bertpp::ForwardOptions encode_options;
  const auto encoded = model.encode(input, encode_options);
  std::vector<std::int32_t> prefix_ids;
  for (int t = 0; t < o.cache_prefix; ++t) prefix_ids.push_back(t == 0 ? kPad : 10 + static_cast<int>(random.next() % 50000));
  std::vector<int> marks;
  for (int p = 16; p <= o.cache_prefix; p *= 2) marks.push_back(p);
  // With the cache: time each step of one long decode; report the steps
  // just before each mark (averaged over 8 steps).
  std::vector<double> cached(marks.size(), 1e30), uncached(marks.size(), 1e30);
  for (int run = 0; run < o.runs; ++run) {
    auto cache = model.start_decoding(encoded.last_hidden_state, input.attention_mask, 1, input.seq_len);
    std::vector<double> step_seconds;
    for (int t = 0; t < o.cache_prefix; ++t) {
      const auto start = Clock::now();
      model.decode(cache, {prefix_ids[static_cast<std::size_t>(t)]}, 1);
      step_seconds.push_back(seconds_since(start));
    }
    for (std::size_t m = 0; m < marks.size(); ++m) {
      double sum = 0;
      for (int t = marks[m] - 8; t < marks[m]; ++t) sum += step_seconds[static_cast<std::size_t>(t)];
      cached[m] = std::min(cached[m], sum / 8);
    }
    // Without the cache: a step at prefix p recomputes all p positions.
    for (std::size_t m = 0; m < marks.size(); ++m) {
      const int p = marks[m];
      auto fresh = model.start_decoding(encoded.last_hidden_state, input.attention_mask, 1, input.seq_len);
      const std::vector<std::int32_t> ids(prefix_ids.begin(), prefix_ids.begin() + p);
      const auto start = Clock::now();
      model.decode(fresh, ids, p);
      uncached[m] = std::min(uncached[m], seconds_since(start));
    }
  }
  nlohmann::json cache_report = nlohmann::json::array();
  if (!o.json)
    std::printf("\nper decoding step (greedy, 1 sentence), ms, best of %d runs\n%-14s %14s %16s %10s\n", o.runs,
                "prefix length", "with KV cache", "without cache", "ratio");
  for (std::size_t m = 0; m < marks.size(); ++m) {
    if (!o.json)
      std::printf("%-14d %14.2f %16.2f %9.1fx\n", marks[m], cached[m] * 1e3, uncached[m] * 1e3, uncached[m] / cached[m]);
    cache_report.push_back({{"prefix", marks[m]}, {"cached_ms", cached[m] * 1e3}, {"uncached_ms", uncached[m] * 1e3}});
  }
  report["kv_cache"] = cache_report;
  if (o.json) std::printf("%s\n", report.dump(2).c_str());
  std::filesystem::remove_all(dir);
  return 0;
}
