// Command-line options of the `bertpp` tool: `bertpp <command> [--flag value]... [inputs]...`.
#pragma once

#include <bertpp/error.hpp>

#include <cstddef>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace bertpp_cli {

class Options {
 public:
  // `switches` take no value (e.g. --quiet); every other --flag takes one.
  Options(int argc, char** argv, const std::set<std::string>& switches) {
    for (int i = 0; i < argc; ++i) {
      const std::string word = argv[i];
      if (word.size() > 2 && word.compare(0, 2, "--") == 0) {
        std::string name = word.substr(2), value = "true";
        const auto equals = name.find('=');
        if (equals != std::string::npos) {
          value = name.substr(equals + 1);
          name.resize(equals);
        } else if (!switches.count(name)) {
          if (i + 1 >= argc) throw bertpp::ArgumentError("option --" + name + " needs a value");
          value = argv[++i];
        }
        values_[name] = value;
      } else if (word == "-m" || word == "-o" || word == "-i") {
        if (i + 1 >= argc) throw bertpp::ArgumentError("option " + word + " needs a value");
        values_[word == "-m" ? "model" : word == "-o" ? "output" : "input"] = argv[++i];
      } else if (word == "-q") {
        values_["quiet"] = "true";
      } else {
        positional_.push_back(word);
      }
    }
  }

  bool has(const std::string& name) const { return values_.count(name) > 0; }
  bool flag(const std::string& name) const { return has(name) && values_.at(name) != "false"; }

  std::string get(const std::string& name, const std::string& fallback = "") const {
    auto it = values_.find(name);
    return it == values_.end() ? fallback : it->second;
  }

  std::string required(const std::string& name) const {
    if (!has(name)) throw bertpp::ArgumentError("missing required option --" + name);
    return values_.at(name);
  }

  long number(const std::string& name, long fallback) const {
    if (!has(name)) return fallback;
    const std::string& text = values_.at(name);
    try {
      std::size_t used = 0;
      const long value = std::stol(text, &used);
      if (used == text.size()) return value;
    } catch (const std::exception&) {
    }
    throw bertpp::ArgumentError("option --" + name + " expects a whole number, got '" + text + "'");
  }

  // A whole number >= `min`: counts and sizes (--batch-size, --max-length).
  std::size_t size(const std::string& name, std::size_t fallback, std::size_t min = 0) const {
    if (!has(name)) return fallback;
    const long value = number(name, 0);
    if (value < 0 || static_cast<std::size_t>(value) < min)
      throw bertpp::ArgumentError("option --" + name + " must be at least " + std::to_string(min) +
                                  ", got " + get(name));
    return static_cast<std::size_t>(value);
  }

  // A comma-separated list: --labels a,b,c
  std::vector<std::string> list(const std::string& name) const {
    std::vector<std::string> items;
    std::string item;
    for (char c : get(name)) {
      if (c == ',') {
        if (!item.empty()) items.push_back(item);
        item.clear();
      } else {
        item.push_back(c);
      }
    }
    if (!item.empty()) items.push_back(item);
    return items;
  }

  // Names given that `known` does not hold: a typo, or an option this
  // command has no use for, should not pass silently.
  void reject_unknown(const std::set<std::string>& known, const std::string& command = "") const {
    for (const auto& entry : values_)
      if (!known.count(entry.first))
        throw bertpp::ArgumentError("unknown option --" + entry.first +
                                    (command.empty() ? "" : " for '" + command + "'") +
                                    " (see bertpp --help)");
  }

  const std::vector<std::string>& positional() const { return positional_; }

 private:
  std::map<std::string, std::string> values_;
  std::vector<std::string> positional_;
};

}  // namespace bertpp_cli
