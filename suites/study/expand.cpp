// Arms x seeds -> runs: settings layered per budget, data resolved and hashed,
// canonical params per run, the two tuning stages, and the Suite of a study.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "core/models/model.hpp"
#include "core/optim/optim.hpp"
#include "core/schedules/schedule.hpp"
#include "core/stats/stats.hpp"
#include "datasets/csv.hpp"
#include "datasets/error.hpp"
#include "datasets/fashion_mnist.hpp"
#include "suites/common.hpp"
#include "suites/study/builtins.hpp"
#include "suites/study/internal.hpp"

namespace lrb::suites::study {

namespace {

std::string where_text(const Settings& s, const std::string& name, const Where& fallback) {
  const auto it = s.find(name);
  return to_string(it == s.end() ? fallback : it->second.where);
}

const json* get(const Settings& s, const std::string& name) {
  const auto it = s.find(name);
  return it == s.end() ? nullptr : &it->second.value;
}

std::string text_or(const Settings& s, const std::string& name, const std::string& def) {
  const json* v = get(s, name);
  return v ? v->get<std::string>() : def;
}

std::filesystem::path resolve(const std::filesystem::path& folder, const std::string& p) {
  const std::filesystem::path path(p);
  return path.is_absolute() || folder.empty() ? path : folder / path;
}

}  // namespace

// ---- data --------------------------------------------------------------------------------

DataInfo Study::data(const Settings& s) const {
  const auto it = s.find("dataset");
  if (it == s.end())
    throw StudyError(spec_.path + ":1:1: dataset: missing; set [data] dataset = \"...\" (fashion-mnist, idx, "
                     "noisy_linear[:n=,sigma=], teacher20[:n=,sigma=], tutorial002, csv:path=FILE[,target=COL])");
  const std::string text = it->second.value.get<std::string>();
  const std::string at = to_string(it->second.where);
  const std::string dir = text_or(s, "data_dir", "");
  const std::string key = text + "\n" + dir;
  DataInfo d;
  {
    std::lock_guard lock(mu_);
    const auto c = data_.find(key);
    if (c != data_.end()) d = c->second;
  }
  double spec_test = -1;  // test_fraction written in the dataset spec
  if (d.text.empty()) {
    spec::Spec sp;
    try {
      sp = spec::parse(text);
    } catch (const spec::SpecError& e) {
      throw StudyError(at + ": dataset: " + e.what());
    }
    try {
      spec::ArgReader a(sp);
      auto& f = d.fields;
      if (sp.name == "fashion-mnist" || sp.name == "idx") {
        a.finish();
        f.generator = "images";
        d.labels = true;
        if (!dir.empty()) {
          const auto path = resolve(spec_.folder, dir);
          const auto im = data::load_fashion_mnist(path);  // DataError: exit 3
          for (const auto& file : im.files) f.sha256.push_back(file.sha256);
          f.n_train = static_cast<int64_t>(im.train.n);
          f.n_test = static_cast<int64_t>(im.test.n);
          d.image_rows = static_cast<size_t>(im.train.rows);
          d.image_cols = static_cast<size_t>(im.train.cols);
          std::lock_guard lock(mu_);
          files_.by_sha256[f.sha256.at(0)] = path;
          // The folder as the study names it (not the resolved path): the
          // manifest's bytes must not depend on where lrbench was started.
          d.text = fmt::format("IDX images in {} ({}{} x {}, {} training and {} test images)", dir,
                               im.name == "fashion-mnist" ? "Fashion-MNIST, " : "", im.train.rows, im.train.cols,
                               im.train.n, im.test.n);
        } else if (sp.name == "idx") {
          throw StudyError(at + ": dataset: idx needs data_dir = \"FOLDER\" (its four IDX files)");
        } else {  // Debian's dataset-fashion-mnist, read from the run context's data directory
          for (const char* h : data::kFashionMnistSha256) f.sha256.push_back(h);
          f.n_train = 60000;
          f.n_test = 10000;
          d.image_rows = d.image_cols = 28;
          d.text = "Fashion-MNIST (28 x 28 images, 60,000 training and 10,000 test; the Debian files' SHA-256s)";
        }
        d.features = d.image_rows * d.image_cols;
      } else if (sp.name == "noisy_linear" || sp.name == "teacher20") {
        f.generator = sp.name;
        const size_t dims = sp.name == "noisy_linear" ? 1 : 20;
        f.n = a.integer({"n"}, 1000);
        if (f.n < 1 || f.n > 100000000 / static_cast<int64_t>(dims))
          throw spec::SpecError(fmt::format("{}: n must be in [1, {}], got {}", sp.name, 100000000 / dims, f.n));
        f.sigma = a.number({"sigma"}, sp.name == "noisy_linear" ? 1.0 : 0.1);
        if (!(f.sigma >= 0) || !std::isfinite(f.sigma))
          throw spec::SpecError(sp.name + ": sigma must be a finite number >= 0");
        spec_test = a.number({"test_fraction"}, -1);
        a.finish();
        d.features = dims;
        d.text = sp.name == "noisy_linear"
                     ? fmt::format("noisy_linear: y = 4 + 3x + {} N(0, 1), x ~ U[0, 2), n = {} (drawn per seed)", f.sigma, f.n)
                     : fmt::format("teacher20: 20 features, a random ReLU teacher, noise sigma {}, n = {} (drawn per seed)",
                                   f.sigma, f.n);
      } else if (sp.name == "tutorial002") {
        f.generator = sp.name;
        spec_test = a.number({"test_fraction"}, -1);
        a.finish();
        d.features = 1;
        d.text = "tutorial 002's four points (x = 1..4, y = 2x)";
      } else if (sp.name == "csv") {
        const std::string p = a.text({"path"}, "");
        if (p.empty()) throw spec::SpecError("csv: path=FILE is required");
        data::CsvOptions co;
        co.target_column = a.text({"target"}, "");
        spec_test = a.number({"test_fraction"}, -1);
        a.finish();
        const auto path = resolve(spec_.folder, p);
        const auto c = data::load_csv_regression(path, co);  // DataError: exit 3
        f.generator = "csv";
        f.sha256 = {c.provenance.sha256};
        f.target = c.data.target_name;
        f.rows = static_cast<int64_t>(c.data.n);
        d.features = c.data.d;
        {
          std::lock_guard lock(mu_);
          files_.by_sha256[c.provenance.sha256] = path;
        }
        d.text = fmt::format("CSV {} (target {}, {} rows, {} features, SHA-256 {})", p, f.target, f.rows,
                             d.features, c.provenance.sha256.substr(0, 16));
      } else {
        throw spec::SpecError("unknown dataset '" + sp.name +
                              "' (valid: fashion-mnist, idx, noisy_linear, teacher20, tutorial002, csv:path=FILE)");
      }
    } catch (const spec::SpecError& e) {
      throw StudyError(at + ": dataset: " + e.what());
    }
    if (spec_test >= 0) d.fields.test_fraction = spec_test;
    else d.fields.test_fraction = d.fields.generator == "tutorial002" ? 0.0 : 0.2;
    std::lock_guard lock(mu_);
    data_[key] = d;
  }
  auto& f = d.fields;
  if (const json* v = get(s, "test_fraction")) {
    if (f.generator == "images")
      throw StudyError(where_text(s, "test_fraction", {}) + ": test_fraction: image data has its own test files");
    f.test_fraction = v->get<double>();
  }
  f.val_fraction = get(s, "val_fraction") ? get(s, "val_fraction")->get<double>() : 0.0;
  if (f.generator != "images" && f.val_fraction + f.test_fraction >= 1.0)
    throw StudyError(where_text(s, "val_fraction", it->second.where) +
                     fmt::format(": val_fraction + test_fraction must be < 1, got {} + {}", f.val_fraction, f.test_fraction));
  const int64_t lt = get(s, "limit_train") ? get(s, "limit_train")->get<int64_t>() : 0;
  const int64_t le = get(s, "limit_test") ? get(s, "limit_test")->get<int64_t>() : 0;
  if (f.generator == "images") {
    if (lt > f.n_train)
      throw StudyError(fmt::format("{}: limit_train: {} but the data has {} training images",
                                   where_text(s, "limit_train", {}), lt, f.n_train));
    if (le > f.n_test)
      throw StudyError(fmt::format("{}: limit_test: {} but the data has {} test images", where_text(s, "limit_test", {}),
                                   le, f.n_test));
    if (lt > 0) f.n_train = lt;
    if (le > 0) f.n_test = le;
  } else {
    f.limit_train = lt;
    f.limit_test = le;
  }
  return d;
}

DataFiles Study::files() const {
  std::lock_guard lock(mu_);
  return files_;
}

// ---- arms ---------------------------------------------------------------------------------

Settings layered(const StudySpec& spec, const Arm& arm, bool quick) {
  Settings out;
  auto over = [&](const Settings& layer, int level) {
    for (const auto& [k, v] : layer) {
      Setting s = v;
      s.layer = level;
      const auto it = out.find(k);
      if (k == "options" && it != out.end()) {  // tables merge key by key
        json merged = it->second.value;
        for (const auto& [ok, ov] : v.value.items()) merged[ok] = ov;
        s.value = merged;
      }
      out[k] = s;
    }
  };
  over(spec.defaults, 0);
  if (quick) over(spec.quick, 1);
  over(arm.settings, 2);
  if (quick) over(arm.quick, 3);
  return out;
}

int final_seeds(const StudySpec& spec, const Budget& b) {
  if (b.seeds > 0) return b.seeds;
  return b.quick && spec.quick_seeds ? *spec.quick_seeds : spec.seeds;
}

void check_budget(const StudySpec& spec, const Budget& b) {
  if (b.quick && !spec.has_quick)
    throw StudyError(spec.path + ": --quick: study '" + spec.id +
                     "' declares no quick budget (add a [quick] table, e.g. [quick] epochs = 1)");
}

namespace {

std::string trim(std::string s) {
  while (!s.empty() && s.front() == ' ') s.erase(s.begin());
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

bool value_matches(const json& v, const std::string& text) {
  if (v.is_string()) return v.get<std::string>() == text;
  if (v.is_boolean()) return (v.get<bool>() ? "true" : "false") == text;
  if (v.is_number()) {
    const double x = v.get<double>();
    const auto t = spec::to_double(text);
    return (t && *t == x) || fmt::format("{:.4g}", x) == text || fmt::format("{}", x) == text;
  }
  return false;
}

}  // namespace

std::vector<const Arm*> select_arms(const StudySpec& spec, const std::string& operand) {
  std::vector<const Arm*> out;
  const auto open = operand.find('[');
  if (open == std::string::npos || operand.back() != ']') {
    for (const auto& a : spec.arms)
      if (a.name == operand) out.push_back(&a);
    if (out.empty())  // a grid's name: every arm of it
      for (const auto& a : spec.arms)
        if (a.grid == operand) out.push_back(&a);
    if (out.empty()) throw std::invalid_argument("no arm or grid named '" + operand + "'");
    return out;
  }
  const std::string grid = trim(operand.substr(0, open));
  const std::string body = operand.substr(open + 1, operand.size() - open - 2);
  std::set<std::string> names;  // the factor names of the candidate arms
  for (const auto& a : spec.arms)
    if (grid == "*" || a.grid == grid)
      for (const auto& f : a.factors) names.insert(f.name);
  if (names.empty()) throw std::invalid_argument("'" + operand + "': no grid named '" + grid + "' (or '*' for any arm)");
  // Conditions "name=value", split at commas that start another known factor
  // name (a value such as "sgd:lr=0.1,momentum=0.9" keeps its commas).
  std::vector<std::pair<std::string, std::string>> conds;
  size_t start = 0;
  for (size_t i = 0; i <= body.size(); ++i) {
    bool cut = i == body.size();
    if (!cut && body[i] == ',') {
      const auto eq = body.find('=', i + 1);
      cut = eq != std::string::npos && names.count(trim(body.substr(i + 1, eq - i - 1)));
    }
    if (!cut) continue;
    const std::string part = body.substr(start, i - start);
    const auto eq = part.find('=');
    if (eq == std::string::npos)
      throw std::invalid_argument("'" + operand + "': expected GRID[factor=value, ...], got '" + part + "'");
    conds.emplace_back(trim(part.substr(0, eq)), trim(part.substr(eq + 1)));
    if (!names.count(conds.back().first))
      throw std::invalid_argument(fmt::format("'{}': no factor '{}' (factors: {})", operand, conds.back().first,
                                              fmt::join(names, ", ")));
    start = i + 1;
  }
  for (const auto& a : spec.arms) {
    if (grid != "*" && a.grid != grid) continue;
    bool ok = true;
    for (const auto& cond : conds) {  // no structured binding: clang 14 cannot capture one
      const auto f = std::find_if(a.factors.begin(), a.factors.end(),
                                  [&](const auto& x) { return x.name == cond.first; });
      ok = ok && f != a.factors.end() && value_matches(f->value, cond.second);
    }
    if (ok) out.push_back(&a);
  }
  return out;
}

namespace {

// What one run of an arm is: its run kind and canonical params.
struct Built {
  std::string kind;
  json params;
  TrainParams train;  // the resolved settings
};

int64_t integer_or(const Settings& s, const std::string& k, int64_t def) {
  const json* v = get(s, k);
  return v ? v->get<int64_t>() : def;
}

// Canonical params of one run of `arm` with settings `s` (layered, overrides
// applied).  Errors name the setting's place in the file.
Built build(const Study& study, const Arm& arm, const Settings& s) {
  const auto& spec = study.spec();
  const std::string arm_at = to_string(arm.where) + " (arm '" + arm.name + "')";
  auto fail = [&](const std::string& name, const std::string& what) -> StudyError {
    const auto it = s.find(name);
    return StudyError((it == s.end() ? arm_at : to_string(it->second.where) + " (arm '" + arm.name + "')") + ": " +
                      name + ": " + what);
  };
  Built b;
  b.kind = text_or(s, "kind", "train");
  const DataInfo d = study.data(s);
  TrainParams& t = b.train;
  t = d.fields;
  for (const char* req : {"model", "optimizer"})
    if (!get(s, req)) throw fail(req, std::string("missing; set ") + req + " in [train] or on the arm");
  t.model = text_or(s, "model", "");
  t.init = text_or(s, "init", "keras");
  optim::Optimizer opt;
  try {
    opt = optim::optimizer_from_spec(spec::parse(text_or(s, "optimizer", "")));
  } catch (const std::exception& e) {
    throw fail("optimizer", e.what());
  }
  if (const json* lr = get(s, "lr")) opt.lr = lr->get<double>();
  t.optimizer = optim::to_spec_string(opt);
  t.schedule = text_or(s, "schedule", "constant");
  try {
    const auto sch = sched::schedule_from_spec(spec::parse(t.schedule), opt.lr);
    sched::check_momentum_support(sch, optim::has_momentum(opt), optim::has_beta1(opt));
  } catch (const std::exception& e) {
    throw fail("schedule", e.what());
  }
  models::ModelConfig mc;
  try {
    mc = models::model_from_spec(spec::parse(t.model));
  } catch (const std::exception& e) {
    throw fail("model", e.what());
  }
  const size_t inputs = mc.in_h > 0 ? static_cast<size_t>(mc.in_h) * mc.in_w * mc.in_c : static_cast<size_t>(mc.widths.at(0));
  if (mc.in_h > 0 && (d.image_rows != static_cast<size_t>(mc.in_h) || d.image_cols != static_cast<size_t>(mc.in_w)))
    throw fail("model", fmt::format("{} takes {} x {} images; the data is {}", t.model, mc.in_h, mc.in_w, d.text));
  if (inputs != d.features)
    throw fail("model", fmt::format("{} takes {} inputs; the data has {} features ({})", t.model, inputs, d.features, d.text));
  if ((mc.head == models::Head::softmax_ce) != d.labels)
    throw fail("model", mc.head == models::Head::softmax_ce ? t.model + " classifies; the data is a regression set (" + d.text + ")"
                                                            : t.model + " regresses; the data has class labels (" + d.text + ")");
  try {
    models::init_from_spec(spec::parse(t.init));
  } catch (const std::exception& e) {
    throw fail("init", e.what());
  }
  const auto ep = s.find("epochs"), st = s.find("steps");
  if (ep != s.end() && st != s.end() && ep->second.layer == st->second.layer)
    throw fail("steps", "set epochs or steps, not both (epochs at " + to_string(ep->second.where) + ")");
  if (st != s.end() && (ep == s.end() || st->second.layer > ep->second.layer))
    t.steps = st->second.value.get<int64_t>();
  else if (ep != s.end())
    t.epochs = static_cast<int>(ep->second.value.get<int64_t>());
  else
    throw fail("epochs", "missing; set epochs (or steps) in [train] or on the arm");
  t.batch = static_cast<int>(integer_or(s, "batch", 32));
  t.dtype = text_or(s, "dtype", "float32");
  t.lr_unit = text_or(s, "lr_unit", "step");
  t.plateau_metric = text_or(s, "plateau_metric", "train_loss");
  t.eval_every = static_cast<int>(integer_or(s, "eval_every", 1));
  t.keras_accuracy = get(s, "keras_accuracy") && get(s, "keras_accuracy")->get<bool>();
  const json options = get(s, "options") ? *get(s, "options") : json::object();
  if (b.kind == "train") {
    if (get(s, "options")) throw fail("options", "only built-in run kinds take options (kind = \"...\")");
    t.test_curve = t.val_fraction > 0;
    try {
      b.params = train_params(t);
    } catch (const std::exception& e) {
      throw StudyError(arm_at + ": " + e.what());
    }
    return b;
  }
  const RunKind* k = find_run_kind(b.kind);
  if (!k) throw fail("kind", "unknown run kind");
  for (const auto& [ok, ov] : options.items())
    if (std::find(k->options.begin(), k->options.end(), ok) == k->options.end())
      throw fail("options", fmt::format("'{}' is not an option of run kind {}; valid: {}", ok, b.kind, fmt::join(k->options, ", ")));
  try {
    b.params = k->params(t, options);
  } catch (const std::exception& e) {
    throw StudyError(arm_at + ": kind " + b.kind + ": " + e.what());
  }
  (void)spec;
  return b;
}

// One stage-1 trial of a tuned arm.
struct Trial {
  std::string config;
  double value = 0;  // grid: the value tried
  json params;
  Factors factors;
};

Factors with_factor(Factors f, const std::string& name, const json& value) {
  const auto it = std::find_if(f.begin(), f.end(), [&](const auto& x) { return x.name == name; });
  if (it != f.end())
    it->value = value;
  else
    f.push_back({name, value});
  return f;
}

std::vector<std::string> labels_of(const std::vector<double>& v) {
  for (int digits = 4; digits <= 17; ++digits) {
    std::vector<std::string> out;
    for (double x : v) out.push_back(fmt::format("{:.{}g}", x, digits));
    if (std::set<std::string>(out.begin(), out.end()).size() == out.size()) return out;
  }
  std::vector<std::string> out;
  for (double x : v) out.push_back(fmt::format("{}", x));
  return out;
}

json value_json(const std::string& param, double v) {
  return param == "lr" ? json(v) : json(static_cast<int64_t>(v));
}

std::vector<Trial> trials(const Study& study, const Arm& arm, const Settings& settings) {
  const Tune& u = *arm.tune;
  std::vector<Trial> out;
  if (text_or(settings, "kind", "train") != "train")
    throw StudyError(to_string(u.where) + " (arm '" + arm.name + "'): tune: works with kind = \"train\" runs only");
  if (u.by == "lr_range") {
    const Built b = build(study, arm, settings);
    json p = {{"kind", "lr_find"},
              {"dataset", b.params.at("dataset")},
              {"model", b.params.at("model")},
              {"init", b.params.at("init")},
              {"optimizer", b.params.at("optimizer")},
              {"dtype", b.params.at("dtype")},
              {"range",
               {{"lr_min", u.lr_min}, {"lr_max", u.lr_max}, {"steps", u.range_steps}, {"batch", b.params.at("batch")},
                {"smoothing", u.smoothing}, {"stop_factor", u.stop_factor}}}};
    out.push_back({arm.name + "/tune/lr_range", 0, p, with_factor(arm.factors, "stage", "tuning: LR range test")});
    return out;
  }
  const auto labels = labels_of(u.values);
  for (size_t i = 0; i < u.values.size(); ++i) {
    Settings s = settings;
    for (const auto& [k, v] : u.budget) {
      s[k] = v;
      s[k].layer = 4;
    }
    s[u.param] = {value_json(u.param, u.values[i]), u.where, 4};
    const Built b = build(study, arm, s);
    if (!(b.train.val_fraction > 0))
      throw StudyError(to_string(u.where) + " (arm '" + arm.name +
                       "'): tune: a grid is scored on the validation split: set val_fraction > 0 ([data] or the arm)");
    Factors f = with_factor(arm.factors, u.param, value_json(u.param, u.values[i]));
    f.push_back({"stage", "tuning"});
    out.push_back({arm.name + "/tune/" + u.param + "=" + labels[i], u.values[i], b.params, f});
  }
  return out;
}

// The final runs' params of an arm (with its tuned value when it has one).
Built final_build(const Study& study, const Arm& arm, const Settings& settings, const Choices& choices) {
  if (!arm.tune) return build(study, arm, settings);
  Settings s = settings;
  s[arm.tune->param] = {value_json(arm.tune->param, choices.at(arm.name).value), arm.tune->where, 4};
  return build(study, arm, s);
}

bool decided(const Arm& arm, const Choices& choices) {
  const auto it = choices.find(arm.name);
  return !arm.tune || (it != choices.end() && it->second.decided);
}

}  // namespace

std::vector<RunSpec> plan(const Study& study, const Budget& budget, const Choices& choices, bool allow_large) {
  const auto& spec = study.spec();
  check_budget(spec, budget);
  const int seeds = final_seeds(spec, budget);
  // Count first: the limits hold before any run is built.
  int64_t total = 0;
  for (const auto& a : spec.arms) {
    if (a.tune) total += static_cast<int64_t>(a.tune->by == "grid" ? a.tune->values.size() : 1) * a.tune->seeds;
    if (decided(a, choices)) total += seeds;
  }
  if (total > kHardRunLimit)
    throw StudyError(fmt::format("{}: the plan has {} runs; no study may plan more than {}", spec.path, total, kHardRunLimit));
  if (total > kRunLimit && !allow_large)
    throw StudyError(fmt::format("{}: the plan has {} runs (arms x seeds + tuning trials), more than the limit of {}; "
                                 "pass --allow-large to plan it anyway",
                                 spec.path, total, kRunLimit));
  std::vector<RunSpec> runs;
  runs.reserve(static_cast<size_t>(total));
  for (const auto& a : spec.arms) {
    const Settings s = layered(spec, a, budget.quick);
    if (a.tune)
      for (const auto& t : trials(study, a, s))
        for (int k = 0; k < a.tune->seeds; ++k) runs.push_back({spec.id, t.config, kTuneSeed0 + k, t.params, t.factors});
    if (!decided(a, choices)) continue;
    const Built b = final_build(study, a, s, choices);
    Factors f = a.factors;
    if (a.tune) {
      f = with_factor(f, a.tune->param, value_json(a.tune->param, choices.at(a.name).value));
      f.push_back({"tuned", a.tune->by == "grid" ? "grid by " + a.tune->metric : "LR range test"});
    }
    for (int k = 0; k < seeds; ++k) runs.push_back({spec.id, a.name, k, b.params, f});
  }
  return runs;
}

Choices choose(const Study& study, const Budget& budget, const RecordLookup& lookup) {
  const auto& spec = study.spec();
  check_budget(spec, budget);
  Choices out;
  for (const auto& a : spec.arms) {
    if (!a.tune) continue;
    const Tune& u = *a.tune;
    const Settings s = layered(spec, a, budget.quick);
    Choice c;
    c.evidence = json::array();
    struct Scored {
      double value, score;
      int ok, diverged;
    };
    std::vector<Scored> scored;
    std::vector<double> suggested;
    const Metric m = parse_metric(u.by == "grid" ? u.metric : "/final/suggested_lr");
    for (const auto& t : trials(study, a, s)) {
      std::vector<double> vals;
      int div = 0;
      bool complete = true;
      for (int k = 0; k < u.seeds; ++k) {
        ++c.trials;
        const RunSpec r{spec.id, t.config, kTuneSeed0 + k, t.params, t.factors};
        const json* rec = lookup(r);
        if (!rec) {
          ++c.missing;
          complete = false;
          continue;
        }
        if (rec->value("status", "") == "diverged") {
          ++div;
          continue;
        }
        if (const auto v = metric_value(m, *rec)) vals.push_back(*v);
        else ++div;  // no value: it cannot win either
      }
      if (!complete) continue;
      if (u.by == "lr_range") {
        for (double v : vals)
          if (v > 0) suggested.push_back(std::log10(v));
        c.evidence.push_back({{"config", t.config}, {"suggested_lr", vals}});
        continue;
      }
      const double score = div == 0 && !vals.empty() ? stats::mean(vals) : NAN;
      scored.push_back({t.value, score, static_cast<int>(vals.size()), div});
      c.evidence.push_back({{"value", t.value}, {"score", num_or_null(score)}, {"seeds", vals.size()}, {"diverged", div}});
    }
    if (c.missing > 0) {
      c.text = fmt::format("{}: waiting for {} of {} tuning runs", a.name, c.missing, c.trials);
      out[a.name] = c;
      continue;
    }
    if (u.by == "lr_range") {
      if (suggested.empty()) {
        c.text = fmt::format("{}: the LR range test suggested no LR", a.name);
      } else {
        c.decided = true;
        c.value = std::stod(fmt::format("{:.12g}", std::pow(10.0, stats::median(suggested))));
        c.text = fmt::format("{}: lr = {} (median over {} LR range tests of {} batches, LR {} -> {})", a.name,
                             fmt_num(c.value), suggested.size(), u.range_steps, fmt_num(u.lr_min), fmt_num(u.lr_max));
      }
      out[a.name] = c;
      continue;
    }
    const Scored* best = nullptr;
    for (const auto& x : scored)
      if (std::isfinite(x.score) && (!best || (u.lower_is_better ? x.score < best->score : x.score > best->score)))
        best = &x;
    const std::string budget_text =
        u.budget.count("steps") ? fmt::format("{} updates", u.budget.at("steps").value.get<int64_t>())
        : u.budget.count("epochs") ? fmt::format("{} epochs", u.budget.at("epochs").value.get<int64_t>())
                                   : std::string("the arm's budget");
    if (!best) {
      c.text = fmt::format("{}: no value of {} trained (all {} trials diverged or gave no {})", a.name, u.param,
                           c.trials, u.metric);
    } else {
      c.decided = true;
      c.value = best->value;
      const Scored* second = nullptr;
      for (const auto& x : scored)
        if (&x != best && std::isfinite(x.score) &&
            (!second || (u.lower_is_better ? x.score < second->score : x.score > second->score)))
          second = &x;
      c.text = fmt::format("{}: {} = {} chosen from {} by the mean {} over {} seed{} ({} trials of {} each){}", a.name,
                           u.param, fmt_num(c.value), u.values_text, u.metric, u.seeds, u.seeds == 1 ? "" : "s",
                           c.trials, budget_text,
                           fmt::format(": {} {}{}", u.metric, fmt_num(best->score),
                                       second ? fmt::format("; next best {} = {}: {}", u.param, fmt_num(second->value),
                                                            fmt_num(second->score))
                                              : std::string()));
    }
    out[a.name] = c;
  }
  return out;
}

// ---- texts ------------------------------------------------------------------------------

std::vector<records::Section> sections(const Study& study, const Budget& budget, const Choices& choices) {
  const auto& spec = study.spec();
  std::vector<records::Section> out;
  if (!spec.question.empty()) out.push_back({"Question", {spec.question}});
  if (!spec.source.empty()) out.push_back({"Source", {spec.source}});
  bool has_run = false;
  for (const auto& s : spec.sections) {
    out.push_back(s);
    has_run = has_run || s.title == "What we run";
  }
  if (!has_run) {
    std::vector<std::string> items;
    const Arm& first = spec.arms.front();
    const Settings s = layered(spec, first, budget.quick);
    items.push_back("Data: " + study.data(s).text + ".");
    std::vector<std::string> arms;
    for (const auto& a : spec.arms) {
      if (!a.grid.empty()) continue;
      std::vector<std::string> parts;
      for (const auto& [k, v] : a.settings)
        if (k != "options") parts.push_back(k + " " + (v.value.is_string() ? v.value.get<std::string>() : v.value.dump()));
      arms.push_back(a.name + (parts.empty() ? "" : " (" + fmt::format("{}", fmt::join(parts, ", ")) + ")"));
    }
    std::vector<std::string> common;
    for (const auto& [k, v] : layered(spec, Arm{}, budget.quick))
      if (k != "dataset" && k != "data_dir" && k != "options")
        common.push_back(k + " " + (v.value.is_string() ? v.value.get<std::string>() : v.value.dump()));
    items.push_back(fmt::format("Every arm ({} seeds{}): {}.", final_seeds(spec, budget),
                                budget.quick ? ", quick budget" : "", fmt::join(common, ", ")));
    if (!arms.empty()) items.push_back(fmt::format("Arms: {}.", fmt::join(arms, "; ")));
    for (const auto& g : spec.grid_texts) items.push_back("Grid: " + g + ".");
    out.push_back({"What we run", items});
  }
  if (!spec.deviations.empty()) out.push_back({"Deviations", spec.deviations});
  std::vector<std::string> tuning;
  for (const auto& a : spec.arms) {
    if (!a.tune) continue;
    const auto it = choices.find(a.name);
    tuning.push_back(it != choices.end() && !it->second.text.empty()
                         ? it->second.text
                         : a.name + ": not chosen yet (its tuning runs have no records)");
  }
  if (!tuning.empty()) out.push_back({"Tuning", tuning});
  return out;
}

// ---- the suite ----------------------------------------------------------------------------

Suite to_suite(std::shared_ptr<const Study> study, Choices choices, bool allow_large) {
  const auto& spec = study->spec();
  Suite s;
  s.id = spec.id;
  s.title = spec.title;
  s.sections = [study, choices](const Budget& b) { return sections(*study, b, choices); };
  s.plan = [study, choices, allow_large](const Budget& b) { return plan(*study, b, choices, allow_large); };
  s.execute = [study](const RunSpec& run, const RunContext& ctx) -> RunResult {
    const std::string kind = run.params.at("kind").get<std::string>();
    if (kind == "train") return execute_train(run, ctx, study->files());
    if (kind == "lr_find") return execute_lr_find(run, ctx, study->files());
    const RunKind* k = find_run_kind(kind);
    if (!k) throw std::invalid_argument("study " + study->spec().id + ": unknown run kind " + kind);
    return k->execute(run, ctx);
  };
  for (size_t i = 0; i < spec.claims.size(); ++i) {
    const ClaimSpec& c = spec.claims[i];
    s.claims.push_back({c.id, c.statement, c.source,
                        c.metric_text.empty() ? default_metric_text(c) : c.metric_text,
                        c.test_text.empty() ? default_test_text(c) : c.test_text,
                        [study, i, choices](const ResultSet& rs, const std::vector<RunSpec>& plan) {
                          return evaluate_claim(study->spec(), study->spec().claims[i], choices, rs, plan);
                        }});
  }
  return s;
}

}  // namespace lrb::suites::study
