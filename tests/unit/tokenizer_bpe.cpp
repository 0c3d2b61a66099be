// Byte-level BPE: the GPT-2 split, the byte alphabet, merges by rank,
// RoBERTa's template, offset trimming, added tokens with lstrip, decoding.
// Expected values are worked out by hand from GPT-2's pattern and HF's
// tokenizers rules, on tiny self-made vocabularies.
#include <bertpp/tokenizer/tokenizer.hpp>

#include "support/safetensors_writer.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using Tokens = std::vector<std::string>;
using Ids = std::vector<std::int32_t>;
using Offsets = std::vector<bertpp::Offset>;
using Words = std::vector<std::string>;
constexpr std::int32_t N = bertpp::Encoding::kNone;

using bertpp_test::TempDir;  // support/safetensors_writer.hpp

Words gpt2_words(const std::string& text) {
  Words words;
  bertpp::ByteLevelPreTokenizer().split(text, [&](std::size_t b, std::size_t e) { words.push_back(text.substr(b, e - b)); });
  return words;
}

// "Ġ" (U+0120) stands for the space byte.
const std::string G = "\xC4\xA0";

// A RoBERTa-like vocabulary: specials, single bytes, and a few merges.
json tiny_vocab() {
  json v = json::object();
  const Tokens tokens = {"<s>", "<pad>", "</s>", "<unk>", "a", "b", "c", "h", "i", G, "!", "ab", "bc", "abc",
                         G + "a", G + "ab", "hi", G + "hi", "<mask>"};
  for (std::size_t i = 0; i < tokens.size(); ++i) v[tokens[i]] = i;
  return v;
}
const std::string kMerges = "#version: 0.2\n" + G + " a\na b\nb c\nab c\n" + G + "a b\nh i\n" + G + " hi\n";

// vocab.json + merges.txt + tokenizer_config.json (<mask> with lstrip, as roberta-base).
std::string write_folder(const TempDir& dir, bool add_prefix_space = false) {
  dir.write("vocab.json", tiny_vocab().dump());
  dir.write("merges.txt", kMerges);
  json config = {{"add_prefix_space", add_prefix_space}, {"model_max_length", 16}, {"clean_up_tokenization_spaces", true}};
  for (const char* key : {"bos_token", "cls_token"}) config[key] = {{"__type", "AddedToken"}, {"content", "<s>"}};
  for (const char* key : {"eos_token", "sep_token"}) config[key] = "</s>";
  config["pad_token"] = "<pad>";
  config["unk_token"] = "<unk>";
  config["mask_token"] = {{"__type", "AddedToken"}, {"content", "<mask>"}, {"lstrip", true}, {"rstrip", false},
                          {"normalized", true}, {"single_word", false}};
  dir.write("tokenizer_config.json", config.dump());
  return dir.path();
}

// Mismatches each of 4 threads counts running mismatches_in(thread) at
// once (one entry per thread).
template <typename Count>
std::vector<int> mismatches_on_four_threads(Count mismatches_in) {
  std::vector<std::thread> threads;
  std::vector<int> mismatches(4, 0);
  for (int t = 0; t < 4; ++t) threads.emplace_back([&, t] { mismatches[std::size_t(t)] = mismatches_in(t); });
  for (auto& th : threads) th.join();
  return mismatches;
}

}  // namespace

TEST_CASE("GPT-2 split: words keep their leading space, contractions and whitespace runs", "[tokenizer][bpe]") {
  CHECK(gpt2_words("Hello my friend, how is your day going?") ==
        Words{"Hello", " my", " friend", ",", " how", " is", " your", " day", " going", "?"});
  CHECK(gpt2_words("I'm sure they'll say 'sun'") ==
        Words{"I", "'m", " sure", " they", "'ll", " say", " '", "sun", "'"});
  CHECK(gpt2_words("it'sun'd've") == Words{"it", "'s", "un", "'d", "'ve"});
  // \s+(?!\S) leaves the last space to the next word; a lone newline before a word is \s+.
  CHECK(gpt2_words("a  b\n\nc \n") == Words{"a", " ", " b", "\n", "\n", "c", " \n"});
  CHECK(gpt2_words("abc123 4.5%") == Words{"abc", "123", " 4", ".", "5", "%"});
  CHECK(gpt2_words("  x") == Words{" ", " x"});
  CHECK(gpt2_words("") == Words{});
  // Unicode letters and digits (\p{L}, \p{N}); U+3000 is whitespace.
  CHECK(gpt2_words("naïve 東京\xE3\x80\x80\xD9\xA3") == Words{"na\xC3\xAFve", " \xE6\x9D\xB1\xE4\xBA\xAC", "\xE3\x80\x80", "\xD9\xA3"});
}

TEST_CASE("the byte alphabet maps every byte to one printable character", "[tokenizer][bpe]") {
  const auto& a = bertpp::detail::byte_level_alphabet();
  CHECK(a.byte_to_char[' '] == 0x120);
  CHECK(a.byte_to_char['\n'] == 0x10A);
  CHECK(a.byte_to_char[0] == 0x100);
  CHECK(a.byte_to_char['A'] == 'A');
  CHECK(a.byte_to_char[0x7F] == 0x121);
  CHECK(a.byte_to_char[0xAD] == 0x143);
  CHECK(a.byte_to_char[0xE9] == 0xE9);
  for (int b = 0; b < 256; ++b) CHECK(a.byte_of(a.byte_to_char[b]) == b);
}

TEST_CASE("BPE merges the pair of lowest rank first, leftmost on ties", "[tokenizer][bpe]") {
  const Tokens vocab = {"a", "b", "c", "ab", "bc", "aa"};
  auto split = [&](const std::vector<std::pair<std::string, std::string>>& merges, const std::string& word) {
    const bertpp::Bpe bpe(vocab, merges, "", false, false, "test");
    std::vector<bertpp::TokenPiece> pieces;
    bpe.tokenize(word, pieces);
    Tokens out;
    for (const auto& p : pieces) out.push_back(bpe.id_to_token(p.id) + "@" + std::to_string(p.begin));
    return out;
  };
  CHECK(split({{"b", "c"}, {"a", "b"}}, "abc") == Tokens{"a@0", "bc@1"});
  CHECK(split({{"a", "b"}, {"b", "c"}}, "abc") == Tokens{"ab@0", "c@2"});
  CHECK(split({{"a", "a"}}, "aaa") == Tokens{"aa@0", "a@2"});
  // A merge whose result is not in the vocabulary is refused at load time.
  CHECK_THROWS_WITH(bertpp::Bpe(vocab, {{"c", "c"}}, "", false, false, "merges.txt"),
                    Catch::Contains("merges.txt") && Catch::Contains("merge 1") && Catch::Contains("cc"));
}

TEST_CASE("RoBERTa template: <s> A </s></s> B </s>, type 0, trimmed offsets", "[tokenizer][bpe]") {
  TempDir dir;
  const auto tok = bertpp::Tokenizer::from_folder(write_folder(dir));
  REQUIRE(tok.model().is_bpe());
  CHECK(tok.options().model_max_length == 16);
  // "abc hi!" -> "abc", " hi", "!"
  const auto e = tok.encode("abc hi!");
  CHECK(e.tokens == Tokens{"<s>", "abc", G + "hi", "!", "</s>"});
  CHECK(e.ids == Ids{0, 13, 17, 10, 2});
  CHECK(e.byte_offsets == Offsets{{0, 0}, {0, 3}, {4, 6}, {6, 7}, {0, 0}});  // " hi" starts after its space
  CHECK(e.word_ids == Ids{N, 0, 1, 2, N});
  const auto p = tok.encode("ab", " ab");
  CHECK(p.tokens == Tokens{"<s>", "ab", "</s>", "</s>", G + "ab", "</s>"});
  CHECK(p.type_ids == Ids{0, 0, 0, 0, 0, 0});
  CHECK(p.sequence_ids == Ids{N, 0, N, N, 1, N});
  CHECK(p.special_tokens_mask == Ids{1, 0, 1, 1, 0, 1});
  CHECK(p.byte_offsets == Offsets{{0, 0}, {0, 2}, {0, 0}, {0, 0}, {1, 3}, {0, 0}});
  CHECK(tok.num_special_tokens_to_add(true) == 4);
  // A lone space is a token of its own; trimming leaves it empty.
  CHECK(tok.encode(" ").byte_offsets == Offsets{{0, 0}, {1, 1}, {0, 0}});
}

TEST_CASE("<mask> with lstrip takes the space before it, its offsets leave the space out", "[tokenizer][bpe]") {
  TempDir dir;
  const auto tok = bertpp::Tokenizer::from_folder(write_folder(dir));
  const auto e = tok.encode("ab <mask>!");
  CHECK(e.tokens == Tokens{"<s>", "ab", " <mask>", "!", "</s>"});
  CHECK(e.ids == Ids{0, 11, 18, 10, 2});
  CHECK(e.byte_offsets == Offsets{{0, 0}, {0, 2}, {3, 9}, {9, 10}, {0, 0}});
  CHECK(tok.mask_id() == 18);
}

TEST_CASE("add_prefix_space gives the first word a space that offsets keep on the word", "[tokenizer][bpe]") {
  TempDir dir;
  const auto tok = bertpp::Tokenizer::from_folder(write_folder(dir, true));
  const auto e = tok.encode("ab hi");
  CHECK(e.tokens == Tokens{"<s>", G + "ab", G + "hi", "</s>"});
  CHECK(e.byte_offsets == Offsets{{0, 0}, {0, 2}, {3, 5}, {0, 0}});
  // A text that starts with a space gets no second one.
  CHECK(tok.encode(" ab").tokens == Tokens{"<s>", G + "ab", "</s>"});
}

TEST_CASE("byte-level decode: bytes back to UTF-8, specials kept unless skipped, clean-up from the config",
          "[tokenizer][bpe]") {
  TempDir dir;
  const auto tok = bertpp::Tokenizer::from_folder(write_folder(dir));
  const auto e = tok.encode("abc hi!");
  CHECK(tok.decode(e.ids) == "<s>abc hi!</s>");
  CHECK(tok.decode(e.ids, /*skip_special_tokens=*/true) == "abc hi!");
  // clean_up_tokenization_spaces (true in this config) glues " !" back.
  CHECK(tok.decode({9, 10}) == "!");
  CHECK(tok.decode({9, 10}, false, false) == " !");
  CHECK(tok.convert_tokens_to_string({G + "hi", "!"}) == " hi!");
}

TEST_CASE("byte-level decoding replaces broken UTF-8 with U+FFFD as HF does", "[tokenizer][bpe]") {
  bertpp::ByteLevelDecoder d;
  // "é" is bytes C3 A9, which the alphabet writes as "Ã" "©".
  CHECK(d.decode({"\xC3\x83\xC2\xA9"}) == "\xC3\xA9");
  CHECK(d.decode({"\xC3\x83"}) == "\xEF\xBF\xBD");  // a lone lead byte
  CHECK(d.decode({"<mask>"}) == "<mask>");
}

TEST_CASE("with ignore_merges a byte-level word that is itself a token stays whole", "[tokenizer][bpe]") {
  // "ca" is a token no merge builds: HF's BPE returns it whole under
  // ignore_merges and as "c", "a" without; "Ġca" is no token, so merges.
  TempDir dir;
  json vocab = tiny_vocab();
  vocab["ca"] = 19;
  for (const bool ignore_merges : {true, false}) {
    INFO("ignore_merges " << ignore_merges);
    const json j = {{"pre_tokenizer", {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", true}}},
                    {"decoder", {{"type", "ByteLevel"}}},
                    {"model",
                     {{"type", "BPE"}, {"vocab", vocab}, {"merges", json::array({"a b", "b c"})},
                      {"ignore_merges", ignore_merges}}}};
    const auto tok = bertpp::Tokenizer::from_tokenizer_json(dir.write("tokenizer.json", j.dump()));
    const Tokens expected = ignore_merges ? Tokens{"ca", G, "c", "a"} : Tokens{"c", "a", G, "c", "a"};
    for (int pass = 0; pass < 2; ++pass) {  // the second from the word cache
      const bertpp::Encoding e = tok.encode("ca ca");
      CHECK(e.tokens == expected);
      CHECK(e.byte_offsets.front() == (ignore_merges ? bertpp::Offset{0, 2} : bertpp::Offset{0, 1}));
    }
  }
}

TEST_CASE("tokenizer.json and vocab.json + merges.txt give the same BPE tokenizer", "[tokenizer][bpe]") {
  TempDir dir;
  const std::string folder = write_folder(dir);
  const auto from_vocab = bertpp::Tokenizer::from_bpe_files(folder + "/vocab.json", folder + "/merges.txt");
  const auto from_folder = bertpp::Tokenizer::from_folder(folder);  // with tokenizer_config.json
  json merges = json::array();
  merges.push_back(json::array({G, "a"}));  // the newer [left, right] form
  for (const char* m : {"a b", "b c", "ab c"}) merges.push_back(m);
  merges.push_back(G + "a b");
  merges.push_back("h i");
  merges.push_back(G + " hi");
  json added = json::array();
  for (auto [id, content] : std::vector<std::pair<int, std::string>>{{0, "<s>"}, {1, "<pad>"}, {2, "</s>"}, {3, "<unk>"}})
    added.push_back({{"id", id}, {"content", content}, {"special", true}});
  added.push_back({{"id", 18}, {"content", "<mask>"}, {"special", true}, {"lstrip", true}});
  const json j = {{"added_tokens", added},
                  {"normalizer", nullptr},
                  {"pre_tokenizer", {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", true}}},
                  {"post_processor",
                   {{"type", "RobertaProcessing"}, {"sep", {"</s>", 2}}, {"cls", {"<s>", 0}}, {"trim_offsets", true},
                    {"add_prefix_space", false}}},
                  {"decoder", {{"type", "ByteLevel"}}},
                  {"model", {{"type", "BPE"}, {"vocab", tiny_vocab()}, {"merges", merges}, {"unk_token", nullptr}}}};
  const auto from_json = bertpp::Tokenizer::from_tokenizer_json(dir.write("tokenizer.json", j.dump()));
  for (const std::string text : {"abc hi!", "ab <mask>!", "  hi\nab", " ", ""}) {
    INFO(text);
    const auto a = from_json.encode(text, "hi ab");
    for (const bertpp::Tokenizer* other : {&from_vocab, &from_folder}) {
      if (other == &from_vocab && text.find("<mask>") != std::string::npos) continue;  // no lstrip there
      const auto b = other->encode(text, "hi ab");
      CHECK(a.ids == b.ids);
      CHECK(a.tokens == b.tokens);
      CHECK(a.byte_offsets == b.byte_offsets);
      CHECK(a.word_ids == b.word_ids);
      CHECK(a.sequence_ids == b.sequence_ids);
    }
  }
  // Without the config, from_bpe_files has no lstrip on <mask>: the space stays a token.
  CHECK(from_vocab.encode("ab <mask>").tokens == Tokens{"<s>", "ab", G, "<mask>", "</s>"});
  CHECK(from_folder.encode("ab <mask>").tokens == Tokens{"<s>", "ab", " <mask>", "</s>"});
}

TEST_CASE("malformed BPE files name the file and the problem", "[tokenizer][bpe]") {
  TempDir dir;
  const std::string folder = write_folder(dir);
  dir.write("merges.txt", "#version: 0.2\na b\nb c d\n");
  CHECK_THROWS_WITH(bertpp::Tokenizer::from_folder(folder),
                    Catch::Contains("merges.txt") && Catch::Contains("line 3"));
  dir.write("merges.txt", "a x\n");
  CHECK_THROWS_WITH(bertpp::Tokenizer::from_folder(folder), Catch::Contains("merges.txt") && Catch::Contains("'x'"));
  dir.write("merges.txt", kMerges);
  dir.write("vocab.json", R"({"a": 0, "b": 5})");
  CHECK_THROWS_WITH(bertpp::Tokenizer::from_folder(folder), Catch::Contains("vocab.json") && Catch::Contains("id 5"));
}

TEST_CASE("the merge cache gives the same pieces from many threads", "[tokenizer][bpe]") {
  TempDir dir;
  const auto tok = bertpp::Tokenizer::from_folder(write_folder(dir));
  const std::vector<std::string> texts = {"abc hi!", "ab ab abc", "hi hi abcabc", "cba ih"};
  std::vector<bertpp::Encoding> serial;
  for (const auto& t : texts) serial.push_back(tok.encode(t));
  const std::vector<int> mismatches = mismatches_on_four_threads([&](int) {
    int found = 0;
    for (int r = 0; r < 500; ++r)
      for (std::size_t i = 0; i < texts.size(); ++i)
        if (tok.encode(texts[i]).ids != serial[i].ids) ++found;
    return found;
  });
  CHECK(mismatches == std::vector<int>{0, 0, 0, 0});
}

namespace {

// The tiny vocabulary and merges above, as a bare BPE model.
bertpp::Bpe tiny_bpe(const std::string& unk = "<unk>") {
  const json vocab = tiny_vocab();
  Tokens tokens(vocab.size());
  for (const auto& item : vocab.items()) tokens[item.value().get<std::size_t>()] = item.key();
  const std::vector<std::pair<std::string, std::string>> merges = {
      {G, "a"}, {"a", "b"}, {"b", "c"}, {"ab", "c"}, {G + "a", "b"}, {"h", "i"}, {G, "hi"}};
  return bertpp::Bpe(tokens, merges, unk, false, false, "test");
}

struct Piece {
  std::int32_t id;
  std::uint32_t begin, end;
  friend bool operator==(const Piece& a, const Piece& b) { return a.id == b.id && a.begin == b.begin && a.end == b.end; }
};
using Pieces = std::vector<Piece>;

Pieces byte_level_pieces(const bertpp::Bpe& bpe, const std::string& raw) {
  std::vector<bertpp::TokenPiece> out;
  bpe.tokenize_byte_level(raw, out);
  Pieces pieces;
  for (const auto& p : out) pieces.push_back({p.id, p.begin, p.end});
  return pieces;
}

Pieces model_text_pieces(const bertpp::Bpe& bpe, const std::string& word) {
  std::vector<bertpp::TokenPiece> out;
  bpe.tokenize(word, out);
  Pieces pieces;
  for (const auto& p : out) pieces.push_back({p.id, p.begin, p.end});
  return pieces;
}

}  // namespace

TEST_CASE("byte-level words from the raw bytes: spans in raw bytes, the same on a cached repeat", "[tokenizer][bpe]") {
  const bertpp::Bpe bpe = tiny_bpe();
  // " abc" is Ġ a b c: Ġ+a (rank 0), then b+c (rank 2); Ġa+bc is no merge.
  for (int pass = 0; pass < 3; ++pass) {
    CHECK(byte_level_pieces(bpe, " abc") == Pieces{{14, 0, 2}, {12, 2, 4}});
    CHECK(byte_level_pieces(bpe, "hi!") == Pieces{{16, 0, 2}, {10, 2, 3}});
    // 'x' and 'é' (2 bytes) are not in the vocabulary: one <unk> per byte.
    CHECK(byte_level_pieces(bpe, "x\xC3\xA9") == Pieces{{3, 0, 1}, {3, 1, 2}, {3, 2, 3}});
  }
  // The same bytes as model text ("Ġ" is one 2-byte character there) are a
  // different word: the cache keeps the two apart.
  CHECK(model_text_pieces(bpe, G + "a") == Pieces{{14, 0, 3}});
  CHECK(byte_level_pieces(bpe, G + "a") == Pieces{{3, 0, 1}, {3, 1, 2}, {4, 2, 3}});
  CHECK(model_text_pieces(bpe, G + "a") == Pieces{{14, 0, 3}});
}

TEST_CASE("long words and words of many pieces are cached too, and words too long for the cache still split",
          "[tokenizer][bpe]") {
  const bertpp::Bpe bpe = tiny_bpe();
  std::string abs;
  Pieces ab_pieces;
  for (std::uint32_t k = 0; k < 30; ++k) {
    abs += "ab";
    ab_pieces.push_back({11, 2 * k, 2 * k + 2});
  }
  auto unknowns = [](std::uint32_t n) {
    Pieces p;
    for (std::uint32_t k = 0; k < n; ++k) p.push_back({3, k, k + 1});
    return p;
  };
  for (int pass = 0; pass < 3; ++pass) {
    CHECK(byte_level_pieces(bpe, abs) == ab_pieces);                                   // 60 bytes
    CHECK(byte_level_pieces(bpe, std::string(12, 'x')) == unknowns(12));               // 12 pieces
    CHECK(byte_level_pieces(bpe, std::string(300, 'x')) == unknowns(300));             // never cached
    CHECK(model_text_pieces(bpe, abs) == ab_pieces);
  }
}

TEST_CASE("BPE without an unknown token drops unknown characters, cached or not", "[tokenizer][bpe]") {
  const bertpp::Bpe bpe = tiny_bpe("");
  for (int pass = 0; pass < 2; ++pass) {
    // The characters either side of a dropped one are neighbours (a+b
    // merge), and a piece's span starts after what was dropped.
    CHECK(model_text_pieces(bpe, "xab") == Pieces{{11, 1, 3}});
    CHECK(model_text_pieces(bpe, "hxc") == Pieces{{7, 0, 1}, {6, 2, 3}});
    CHECK(byte_level_pieces(bpe, "axxab") == Pieces{{4, 0, 1}, {11, 3, 5}});
  }
}

TEST_CASE("the merge cache is bounded: words beyond its size still tokenize right", "[tokenizer][bpe]") {
  TempDir dir;
  const auto tok = bertpp::Tokenizer::from_folder(write_folder(dir));
  // 5 letters from {a, b, c, h, i} (3,125 words) plus a distinct count of
  // 'i's: 100,000 different words, more than the cache holds, each seen
  // twice far apart; their pieces do not depend on what was cached before.
  auto word = [](int n) {
    std::string w;
    for (int k = 0; k < 5; ++k, n /= 5) w += "abchi"[n % 5];
    return w + std::string(static_cast<std::size_t>(n % 32), 'i');
  };
  const bertpp::Bpe& bpe = *tok.model().bpe();
  int wrong = 0;
  for (int round = 0; round < 2; ++round)
    for (int n = 0; n < 100000; n += (round == 0 ? 1 : 7)) {
      const std::string w = " " + word(n);
      const Pieces cached = byte_level_pieces(bpe, w);
      std::string mapped = G + w.substr(1);
      Pieces fresh = model_text_pieces(bpe, mapped);
      for (Piece& p : fresh) {  // spans of the mapped word (Ġ is 2 bytes) to raw bytes
        p.begin = p.begin == 0 ? 0 : p.begin - 1;
        p.end -= 1;
      }
      wrong += cached != fresh;
    }
  CHECK(wrong == 0);
}

TEST_CASE("the merge cache gives the same ids and offsets from many threads, words churning", "[tokenizer][bpe]") {
  TempDir dir;
  const auto tok = bertpp::Tokenizer::from_folder(write_folder(dir));
  std::vector<std::string> texts;
  for (int i = 0; i < 200; ++i) {
    std::string t;
    for (int k = 0; k < 40; ++k) {
      int n = i * 131 + k * 17;
      std::string w;
      for (int j = 0; j < 1 + (n % 7); ++j, n /= 3) w += "abchi!"[n % 6];
      t += (k ? " " : "") + w;
    }
    texts.push_back(t);
  }
  std::vector<bertpp::Encoding> serial;
  for (const auto& t : texts) serial.push_back(tok.encode(t));
  const std::vector<int> mismatches = mismatches_on_four_threads([&](int t) {
    int found = 0;
    for (int r = 0; r < 20; ++r)
      for (std::size_t i = 0; i < texts.size(); ++i) {
        const std::size_t at = (i * 7 + static_cast<std::size_t>(t) * 50) % texts.size();
        const bertpp::Encoding e = tok.encode(texts[at]);
        if (e.ids != serial[at].ids || e.byte_offsets != serial[at].byte_offsets) ++found;
      }
    return found;
  });
  CHECK(mismatches == std::vector<int>{0, 0, 0, 0});
}
