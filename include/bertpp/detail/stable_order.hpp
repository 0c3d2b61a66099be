// Stable orderings by a numeric key. Every stable sort of bertpp's
// post-processing (scores, answers, entities, batch lengths, added tokens,
// tensor offsets) goes through these two instantiations of std::stable_sort
// instead of one per element type and comparator, which keeps the code a
// program compiles small.
#pragma once

#include <algorithm>
#include <cstddef>
#include <numeric>
#include <utility>
#include <vector>

namespace bertpp {
namespace detail {

template <typename Key>
std::vector<std::size_t> stable_order_impl(const std::vector<Key>& keys, bool descending) {
  std::vector<std::size_t> order(keys.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  const Key* k = keys.data();
  std::stable_sort(order.begin(), order.end(), [k, descending](std::size_t a, std::size_t b) {
    return descending ? k[b] < k[a] : k[a] < k[b];
  });
  return order;
}

// Indices 0..n-1 ordered by `keys`, ascending (or descending); equal keys
// keep their index order, as Python's sorted() and numpy's stable argsort.
inline std::vector<std::size_t> stable_order(const std::vector<double>& keys,
                                             bool descending = false) {
  return stable_order_impl(keys, descending);
}

inline std::vector<std::size_t> stable_order(const std::vector<std::size_t>& keys,
                                             bool descending = false) {
  return stable_order_impl(keys, descending);
}

// `items` rearranged so that position i holds the former items[order[i]].
template <typename T>
void apply_order(std::vector<T>& items, const std::vector<std::size_t>& order) {
  std::vector<T> sorted;
  sorted.reserve(order.size());
  for (std::size_t i : order) sorted.push_back(std::move(items[i]));
  items = std::move(sorted);
}

}  // namespace detail
}  // namespace bertpp
