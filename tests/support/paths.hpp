// Where the tests find their data. The paths are compiled into one object
// (support/catch_main.cpp) only, so that every other test file compiles to
// the same bytes in any checkout (compiler caches can reuse it).
#pragma once

namespace bertpp_test {

const char* compiled_shared_dir();  // ../shared beside the source tree, as configured
const char* test_data_dir();        // tests/data of the source tree

}  // namespace bertpp_test
