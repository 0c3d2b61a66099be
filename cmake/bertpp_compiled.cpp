// The one translation unit of the optional compiled library bertpp::compiled
// (see include/bertpp/detail/build_mode.hpp): the definitions the headers
// only declare under BERTPP_COMPILED, compiled once with external linkage.
#ifndef BERTPP_COMPILED
#error "bertpp_compiled.cpp is built by the CMake target bertpp::compiled, which defines BERTPP_COMPILED"
#endif

#include "bertpp/bertpp.hpp"

#include "bertpp/models/auto_model-inl.hpp"
#include "bertpp/pipelines/factory-inl.hpp"
#include "bertpp/tokenizer/tokenizer-inl.hpp"
