#pragma once
// Mini-batch assembly shared by the training loop and the LR range test.
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

#include "core/train/train.hpp"

namespace lrb::train {

// Copies the examples at order[begin, end) into contiguous batch buffers.
template <class T>
void gather(std::vector<T>& x, std::vector<std::int32_t>& labels, std::vector<T>& targets,
            const Examples<T>& data, std::span<const std::size_t> rows, std::size_t features,
            std::size_t outputs) {
  for (std::size_t r = 0; r < rows.size(); ++r) {
    const std::size_t i = rows[r];
    std::memcpy(x.data() + r * features, data.x.data() + i * features, features * sizeof(T));
    if (!data.labels.empty()) labels[r] = data.labels[i];
    if (!data.targets.empty())
      std::memcpy(targets.data() + r * outputs, data.targets.data() + i * outputs,
                  outputs * sizeof(T));
  }
}

}  // namespace lrb::train
