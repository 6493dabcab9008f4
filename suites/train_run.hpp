#pragma once
// One training run from canonical params (params.kind == "train"): the run of
// suites 000, 002, 003 and of every study (suite 004 is one).  Plain data in,
// a run result out; core/train does the training.
//
// params = {
//   "kind": "train",
//   "dataset": one of
//     {"generator": "noisy_linear" | "teacher20", "n", "sigma", "val_fraction", "test_fraction"}
//     {"generator": "tutorial002", "val_fraction", "test_fraction"}
//     {"generator": "csv", "sha256", "target", "rows", "val_fraction", "test_fraction"}
//     {"generator": "images", "sha256": [4 IDX files], "n_train", "n_test", "val_fraction"}
//     (+ "limit_train", "limit_test" when > 0: regression splits cut to their first rows),
//   "model": "linear:in=1,bias=true" | "mlp004" | "cnn001" | ...,  "init": "zeros" | "keras" | ...,
//   "optimizer": optim::to_spec_string(...), "schedule": sched::to_spec_string(...),
//   "lr_unit": "step" | "epoch", "plateau_metric": "train_loss" | "val_loss",
//   "epochs" (or "steps": a budget in updates), "batch", "dtype": "float32" | "float64",
//   "keras_accuracy": bool   (also report Keras' metrics=['accuracy'] on an MSE model)
//   "eval_every": N, "test_curve": true   (only when not 1 / false, see below)
// }
// Keys that came after the first version ("steps", "eval_every", "test_curve",
// "limit_train", "limit_test", the csv and images datasets) are written only
// when they differ from what the first version did, so every run that could
// be expressed before keeps its params, and its address.
//
// Streams: data = derive_seed(seed, "data", 0); split = derive_seed(seed, "split", 0);
// init and shuffle take `seed` (models::init_params, train::train derive their own).
// Regression splits: split_indices(n, {val, test}) -> train / val / test.  Images:
// train = the first n_train training images minus the validation tail (the last
// floor(n_train * val_fraction) of them, Keras' validation_split), test = the
// first n_test test images.  The training loop's monitor ("test set") is the
// validation split when there is one (reduce-on-plateau watches it), else the
// test split; with "test_curve" the test split is evaluated at every evaluation
// too; the test split is always evaluated at the end.
#include <filesystem>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "core/train/lr_range.hpp"
#include "suites/suite.hpp"

namespace lrb::suites {

struct TrainParams {
  std::string generator = "noisy_linear";  // noisy_linear | teacher20 | tutorial002 | csv | images
  int64_t n = 1000;                        // generators
  double sigma = 1.0, val_fraction = 0.0, test_fraction = 0.2;
  std::vector<std::string> sha256;         // csv: the file; images: the four IDX files
  std::string target;                      // csv: the target column ("" = the last)
  int64_t rows = 0;                        // csv: rows in the file
  int64_t n_train = 0, n_test = 0;         // images: the first n_train / n_test images
  int64_t limit_train = 0, limit_test = 0; // regression: cut the splits (0 = all)
  std::string model, init = "keras", optimizer, schedule = "constant";
  std::string lr_unit = "step", plateau_metric = "train_loss";
  int epochs = 10, batch = 32;
  int64_t steps = 0;                       // > 0: the budget in updates (epochs unused)
  int eval_every = 1;
  bool test_curve = false;
  std::string dtype = "float32";
  bool keras_accuracy = false;
};
// Canonical params JSON: optimizer and schedule parsed and re-written with
// every parameter explicit (a bad spec throws spec::SpecError here, at plan
// time; other bad values std::invalid_argument).
json train_params(const TrainParams& p);

// Where a run finds the files its params name by content: a CSV by its
// SHA-256, a directory of IDX files by the SHA-256 of its training images.
// Records are addressed by the content, so a moved file keeps its records.
// Image data not listed here is read from RunContext::data_dir (Fashion-MNIST).
struct DataFiles {
  std::map<std::string, std::filesystem::path> by_sha256;
};

RunResult execute_train(const RunSpec& run, const RunContext& context, const DataFiles& files = {});

// The lrbench.lr_find/1 record of a finished range test: curves, the
// suggested LR and why it stopped; `dataset` as the caller describes it.
json lr_range_record(const train::LrRangeResult& r, double wall_seconds, json dataset);

// An LR range test (core/train/lr_range.hpp) on the training split of a
// "train" run's data (params.kind == "lr_find"):
//   {"kind": "lr_find", "dataset", "model", "init", "optimizer", "dtype",
//    "range": {"lr_min", "lr_max", "steps", "batch", "smoothing", "stop_factor"}}
// The record: final.suggested_lr (+ min_loss_lr, min_over_ten_lr, rule),
// curves.lr_range {lr, loss, smoothed}.
RunResult execute_lr_find(const RunSpec& run, const RunContext& context, const DataFiles& files = {});

// Keras' metrics=['accuracy'] with an MSE loss and one output resolves to
// binary_accuracy: mean(y_true == (y_pred > 0.5)), in the model dtype.
double keras_binary_accuracy(std::span<const double> y_true, std::span<const double> y_pred);

}  // namespace lrb::suites
