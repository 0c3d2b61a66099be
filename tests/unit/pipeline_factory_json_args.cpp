// The JSON argument reader behind every pipeline's run(json), and the
// factory's task names.
#include <bertpp/pipelines/detail/json_args.hpp>
#include <bertpp/pipelines/factory.hpp>

#include <catch2/catch.hpp>

using bertpp::detail::JsonArgs;

TEST_CASE("present keys are read, absent or null ones fall back") {
  const nlohmann::json args = {{"inputs", "x"}, {"top_k", 3}, {"flag", nullptr}};
  JsonArgs reader(args, "task");
  CHECK(reader.required("inputs") == "x");
  CHECK(reader.count("top_k", 1) == 3);
  CHECK(reader.get<bool>("flag", true));
  CHECK(reader.has("flag"));  // present as null: HF's top_k=None is "given"
  CHECK_FALSE(reader.has("missing"));
  CHECK_NOTHROW(reader.reject_unknown());
}

TEST_CASE("unknown keys, wrong types and negative counts are ArgumentErrors naming the key") {
  const nlohmann::json args = {{"inputs", "x"}, {"top_k", -1}, {"typo", 1}, {"flag", "yes"}};
  JsonArgs reader(args, "fill-mask");
  CHECK_THROWS_WITH(reader.count("top_k", 5), Catch::Contains("top_k"));
  CHECK_THROWS_WITH(reader.get<bool>("flag", false), Catch::Contains("'flag'"));
  reader.required("inputs");
  CHECK_THROWS_WITH(reader.reject_unknown(), Catch::Contains("'typo'"));
  CHECK_THROWS_WITH(reader.required("question"), Catch::Contains("missing argument 'question'"));
  CHECK_THROWS_AS(JsonArgs(nlohmann::json::array(), "t"), bertpp::ArgumentError);
}

TEST_CASE("string_list takes one string or a list of strings") {
  JsonArgs reader(nlohmann::json::object(), "t");
  CHECK(reader.string_list("a", "inputs") == std::vector<std::string>{"a"});
  CHECK(reader.string_list({"a", "b"}, "inputs") == std::vector<std::string>{"a", "b"});
  CHECK_THROWS_AS(reader.string_list(1, "inputs"), bertpp::ArgumentError);
}

TEST_CASE("task names: HF aliases map to canonical tasks, unknown ones list the known") {
  CHECK(bertpp::canonical_task("sentiment-analysis") == "text-classification");
  CHECK(bertpp::canonical_task("ner") == "token-classification");
  CHECK(bertpp::canonical_task("sentence-similarity") == "sentence-embeddings");
  for (const std::string& task : bertpp::pipeline_tasks()) CHECK(bertpp::canonical_task(task) == task);
  CHECK(bertpp::canonical_task("translation_en_to_fr") == "translation");
  CHECK_THROWS_WITH(bertpp::canonical_task("summarization"), Catch::Contains("zero-shot-classification"));
}

TEST_CASE("a folder without config.json cannot be given a task") {
  CHECK_THROWS_AS(bertpp::infer_task("/nonexistent/model"), bertpp::LoadError);
}

TEST_CASE("integer arguments: one checked conversion refuses floats, negatives, bools, strings and huge values") {
  const nlohmann::json args = {{"doc_stride", 1e300}, {"max_answer_len", -1}, {"top_k", true},
                               {"batch_size", "8"},   {"max_seq_len", 2.0},  {"huge", 18446744073709551615ull},
                               {"ok", 7},             {"zero", 0}};
  JsonArgs reader(args, "question-answering");
  CHECK_THROWS_WITH(reader.count("doc_stride", 1),
                    Catch::Contains("'doc_stride'") && Catch::Contains("1e+300") &&
                        !Catch::Contains("18446744073709551615"));
  CHECK_THROWS_WITH(reader.count("max_answer_len", 15), Catch::Contains("'max_answer_len'") &&
                                                            Catch::Contains("got -1"));
  CHECK_THROWS_WITH(reader.count("top_k", 1), Catch::Contains("'top_k'") && Catch::Contains("boolean"));
  CHECK_THROWS_WITH(reader.count("batch_size", 1), Catch::Contains("'batch_size'"));
  CHECK_THROWS_WITH(reader.optional_count("max_seq_len"), Catch::Contains("'max_seq_len'"));
  CHECK_THROWS_WITH(reader.count("huge", 1), Catch::Contains("'huge'") && Catch::Contains("2147483647"));
  CHECK(reader.count("ok", 1) == 7);
  CHECK_THROWS_WITH(reader.count("zero", 1, 1), Catch::Contains("from 1 to"));
  CHECK_FALSE(reader.optional_count("absent"));
  CHECK(reader.optional_count("ok") == std::optional<std::size_t>(7));
  CHECK_THROWS_AS(reader.count("ok", 1, 0, 5), bertpp::ArgumentError);
}

TEST_CASE("rerank is the cross-encoder task") {
  CHECK(bertpp::canonical_task("rerank") == "cross-encoder");
  CHECK(bertpp::canonical_task("cross-encoder") == "cross-encoder");
}

TEST_CASE("integer lists: each element checked, floats and out-of-range values refused") {
  const nlohmann::json args = {{"layers", {-1, -2}}, {"bad", {1, 1e300}}, {"huge", {-3000000000LL}},
                               {"scalar", 3}};
  JsonArgs reader(args, "feature-extraction");
  CHECK(reader.integer_list("layers", {}) == std::vector<int>{-1, -2});
  CHECK(reader.integer_list("absent", {7}) == std::vector<int>{7});
  CHECK_THROWS_WITH(reader.integer_list("bad", {}), Catch::Contains("'bad'"));
  CHECK_THROWS_WITH(reader.integer_list("huge", {}), Catch::Contains("-3000000000"));
  CHECK_THROWS_WITH(reader.integer_list("scalar", {}), Catch::Contains("list of integers"));
}
