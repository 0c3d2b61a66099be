// Running the `bertpp` tool as a user does, for the CLI tests.
#pragma once

#include "support/golden.hpp"
#include "support/json_match.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace bertpp_cli_test {

using nlohmann::json;

struct RunResult {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};

inline std::string shell_quote(const std::string& word) {
  std::string quoted = "'";
  for (char c : word) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

inline std::string temp_path(const std::string& name) {
  static const std::filesystem::path dir = [] {
    auto d = std::filesystem::temp_directory_path() / ("bertpp-cli-test-" + std::to_string(getpid()));
    std::filesystem::create_directories(d);
    return d;
  }();
  return (dir / name).string();
}

// Runs `bertpp <args...>` with `stdin_text` on its standard input;
// `stdout_redirect` (e.g. "> /dev/full") replaces the captured stdout.
inline RunResult run_cli(const std::vector<std::string>& args, const std::string& stdin_text = "",
                         const std::string& stdout_redirect = "") {
  const std::string in_path = temp_path("stdin.txt"), err_path = temp_path("stderr.txt");
  std::ofstream(in_path, std::ios::binary) << stdin_text;
  std::string command = shell_quote(BERTPP_CLI_PATH);
  for (const auto& a : args) command += " " + shell_quote(a);
  command += " < " + shell_quote(in_path) + " 2> " + shell_quote(err_path);
  if (!stdout_redirect.empty()) command += " " + stdout_redirect;
  RunResult result;
  FILE* pipe = popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  char buffer[4096];
  std::size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) result.out.append(buffer, n);
  const int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::ifstream err(err_path);
  result.err.assign(std::istreambuf_iterator<char>(err), {});
  return result;
}

// Runs `bertpp <args...>` with stdin and stdout from/to /dev/null and stderr
// into `err`; returns its exit code and peak resident memory (KiB) — of this
// one process, whatever other tools this test process ran before.
struct MeasuredRun {
  int exit_code = -1;
  long max_rss_kib = 0;
  std::string err;
};

inline MeasuredRun run_cli_measured(const std::vector<std::string>& args) {
  const std::string err_path = temp_path("measured-stderr.txt");
  std::vector<std::string> words = {BERTPP_CLI_PATH};
  words.insert(words.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& w : words) argv.push_back(w.data());
  argv.push_back(nullptr);
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    if (!std::freopen("/dev/null", "r", stdin) || !std::freopen("/dev/null", "w", stdout) ||
        !std::freopen(err_path.c_str(), "w", stderr))
      _exit(127);
    execv(argv[0], argv.data());
    _exit(127);
  }
  MeasuredRun result;
  int status = 0;
  rusage usage{};
  REQUIRE(wait4(pid, &status, 0, &usage) == pid);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  result.max_rss_kib = usage.ru_maxrss;
  std::ifstream err(err_path);
  result.err.assign(std::istreambuf_iterator<char>(err), {});
  return result;
}

// Every line of `text` parsed (an empty line is a test failure: the tool
// never writes one).
inline std::vector<json> json_lines(const std::string& text) {
  std::vector<json> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) lines.push_back(json::parse(line));
  return lines;
}

inline json golden_pipeline_case(const std::string& model, std::size_t index) {
  return bertpp_test::read_json(bertpp_test::golden_path("models/" + model + "/expected_pipeline.json"))
      .at(index);
}

// Runs the tool and checks line i against expected[i], scores within 1e-5.
inline void check_lines(const std::vector<std::string>& args, const std::string& stdin_text,
                        const std::vector<json>& expected) {
  const RunResult run = run_cli(args, stdin_text);
  INFO("stderr: " << run.err);
  REQUIRE(run.exit_code == 0);
  const auto lines = json_lines(run.out);
  REQUIRE(lines.size() == expected.size());
  for (std::size_t i = 0; i < lines.size(); ++i) {
    INFO("line " << i + 1);
    CHECK(bertpp_test::json_mismatch(expected[i], lines[i], 1e-5) == "");
  }
}

inline std::vector<json> as_list(const json& value) { return value.get<std::vector<json>>(); }

inline std::vector<std::string> strings(const json& value) {
  return value.is_array() ? value.get<std::vector<std::string>>()
                          : std::vector<std::string>{value.get<std::string>()};
}

inline std::string model_dir(const std::string& name) {
  return bertpp_test::golden_path("models/" + name);
}

inline bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace bertpp_cli_test
