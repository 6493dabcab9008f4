#include "tools/lrbench/data_input.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "core/spec/spec.hpp"
#include "datasets/csv.hpp"
#include "tools/lrbench/environment.hpp"
#include "datasets/fashion_mnist.hpp"
#include "datasets/rng.hpp"
#include "datasets/sampling.hpp"
#include "datasets/synthetic.hpp"
#include "tools/lrbench/cli.hpp"

namespace lrb::cli {
namespace {

using nlohmann::json;

template <class T>
void take_regression(LoadedData<T>& d, const data::RegressionData& r, double test_fraction,
                     uint64_t seed) {
  const auto split = data::split_indices(r.n, {.val_fraction = 0.0, .test_fraction = test_fraction,
                                               .shuffle = true},
                                         data::derive_seed(seed, "train-test-split", 0));
  auto put = [&](const std::vector<size_t>& rows, std::vector<T>& x, std::vector<T>& y) {
    for (size_t i : rows) {
      for (size_t j = 0; j < r.d; ++j) x.push_back(static_cast<T>(r.x[i * r.d + j]));
      y.push_back(static_cast<T>(r.y[i]));
    }
  };
  put(split.train, d.x_train, d.y_train);
  put(split.test, d.x_test, d.y_test);
  d.n_train = split.train.size();
  d.n_test = split.test.size();
  d.features = r.d;
}

// Synthetic sets hold n x d doubles (plus a copy in T): n is checked in
// int64 against this before it becomes a size, so n = -1 cannot wrap to 2^64 - 1.
constexpr int64_t kMaxSyntheticValues = 100000000;

size_t synthetic_n(spec::ArgReader& a, const std::string& name, size_t def, size_t d) {
  const int64_t n = a.integer({"n"}, static_cast<int64_t>(def));
  const int64_t max = kMaxSyntheticValues / static_cast<int64_t>(d);
  if (n < 1 || n > max)
    throw spec::SpecError(name + ": n must be in [1, " + std::to_string(max) + "] (n x " +
                          std::to_string(d) + " features <= 1e8 values), got " +
                          std::to_string(n));
  return static_cast<size_t>(n);
}

double synthetic_sigma(spec::ArgReader& a, const std::string& name, double def) {
  const double sigma = a.number({"sigma"}, def);
  if (!(sigma >= 0.0) || !std::isfinite(sigma))
    throw spec::SpecError(name + ": sigma (the noise's standard deviation) must be a finite "
                          "number >= 0, got " + fmt::format("{}", sigma));
  return sigma;
}

}  // namespace

template <class T>
LoadedData<T> load_data(const DataOptions& o) {
  LoadedData<T> d;
  const spec::Spec s = spec::parse(o.dataset);
  spec::ArgReader a(s);
  if (s.name == "fashion-mnist" || s.name == "idx") {
    a.finish();
    const auto dir = data::resolve_data_dir(o.data_dir, data_dir_from_environment());
    // The limits go to the loader so it keeps only what is used (memory follows them).
    auto limit = [](int64_t l) { return l > 0 ? static_cast<size_t>(l) : data::kAllRecords; };
    const auto ds = data::load_fashion_mnist(
        dir.dir, {.max_train = limit(o.limit_train), .max_test = limit(o.limit_test)});
    auto take = [&](const data::ImageSet& set, int64_t limit, std::vector<T>& x,
                    std::vector<int32_t>& l) {
      const size_t n = limit > 0 ? std::min<size_t>(set.n, static_cast<size_t>(limit)) : set.n;
      const size_t f = static_cast<size_t>(set.rows) * static_cast<size_t>(set.cols);
      x.assign(set.x.begin(), set.x.begin() + static_cast<std::ptrdiff_t>(n * f));
      l.assign(set.y.begin(), set.y.begin() + static_cast<std::ptrdiff_t>(n));
      return n;
    };
    d.n_train = take(ds.train, o.limit_train, d.x_train, d.l_train);
    d.n_test = take(ds.test, o.limit_test, d.x_test, d.l_test);
    d.features = static_cast<size_t>(ds.train.rows) * static_cast<size_t>(ds.train.cols);
    d.image_rows = static_cast<size_t>(ds.train.rows);
    d.image_cols = static_cast<size_t>(ds.train.cols);
    json files = json::array();
    for (const auto& f : ds.files)
      files.push_back({{"path", f.path}, {"sha256", f.sha256}, {"bytes", f.bytes}});
    d.provenance = {{"name", ds.name}, {"dir", ds.dir}, {"dir_source", dir.source},
                    {"files", files}, {"n_train", d.n_train}, {"n_test", d.n_test}};
    return d;
  }
  const double test_fraction = a.number({"test_fraction"}, s.name == "tutorial002" ? 0.0 : 0.2);
  if (!(test_fraction >= 0.0 && test_fraction < 1.0))
    throw spec::SpecError(s.name + ": test_fraction must be in [0, 1), got " +
                          std::to_string(test_fraction));
  data::RegressionData r;
  json gen;
  if (s.name == "tutorial002") {
    r = data::tutorial002_data();
    gen = {{"generator", "tutorial002"}};
  } else if (s.name == "noisy_linear") {
    data::NoisyLinearSpec g;
    g.n = synthetic_n(a, s.name, g.n, g.w.size());
    g.sigma = synthetic_sigma(a, s.name, g.sigma);
    r = data::noisy_linear(g, data::derive_seed(o.seed, "noisy_linear", 0));
    gen = {{"generator", "noisy_linear"}, {"n", g.n}, {"sigma", g.sigma}};
  } else if (s.name == "teacher20") {
    data::TeacherMlpSpec g;
    g.n = synthetic_n(a, s.name, g.n, g.d);
    g.sigma = synthetic_sigma(a, s.name, g.sigma);
    r = data::teacher_mlp(g, data::derive_seed(o.seed, "teacher_mlp", 0));
    gen = {{"generator", "teacher_mlp"}, {"n", g.n}, {"d", g.d}, {"sigma", g.sigma}};
  } else if (s.name == "csv") {
    const std::string path = a.text({"path"}, "");
    if (path.empty()) throw spec::SpecError("csv: path=FILE is required");
    data::CsvOptions co;
    co.target_column = a.text({"target"}, "");
    const auto c = data::load_csv_regression(path, co);
    r = c.data;
    gen = {{"generator", "csv"}, {"path", c.provenance.path}, {"sha256", c.provenance.sha256},
           {"target", r.target_name}};
  } else {
    throw spec::SpecError("unknown dataset '" + s.name +
                          "' (valid: fashion-mnist, tutorial002, noisy_linear, teacher20, "
                          "csv:path=FILE)");
  }
  a.finish();
  take_regression(d, r, test_fraction, o.seed);
  if (o.limit_train > 0 && static_cast<size_t>(o.limit_train) < d.n_train) {
    d.n_train = static_cast<size_t>(o.limit_train);
    d.x_train.resize(d.n_train * d.features);
    d.y_train.resize(d.n_train);
  }
  if (o.limit_test > 0 && static_cast<size_t>(o.limit_test) < d.n_test) {
    d.n_test = static_cast<size_t>(o.limit_test);
    d.x_test.resize(d.n_test * d.features);
    d.y_test.resize(d.n_test);
  }
  gen["name"] = s.name;
  gen["n_train"] = d.n_train;
  gen["n_test"] = d.n_test;
  d.provenance = gen;
  return d;
}

template <class T>
void check_model_fits(const models::ModelConfig& model, std::size_t model_inputs,
                      const std::string& model_flag, const LoadedData<T>& data,
                      const std::string& dataset_flag) {
  const std::size_t features = data.features;
  const bool has_labels = !data.l_train.empty();
  // A convolution reads rows x cols: the same pixel count in another shape
  // (1 x 784 for 28 x 28) would run, on the wrong neighbourhoods.
  if (model.in_h > 0 && (data.image_rows != static_cast<std::size_t>(model.in_h) ||
                         data.image_cols != static_cast<std::size_t>(model.in_w)))
    throw UsageError("--model " + model_flag + " takes " + std::to_string(model.in_h) + " x " +
                     std::to_string(model.in_w) + " images, --dataset " + dataset_flag +
                     (data.image_rows ? " has " + std::to_string(data.image_rows) + " x " +
                                            std::to_string(data.image_cols) + " images"
                                      : " is not a set of images"));
  if (model_inputs != features)
    throw UsageError("--model " + model_flag + " takes " + std::to_string(model_inputs) +
                     " features per example, --dataset " + dataset_flag + " has " +
                     std::to_string(features));
  const bool classify = model.head == models::Head::softmax_ce;
  if (classify != has_labels)
    throw UsageError("--model " + model_flag + (classify ? " classifies" : " regresses") +
                     " but --dataset " + dataset_flag +
                     (classify ? " is a regression set" : " has class labels"));
}

template LoadedData<float> load_data<float>(const DataOptions&);
template LoadedData<double> load_data<double>(const DataOptions&);
template void check_model_fits<float>(const models::ModelConfig&, std::size_t, const std::string&,
                                      const LoadedData<float>&, const std::string&);
template void check_model_fits<double>(const models::ModelConfig&, std::size_t, const std::string&,
                                       const LoadedData<double>&, const std::string&);

}  // namespace lrb::cli
