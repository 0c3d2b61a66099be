// Whether the client of a request still waits for its answer. cpp-httplib
// 0.11 (Debian 12's) gives handlers no handle on the connection, so the probe
// finds the connection's socket by its address pair (unique among open
// connections, and open until the handler returns), then asks the kernel
// whether the peer has hung up. Linux only; elsewhere clients count as present.
#pragma once

#include <string>

#ifdef __linux__
#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <cstdlib>
#include <cstring>
#endif

namespace bertpp_server {

class ConnectionProbe {
 public:
  ConnectionProbe(int local_port, std::string remote_addr, int remote_port)
      : local_port_(local_port), remote_addr_(std::move(remote_addr)), remote_port_(remote_port) {}

  bool client_gone() {
#ifdef __linux__
    if (fd_ == kUnknown) fd_ = find_socket();
    if (fd_ < 0) return false;
    pollfd p{fd_, static_cast<short>(POLLRDHUP), 0};
    if (poll(&p, 1, 0) <= 0) return false;
    return (p.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0;
#else
    return false;
#endif
  }

 private:
  static constexpr int kUnknown = -2;

#ifdef __linux__
  static bool endpoint(const sockaddr_storage& a, std::string& addr, int& port) {
    char text[INET6_ADDRSTRLEN] = {};
    if (a.ss_family == AF_INET) {
      const auto& v4 = reinterpret_cast<const sockaddr_in&>(a);
      inet_ntop(AF_INET, &v4.sin_addr, text, sizeof text);
      port = ntohs(v4.sin_port);
    } else if (a.ss_family == AF_INET6) {
      const auto& v6 = reinterpret_cast<const sockaddr_in6&>(a);
      inet_ntop(AF_INET6, &v6.sin6_addr, text, sizeof text);
      port = ntohs(v6.sin6_port);
    } else {
      return false;
    }
    addr = text;
    return true;
  }

  int find_socket() const {
    DIR* dir = opendir("/proc/self/fd");
    if (!dir) return -1;
    int found = -1;
    while (dirent* entry = readdir(dir)) {
      const int fd = std::atoi(entry->d_name);
      if (fd <= 2 || fd == dirfd(dir)) continue;
      sockaddr_storage local{}, peer{};
      socklen_t local_len = sizeof local, peer_len = sizeof peer;
      if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_len) != 0) continue;
      if (getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &peer_len) != 0) continue;
      std::string local_addr, peer_addr;
      int local_port = -1, peer_port = -1;
      if (!endpoint(local, local_addr, local_port) || !endpoint(peer, peer_addr, peer_port)) continue;
      if (local_port == local_port_ && peer_port == remote_port_ && peer_addr == remote_addr_) {
        found = fd;
        break;
      }
    }
    closedir(dir);
    return found;
  }
#endif

  int local_port_;
  std::string remote_addr_;
  int remote_port_;
  int fd_ = kUnknown;
};

}  // namespace bertpp_server
