# Finds bertpp's dependencies. Each failure names the Debian package that
# provides the missing piece (third_party/install-deps.sh installs them all).
include(CMakeFindDependencyMacro OPTIONAL)

macro(bertpp_require_package name debian_package)
  find_package(${name} ${ARGN} QUIET)
  if(NOT ${name}_FOUND)
    message(FATAL_ERROR "bertpp needs ${name}: install the Debian package "
                        "'${debian_package}' (or run third_party/install-deps.sh)")
  endif()
endmacro()

bertpp_require_package(Eigen3 libeigen3-dev 3.3 NO_MODULE)
bertpp_require_package(nlohmann_json nlohmann-json3-dev 3.2)
bertpp_require_package(utf8proc libutf8proc-dev)
set(THREADS_PREFER_PTHREAD_FLAG ON)
find_package(Threads REQUIRED)  # bertpp's worker threads (std::thread)
