// Whether a string ends with a suffix (std::string::ends_with is C++20):
// architecture names, tensor names and file names are matched this way.
#pragma once

#include <string_view>

namespace bertpp {
namespace detail {

inline bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

}  // namespace detail
}  // namespace bertpp
