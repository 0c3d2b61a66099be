// Where each sequence of a batch sits in the activation rows. Padded: every
// sequence takes seq_len rows (HF's layout; padding rows are computed too).
// Packed: only the real tokens, back to back, so the dense layers do no work
// on padding — the attention of a real token never looks at padding keys, so
// its result is the same either way.
#pragma once

#include <Eigen/Core>

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

namespace bertpp {

struct SequenceLayout {
  Eigen::Index batch = 0, seq_len = 0;  // the padded input's shape
  Eigen::Index rows = 0;                // activation rows in use
  std::vector<Eigen::Index> offset;     // first row of each sequence
  std::vector<Eigen::Index> length;     // rows of each sequence
  bool packed = false;

  static SequenceLayout padded(Eigen::Index batch, Eigen::Index seq_len) {
    SequenceLayout layout = empty(batch, seq_len);
    for (Eigen::Index b = 0; b < batch; ++b) layout.add(seq_len);
    return layout;
  }

  // Packs a right-padded batch (each mask row is ones then zeros, at least one
  // real token). Returns false (and leaves `out` alone) for any other mask:
  // left padding or holes need the padded layout to keep HF's positions.
  static bool pack(const std::vector<std::int32_t>& mask, Eigen::Index batch, Eigen::Index seq_len,
                   SequenceLayout& out) {
    SequenceLayout layout = empty(batch, seq_len);
    layout.packed = true;
    for (Eigen::Index b = 0; b < batch; ++b) {
      const std::int32_t* row = mask.data() + b * seq_len;
      Eigen::Index real = 0;
      while (real < seq_len && row[real] != 0) ++real;
      for (Eigen::Index s = real; s < seq_len; ++s)
        if (row[s] != 0) return false;
      if (real == 0) return false;
      layout.add(real);
    }
    out = std::move(layout);
    return true;
  }

  Eigen::Index longest() const {
    Eigen::Index n = 0;
    for (Eigen::Index l : length) n = std::max(n, l);
    return n;
  }

  // The activation row of token `s` of sequence `b` (s < length[b]).
  Eigen::Index row(Eigen::Index b, Eigen::Index s) const {
    return offset[static_cast<std::size_t>(b)] + s;
  }

 private:
  static SequenceLayout empty(Eigen::Index batch, Eigen::Index seq_len) {
    SequenceLayout layout;
    layout.batch = batch;
    layout.seq_len = seq_len;
    layout.offset.reserve(static_cast<std::size_t>(batch));
    layout.length.reserve(static_cast<std::size_t>(batch));
    return layout;
  }

  void add(Eigen::Index n) {
    offset.push_back(rows);
    length.push_back(n);
    rows += n;
  }
};

}  // namespace bertpp
