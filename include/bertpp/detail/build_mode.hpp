// Header-only (the default) or linked against the compiled library.
//
// The CMake target bertpp::compiled defines BERTPP_COMPILED for itself and
// for everything that links it. Then the heavy definitions (the *-inl.hpp
// headers: tokenizer loading, AutoModel's loading and forward pass, the
// pipeline() factory) are compiled once, in the library, and the headers a
// program includes carry declarations only —
// the way fmt and spdlog offer a compiled mode. Without it every definition
// is inline and compiled in each translation unit that uses it.
#pragma once

#ifdef BERTPP_COMPILED
#define BERTPP_HEADER_ONLY 0
#define BERTPP_API  // defined once, in bertpp::compiled (cmake/bertpp_compiled.cpp)
#else
#define BERTPP_HEADER_ONLY 1
#define BERTPP_API inline
#endif
