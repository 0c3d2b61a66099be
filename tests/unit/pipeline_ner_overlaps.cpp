// HF's aggregate_overlapping_entities (stride windows of one text): sort by
// start, an entity starting inside the kept one replaces it when longer, or
// as long with a higher score.
#include <bertpp/pipelines/detail/ner_aggregation.hpp>

#include <catch2/catch.hpp>

using bertpp::TokenClassificationEntity;

namespace {
TokenClassificationEntity entity(const char* word, std::size_t start, std::size_t end, float score) {
  TokenClassificationEntity e;
  e.entity = "PER";
  e.word = word;
  e.start = start;
  e.end = end;
  e.score = score;
  return e;
}

std::vector<std::string> words(const std::vector<TokenClassificationEntity>& entities) {
  std::vector<std::string> out;
  for (const auto& e : entities) out.push_back(e.word);
  return out;
}
}  // namespace

TEST_CASE("overlapping entities: longer wins, then higher score, disjoint ones stay, order by start") {
  const auto kept = bertpp::detail::ner_resolve_overlaps({
      entity("F", 20, 22, 0.1f),   // given first, sorted last
      entity("A", 0, 5, 0.5f),
      entity("B", 3, 10, 0.4f),    // starts inside A and is longer: replaces A
      entity("C", 12, 15, 0.9f),   // after B ends: B is final
      entity("D", 12, 15, 0.95f),  // as long as C, higher score: replaces C
      entity("E", 14, 16, 0.99f),  // inside D but shorter: dropped
  });
  CHECK(words(kept) == std::vector<std::string>{"B", "D", "F"});
}

TEST_CASE("overlapping entities: an exact tie keeps the earlier one, touching spans do not overlap") {
  CHECK(words(bertpp::detail::ner_resolve_overlaps(
            {entity("first", 4, 8, 0.5f), entity("second", 4, 8, 0.5f)})) ==
        std::vector<std::string>{"first"});
  CHECK(words(bertpp::detail::ner_resolve_overlaps(
            {entity("a", 0, 4, 0.5f), entity("b", 4, 8, 0.9f)})) ==
        std::vector<std::string>{"a", "b"});
  CHECK(bertpp::detail::ner_resolve_overlaps({}).empty());
}
