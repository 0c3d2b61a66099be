// The program examples/bench/compile_cost/compile_cost.sh compiles: what a user writes to
// run one HF pipeline (`five_line_pipeline MODEL_DIR "some text"`).
#include <bertpp/pipelines/factory.hpp>

#include <iostream>

int main(int argc, char** argv) {
  if (argc < 3) return 2;
  std::cout << bertpp::pipeline(argv[1]).run({{"inputs", argv[2]}}).dump() << "\n";
}
