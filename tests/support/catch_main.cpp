#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

#include "support/paths.hpp"

namespace bertpp_test {

const char* compiled_shared_dir() { return BERTPP_SHARED_DIR; }
const char* test_data_dir() { return BERTPP_TEST_DATA_DIR; }

}  // namespace bertpp_test
