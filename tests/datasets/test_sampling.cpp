// Shuffles, batches, splits and k-fold: determinism (same seed, same bytes)
// and partition properties.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <numeric>

#include "datasets/sampling.hpp"

namespace lrb::data {
namespace {

std::vector<std::size_t> iota(std::size_t n) {
  std::vector<std::size_t> v(n);
  std::iota(v.begin(), v.end(), std::size_t{0});
  return v;
}

bool is_permutation_of_range(std::vector<std::size_t> v, std::size_t n) {
  std::sort(v.begin(), v.end());
  return v == iota(n);
}

TEST(Sampling, PermutationIsDeterministicAndAPermutation) {
  const auto a = permutation(1000, 5), b = permutation(1000, 5), c = permutation(1000, 6);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  EXPECT_TRUE(is_permutation_of_range(a, 1000));
  EXPECT_NE(a, iota(1000));
  EXPECT_TRUE(permutation(0, 1).empty());
  EXPECT_EQ(permutation(1, 1), std::vector<std::size_t>{0});
}

TEST(Sampling, FisherYatesIsUniformOverPermutationsOfThree) {
  Rng r{99};
  std::map<std::vector<int>, int> seen;
  for (int i = 0; i < 60000; ++i) {
    std::vector<int> v = {0, 1, 2};
    shuffle(std::span<int>(v), r);
    ++seen[v];
  }
  ASSERT_EQ(seen.size(), 6u);
  for (const auto& [perm, count] : seen) EXPECT_NEAR(count, 10000, 500);  // ~5 sigma
}

TEST(Sampling, EpochOrdersDifferPerEpochAndRepeatPerSeed) {
  const auto e0 = epoch_order(500, 1, 0), e1 = epoch_order(500, 1, 1);
  EXPECT_NE(e0, e1);
  EXPECT_EQ(e0, epoch_order(500, 1, 0));
  EXPECT_EQ(e0, permutation(500, derive_seed(1, "shuffle", 0)));
  EXPECT_EQ(epoch_order(500, 1, 3, false), iota(500));
}

TEST(Sampling, BatchRangesKeepOrDropTheLastPartialBatch) {
  EXPECT_EQ(batch_ranges(60000, 32, LastBatch::keep).size(), 1875u);
  const auto keep = batch_ranges(100, 32, LastBatch::keep);
  ASSERT_EQ(keep.size(), 4u);
  EXPECT_EQ(keep.back().begin, 96u);
  EXPECT_EQ(keep.back().end, 100u);
  const auto drop = batch_ranges(100, 32, LastBatch::drop);
  ASSERT_EQ(drop.size(), 3u);
  EXPECT_EQ(drop.back().end, 96u);
  EXPECT_TRUE(batch_ranges(10, 32, LastBatch::drop).empty());
  EXPECT_EQ(batch_ranges(10, 32, LastBatch::keep).size(), 1u);
  EXPECT_TRUE(batch_ranges(0, 4, LastBatch::keep).empty());
  EXPECT_THROW(batch_ranges(10, 0, LastBatch::keep), std::invalid_argument);
}

TEST(Sampling, SplitsPartitionTheRowsDeterministically) {
  const SplitOptions o{.val_fraction = 0.2, .test_fraction = 0.1};
  const SplitIndices s = split_indices(1003, o, 4);
  EXPECT_EQ(s.val.size(), 200u);
  EXPECT_EQ(s.test.size(), 100u);
  EXPECT_EQ(s.train.size(), 703u);
  std::vector<std::size_t> all = s.train;
  all.insert(all.end(), s.val.begin(), s.val.end());
  all.insert(all.end(), s.test.begin(), s.test.end());
  EXPECT_TRUE(is_permutation_of_range(all, 1003));
  EXPECT_TRUE(std::is_sorted(s.train.begin(), s.train.end()));
  const SplitIndices again = split_indices(1003, o, 4);
  EXPECT_EQ(again.train, s.train);
  EXPECT_EQ(again.val, s.val);
  EXPECT_NE(split_indices(1003, o, 5).val, s.val);
  // Without shuffling: validation then test are the tail, as in Keras' validation_split.
  const SplitIndices tail = split_indices(10, {.val_fraction = 0.2, .shuffle = false}, 0);
  EXPECT_EQ(tail.train, iota(8));
  EXPECT_EQ(tail.val, (std::vector<std::size_t>{8, 9}));
  EXPECT_THROW(split_indices(10, {.val_fraction = 0.6, .test_fraction = 0.4}, 0),
               std::invalid_argument);
  EXPECT_THROW(split_indices(0, {}, 0), std::invalid_argument);  // no training rows
  EXPECT_EQ(split_indices(1, {.val_fraction = 0.99}, 0).train.size(), 1u);  // floor(0.99) = 0
}

TEST(Sampling, KFoldValidationSetsPartitionTheRows) {
  const auto folds = kfold(103, 5, 8);
  ASSERT_EQ(folds.size(), 5u);
  std::vector<std::size_t> all;
  for (std::size_t f = 0; f < 5; ++f) {
    EXPECT_EQ(folds[f].val.size(), f < 3 ? 21u : 20u);  // 103 = 3 * 21 + 2 * 20
    EXPECT_EQ(folds[f].train.size() + folds[f].val.size(), 103u);
    std::vector<std::size_t> both = folds[f].train;
    both.insert(both.end(), folds[f].val.begin(), folds[f].val.end());
    EXPECT_TRUE(is_permutation_of_range(both, 103));
    all.insert(all.end(), folds[f].val.begin(), folds[f].val.end());
  }
  EXPECT_TRUE(is_permutation_of_range(all, 103));
  const auto again = kfold(103, 5, 8);
  for (std::size_t f = 0; f < 5; ++f) EXPECT_EQ(again[f].val, folds[f].val);
  EXPECT_NE(kfold(103, 5, 9)[0].val, folds[0].val);
  EXPECT_EQ(kfold(6, 3, 0, false)[1].val, (std::vector<std::size_t>{2, 3}));
  EXPECT_THROW(kfold(5, 1, 0), std::invalid_argument);
  EXPECT_THROW(kfold(3, 4, 0), std::invalid_argument);
}

TEST(Sampling, TakeRowsCopiesTheListedRows) {
  RegressionData d;
  d.n = 3;
  d.d = 2;
  d.x = {1, 2, 3, 4, 5, 6};
  d.y = {10, 20, 30};
  const std::vector<std::size_t> rows = {2, 0};
  const RegressionData t = take_rows(d, rows);
  EXPECT_EQ(t.x, (std::vector<double>{5, 6, 1, 2}));
  EXPECT_EQ(t.y, (std::vector<double>{30, 10}));
  const std::vector<std::size_t> bad = {3};
  EXPECT_THROW(take_rows(d, bad), std::invalid_argument);

  ImageSet im;
  im.n = 2;
  im.rows = 1;
  im.cols = 2;
  im.num_classes = 10;
  im.x = {0.1f, 0.2f, 0.3f, 0.4f};
  im.y = {7, 8};
  const std::vector<std::size_t> one = {1};
  const ImageSet s = take_rows(im, one);
  EXPECT_EQ(s.x, (std::vector<float>{0.3f, 0.4f}));
  EXPECT_EQ(s.y, std::vector<std::int32_t>{8});
}

}  // namespace
}  // namespace lrb::data
