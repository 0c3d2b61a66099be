// Floor of compile_cost.sh --floor: what any header-only bertpp program pays
// before bertpp's own code: the three packages the core needs, each used once.
#include <Eigen/Core>
#include <immintrin.h>
#include <nlohmann/json.hpp>

#include <iostream>

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  const Eigen::MatrixXf m = Eigen::MatrixXf::Constant(argc, argc, 1.0f);
  std::cout << nlohmann::json::parse(argv[1]).dump() << ' ' << m.sum() << "\n";
}
