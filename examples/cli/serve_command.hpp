// `bertpp serve ...`: runs the HTTP server, the bertpp-serve program built
// beside `bertpp` (only where cpp-httplib is installed), with the same arguments.
#pragma once

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

namespace bertpp_cli {

inline int run_serve(int argc, char** argv) {
  std::error_code error;
  const auto self = std::filesystem::canonical("/proc/self/exe", error);
  const std::string server = (error ? std::filesystem::path(argv[0]) : self).parent_path() / "bertpp-serve";
  if (access(server.c_str(), X_OK) != 0) {
    std::cerr << "bertpp serve: the server is not built (" << server << " not found): it needs "
              << "cpp-httplib; install it (bash third_party/install-deps.sh, Debian package "
              << "libcpp-httplib-dev) and rebuild\n";
    return 1;
  }
  std::vector<char*> args{const_cast<char*>(server.c_str())};
  for (int i = 2; i < argc; ++i) args.push_back(argv[i]);
  args.push_back(nullptr);
  execv(server.c_str(), args.data());
  std::cerr << "bertpp serve: cannot run " << server << ": " << std::strerror(errno) << '\n';
  return 1;
}

}  // namespace bertpp_cli
