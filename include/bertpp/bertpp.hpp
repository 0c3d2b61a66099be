// Umbrella header: everything bertpp offers. Includes the public headers, nothing else.
#pragma once

#include "bertpp/error.hpp"
#include "bertpp/nn/tensor.hpp"
#include "bertpp/tokenizer/encoding.hpp"
