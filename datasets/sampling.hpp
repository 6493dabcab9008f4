#pragma once
// Shuffles, mini-batches, train/validation/test splits and k-fold, all as
// index lists, all deterministic from a seed (datasets/rng.hpp).
//
//   shuffle(items, rng)   Fisher-Yates, i = n-1 down to 1: j = uniform_below(rng, i+1),
//                         swap(items[i], items[j])  (Lemire's unbiased integer draw)
//   permutation(n, seed)  shuffle of 0..n-1 with Rng{seed}
//   epoch_order(n, seed, epoch)   permutation(n, derive_seed(seed, "shuffle", epoch));
//                         with shuffle = false, 0..n-1 (Keras fit(shuffle=False))
//   batch_ranges(n, B, last)      [0,B), [B,2B), ...; the last partial batch is kept
//                         (Keras / PyTorch default: 60000 / 32 -> 1875 batches) or dropped
//   split_indices(n, opts, seed)  order = permutation(n, derive_seed(seed, "split", 0))
//                         (identity when !opts.shuffle); n_val = floor(n * val_fraction),
//                         n_test = floor(n * test_fraction), n_train = the rest;
//                         train = order[0, n_train), val = the next n_val, test = the tail.
//                         Without shuffling the validation rows are the tail before the test
//                         rows, like Keras' validation_split (which takes
//                         n - floor(n * (1 - f)); it can differ from floor(n * f) by one).
//   kfold(n, k, seed)     order = permutation(n, derive_seed(seed, "kfold", 0)) (identity when
//                         !shuffle); fold f is a contiguous slice of order, the first n % k
//                         folds one longer (scikit-learn's KFold); train = everything else.
// Every returned index list is sorted ascending except permutations/epoch orders, so
// take_rows() keeps the file order within a split.
#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "datasets/rng.hpp"
#include "datasets/types.hpp"

namespace lrb::data {

template <class T>
void shuffle(std::span<T> items, Rng& rng) {
  for (std::size_t i = items.size(); i > 1; --i) {
    const std::size_t j = static_cast<std::size_t>(uniform_below(rng, i));
    using std::swap;
    swap(items[i - 1], items[j]);
  }
}

std::vector<std::size_t> permutation(std::size_t n, std::uint64_t seed);
std::vector<std::size_t> epoch_order(std::size_t n, std::uint64_t seed, std::uint64_t epoch,
                                     bool shuffle = true);

enum class LastBatch { keep, drop };
struct IndexRange {
  std::size_t begin = 0;  // positions in an epoch order, [begin, end)
  std::size_t end = 0;
};
// batch_size >= 1.  With LastBatch::drop and n < batch_size the result is empty.
std::vector<IndexRange> batch_ranges(std::size_t n, std::size_t batch_size, LastBatch last);

struct SplitOptions {
  double val_fraction = 0.0;   // in [0, 1)
  double test_fraction = 0.0;  // in [0, 1), val + test < 1, and train must be non-empty
  bool shuffle = true;
};
struct SplitIndices {
  std::vector<std::size_t> train, val, test;
};
SplitIndices split_indices(std::size_t n, const SplitOptions& options, std::uint64_t seed);

struct Fold {
  std::vector<std::size_t> train, val;
};
// 2 <= k <= n.  The k validation sets partition 0..n-1.
std::vector<Fold> kfold(std::size_t n, std::size_t k, std::uint64_t seed, bool shuffle = true);

// The listed rows, in the listed order; an index >= n is std::invalid_argument.
RegressionData take_rows(const RegressionData& data, std::span<const std::size_t> rows);
ImageSet take_rows(const ImageSet& data, std::span<const std::size_t> rows);

}  // namespace lrb::data
