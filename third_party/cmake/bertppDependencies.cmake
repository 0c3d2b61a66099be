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

# Optional: Google's SentencePiece (Debian: libsentencepiece-dev) for the
# translation component (MarianTokenizer, the translation pipeline).
# Without it the core library is complete and bertpp::translation is absent.
if(NOT TARGET bertpp_sentencepiece)
  find_package(PkgConfig QUIET)
  if(PkgConfig_FOUND)
    pkg_check_modules(BERTPP_SENTENCEPIECE QUIET IMPORTED_TARGET sentencepiece)
  endif()
  if(BERTPP_SENTENCEPIECE_FOUND)
    add_library(bertpp_sentencepiece INTERFACE IMPORTED)
    # libsentencepiece alone: the trainer library pkg-config also lists is not needed.
    find_library(BERTPP_SENTENCEPIECE_LIBRARY sentencepiece HINTS ${BERTPP_SENTENCEPIECE_LIBRARY_DIRS})
    set_target_properties(bertpp_sentencepiece PROPERTIES
      INTERFACE_INCLUDE_DIRECTORIES "${BERTPP_SENTENCEPIECE_INCLUDE_DIRS}"
      INTERFACE_LINK_LIBRARIES "${BERTPP_SENTENCEPIECE_LIBRARY}")
    set(BERTPP_HAS_SENTENCEPIECE ON)
  else()
    set(BERTPP_HAS_SENTENCEPIECE OFF)
  endif()
endif()
