#include "datasets/sampling.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

namespace lrb::data {

namespace {

std::vector<std::size_t> identity(std::size_t n) {
  std::vector<std::size_t> v(n);
  std::iota(v.begin(), v.end(), std::size_t{0});
  return v;
}

std::vector<std::size_t> sorted_slice(const std::vector<std::size_t>& v, std::size_t b,
                                      std::size_t e) {
  std::vector<std::size_t> s(v.begin() + static_cast<std::ptrdiff_t>(b),
                             v.begin() + static_cast<std::ptrdiff_t>(e));
  std::sort(s.begin(), s.end());
  return s;
}

void check_rows(std::span<const std::size_t> rows, std::size_t n, const char* what) {
  for (std::size_t r : rows)
    if (r >= n)
      throw std::invalid_argument(
          fmt::format("take_rows: row {} is out of range for a {} of {} rows", r, what, n));
}

}  // namespace

std::vector<std::size_t> permutation(std::size_t n, std::uint64_t seed) {
  std::vector<std::size_t> v = identity(n);
  Rng rng{seed};
  shuffle(std::span<std::size_t>(v), rng);
  return v;
}

std::vector<std::size_t> epoch_order(std::size_t n, std::uint64_t seed, std::uint64_t epoch,
                                     bool shuffle) {
  return shuffle ? permutation(n, derive_seed(seed, "shuffle", epoch)) : identity(n);
}

std::vector<IndexRange> batch_ranges(std::size_t n, std::size_t batch_size, LastBatch last) {
  if (batch_size == 0) throw std::invalid_argument("batch_ranges: batch size must be >= 1, got 0");
  std::vector<IndexRange> out;
  for (std::size_t b = 0; b < n; b += batch_size) {
    const std::size_t e = std::min(n, b + batch_size);
    if (e - b < batch_size && last == LastBatch::drop) break;
    out.push_back({b, e});
  }
  return out;
}

SplitIndices split_indices(std::size_t n, const SplitOptions& o, std::uint64_t seed) {
  const bool fractions_ok = o.val_fraction >= 0.0 && o.val_fraction < 1.0 &&
                            o.test_fraction >= 0.0 && o.test_fraction < 1.0 &&
                            o.val_fraction + o.test_fraction < 1.0;
  if (!fractions_ok)
    throw std::invalid_argument(fmt::format(
        "split_indices: validation and test fractions must be in [0, 1) with a sum below 1, got "
        "{} and {}",
        o.val_fraction, o.test_fraction));
  const auto n_val = static_cast<std::size_t>(std::floor(static_cast<double>(n) * o.val_fraction));
  const auto n_test = static_cast<std::size_t>(std::floor(static_cast<double>(n) * o.test_fraction));
  if (n_val + n_test >= n)
    throw std::invalid_argument(fmt::format(
        "split_indices: {} rows leave no training rows after {} validation and {} test rows", n,
        n_val, n_test));
  const std::size_t n_train = n - n_val - n_test;
  const std::vector<std::size_t> order =
      o.shuffle ? permutation(n, derive_seed(seed, "split", 0)) : identity(n);
  SplitIndices s;
  s.train = sorted_slice(order, 0, n_train);
  s.val = sorted_slice(order, n_train, n_train + n_val);
  s.test = sorted_slice(order, n_train + n_val, n);
  return s;
}

std::vector<Fold> kfold(std::size_t n, std::size_t k, std::uint64_t seed, bool shuffle) {
  if (k < 2 || k > n)
    throw std::invalid_argument(
        fmt::format("kfold: need 2 <= k <= n, got k={} for n={} rows", k, n));
  const std::vector<std::size_t> order =
      shuffle ? permutation(n, derive_seed(seed, "kfold", 0)) : identity(n);
  std::vector<Fold> folds(k);
  std::size_t start = 0;
  for (std::size_t f = 0; f < k; ++f) {
    const std::size_t size = n / k + (f < n % k ? 1 : 0);
    folds[f].val = sorted_slice(order, start, start + size);
    std::vector<std::size_t> train(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(start));
    train.insert(train.end(), order.begin() + static_cast<std::ptrdiff_t>(start + size), order.end());
    std::sort(train.begin(), train.end());
    folds[f].train = std::move(train);
    start += size;
  }
  return folds;
}

RegressionData take_rows(const RegressionData& data, std::span<const std::size_t> rows) {
  check_rows(rows, data.n, "regression table");
  RegressionData out;
  out.n = rows.size();
  out.d = data.d;
  out.feature_names = data.feature_names;
  out.target_name = data.target_name;
  out.x.reserve(out.n * out.d);
  out.y.reserve(out.n);
  for (std::size_t r : rows) {
    out.x.insert(out.x.end(), data.x.begin() + static_cast<std::ptrdiff_t>(r * data.d),
                 data.x.begin() + static_cast<std::ptrdiff_t>((r + 1) * data.d));
    out.y.push_back(data.y[r]);
  }
  return out;
}

ImageSet take_rows(const ImageSet& data, std::span<const std::size_t> rows) {
  check_rows(rows, data.n, "image set");
  const std::size_t px = static_cast<std::size_t>(data.rows) * static_cast<std::size_t>(data.cols);
  ImageSet out;
  out.n = rows.size();
  out.rows = data.rows;
  out.cols = data.cols;
  out.num_classes = data.num_classes;
  out.x.reserve(out.n * px);
  out.y.reserve(out.n);
  for (std::size_t r : rows) {
    out.x.insert(out.x.end(), data.x.begin() + static_cast<std::ptrdiff_t>(r * px),
                 data.x.begin() + static_cast<std::ptrdiff_t>((r + 1) * px));
    out.y.push_back(data.y[r]);
  }
  return out;
}

}  // namespace lrb::data
