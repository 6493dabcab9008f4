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
  nlohmann::json provenance;                          // name, files + SHA-256, generator
};

// Throws spec::SpecError for a bad spec, data::DataError for unreadable data.
template <class T>
LoadedData<T> load_data(const DataOptions& o);

// Throws UsageError when the model cannot consume the data (input width, or a
// classifier on regression data and vice versa); names both flags.
void check_model_fits(const models::ModelConfig& model, std::size_t model_inputs,
                      const std::string& model_flag, std::size_t features, bool has_labels,
                      const std::string& dataset_flag);

extern template LoadedData<float> load_data<float>(const DataOptions&);
extern template LoadedData<double> load_data<double>(const DataOptions&);

}  // namespace lrb::cli
