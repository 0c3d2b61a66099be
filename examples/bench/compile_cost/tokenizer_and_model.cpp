// Floor of compile_cost.sh --floor: tokenize and run the encoder, no pipeline
// (`tokenizer_and_model MODEL_DIR "some text"` prints the hidden state's shape).
#include <bertpp/models/auto_model.hpp>
#include <bertpp/models/encoder.hpp>
#include <bertpp/tokenizer/tokenizer.hpp>

#include <iostream>

int main(int argc, char** argv) {
  if (argc < 3) return 2;
  const bertpp::Tokenizer tokenizer = bertpp::Tokenizer::from_folder(argv[1]);
  const bertpp::AutoModel model = bertpp::AutoModel::from_folder(argv[1]);
  const bertpp::EncoderOutput output =
      model.forward(bertpp::ModelInput::from_encodings({tokenizer.encode(argv[2])}));
  std::cout << output.last_hidden_state.rows() << " x " << output.last_hidden_state.cols() << "\n";
}
