#pragma once
// The datasets `lrbench train` and `lrbench lr-find` read, by --dataset spec:
// Fashion-MNIST (or any directory of IDX files), tutorial 002's four points,
// the seeded synthetic regressions, or a user's CSV; with what to record about
// them (files and SHA-256s, generator and sizes).
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/models/model.hpp"

namespace lrb::cli {

struct DataOptions {
  std::string dataset = "fashion-mnist";  // spec: fashion-mnist | tutorial002 | noisy_linear[...] | teacher20[...] | csv:path=F
  std::optional<std::string> data_dir;    // IDX directory; default $LRBENCH_DATA_DIR, else Debian's
  std::uint64_t seed = 0;                 // synthetic data and the train/test split derive from it
  std::int64_t limit_train = 0, limit_test = 0;  // 0 = all
};

// Data as the model consumes it, in T, plus what to record about it.
template <class T>
struct LoadedData {
  std::vector<T> x_train, y_train, x_test, y_test;   // y_*: regression targets
  std::vector<int32_t> l_train, l_test;               // labels: classification
  size_t n_train = 0, n_test = 0, features = 0;
  size_t image_rows = 0, image_cols = 0;              // IDX images (0: not images)
  nlohmann::json provenance;                          // name, files + SHA-256, generator
};

// Throws spec::SpecError for a bad spec, data::DataError for unreadable data.
template <class T>
LoadedData<T> load_data(const DataOptions& o);

// Throws UsageError when the model cannot consume the data (input width, a
// convolution's image shape -- cnn001 takes 28 x 28, not 1 x 784 -- or a
// classifier on regression data and vice versa); names both flags.
template <class T>
void check_model_fits(const models::ModelConfig& model, std::size_t model_inputs,
                      const std::string& model_flag, const LoadedData<T>& data,
                      const std::string& dataset_flag);

extern template LoadedData<float> load_data<float>(const DataOptions&);
extern template LoadedData<double> load_data<double>(const DataOptions&);
extern template void check_model_fits<float>(const models::ModelConfig&, std::size_t,
                                             const std::string&, const LoadedData<float>&,
                                             const std::string&);
extern template void check_model_fits<double>(const models::ModelConfig&, std::size_t,
                                              const std::string&, const LoadedData<double>&,
                                              const std::string&);

}  // namespace lrb::cli
