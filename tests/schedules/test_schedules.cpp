// Schedules: goldens from real PyTorch 1.13 and a NumPy transcription of
// Keras 3 (tools/goldens/gen_schedules.py), invalid specs, purity,
// round trips, composition and the catalog.  Table-driven (STYLE.md 15).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <numbers>
#include <set>
#include <string>
#include <vector>

#include "core/schedules/schedule.hpp"
#include "core/spec/params.hpp"

namespace lrb::sched {
namespace {

using json = nlohmann::json;

const std::string kGoldenDir = std::string(LRBENCH_SOURCE_DIR) + "/tests/goldens/schedules/";

Schedule make(const std::string& text, double base_lr) {
  return schedule_from_spec(spec::parse(text), base_lr);
}

json load(const std::string& file) {
  std::ifstream in(kGoldenDir + file);
  if (!in) throw std::runtime_error("cannot open " + kGoldenDir + file +
                                    " (regenerate: /usr/bin/python3 tools/goldens/gen_schedules.py)");
  json j = json::parse(in);
  if (j.value("schema", "") != "lrbench.goldens.schedules/1")
    throw std::runtime_error(file + ": schema " + j.value("schema", "(none)") +
                             ", expected lrbench.goldens.schedules/1");
  return j;
}

double num(const json& v) {
  return v.is_null() ? std::numeric_limits<double>::quiet_NaN() : v.get<double>();
}

// Tolerance for double goldens:
//   |got - want| <= 1e-10*|want| + 1e-13*scale,   scale = max |value| in the sequence.
// rtol 1e-10: PyTorch updates the LR recursively (lr_t = lr_{t-1}*ratio), so
// its value after t steps carries ~t ulps (t <= 260 here: ~6e-14 relative);
// lrbench evaluates the closed form.  1e-10 leaves three orders of headroom
// yet any wrong formula, off-by-one step or boundary is >= 1e-3 relative.
// atol: where the LR passes through or near 0 (cosine at T_max, linear_lr to
// 0, a chain multiplied by a zero factor, CyclicLR's base), PyTorch's sums
// carry an ABSOLUTE error of a few ulps of the largest LR it added, ~1e-16 *
// scale, which no relative bound covers; 1e-13 * scale is 1000 such ulps.
::testing::AssertionResult close(double got, double want, double scale) {
  const double tol = 1e-10 * std::fabs(want) + 1e-13 * scale;
  if (std::fabs(got - want) <= tol) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "got " << got << " want " << want << " (diff " << std::fabs(got - want)
         << " > tol " << tol << ")";
}

double max_abs(const json& arr) {
  double m = 0;
  for (const auto& v : arr)
    if (!v.is_null()) m = std::max(m, std::fabs(v.get<double>()));
  return m;
}

std::string test_name(std::string s) {
  for (char& c : s)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return s;
}

// A golden case, as loaded; `error` set when the file could not be read, so
// a missing file fails a test instead of silently running none.
struct Case {
  std::string name;
  json j;
  std::string error;
};

std::vector<Case> cases_of(const std::string& file, const char* key = "cases") {
  std::vector<Case> out;
  try {
    json j = load(file);
    for (const auto& c : j.at(key)) out.push_back({c.at("name").get<std::string>(), c, ""});
  } catch (const std::exception& e) {
    out.push_back({"load_failed", json(), e.what()});
  }
  return out;
}

std::string case_name(const ::testing::TestParamInfo<Case>& info) {
  return test_name(info.param.name);
}

// ---------------------------------------------------------------------------
// PyTorch goldens
// ---------------------------------------------------------------------------
class PyTorchGolden : public ::testing::TestWithParam<Case> {};

TEST_P(PyTorchGolden, MatchesTorch) {
  const Case& c = GetParam();
  ASSERT_TRUE(c.error.empty()) << c.error;
  const Schedule s = make(c.j.at("spec"), c.j.at("base_lr"));
  const json& lr = c.j.at("lr");
  const double scale = max_abs(lr);
  for (size_t t = 0; t < lr.size(); ++t)
    EXPECT_TRUE(close(lr_at(s, static_cast<int64_t>(t)), lr[t].get<double>(), scale))
        << c.j.at("spec").get<std::string>() << " at t=" << t;

  const json& mom = c.j.at("momentum");
  for (size_t t = 0; t < lr.size(); ++t) {
    auto m = momentum_at(s, static_cast<int64_t>(t));
    if (mom.is_null()) {
      EXPECT_FALSE(m.has_value()) << "t=" << t;
    } else {
      ASSERT_TRUE(m.has_value()) << "t=" << t;
      EXPECT_TRUE(close(*m, mom[t].get<double>(), max_abs(mom))) << "momentum at t=" << t;
    }
  }
  if (!mom.is_null()) {
    const bool adam = c.j.at("optimizer") == "adam";
    EXPECT_NO_THROW(check_momentum_support(s, !adam, adam));
  }
  if (c.j.contains("raises_at")) {
    // PyTorch raises ValueError on that scheduler.step(); lr_at throws.
    const int64_t t = c.j.at("raises_at");
    try {
      (void)lr_at(s, t);
      ADD_FAILURE() << "lr_at(" << t << ") did not throw; torch: " << c.j.at("torch_error");
    } catch (const spec::SpecError& e) {
      EXPECT_NE(std::string(e.what()).find("total_steps"), std::string::npos) << e.what();
    }
    EXPECT_THROW((void)momentum_at(s, t), spec::SpecError);
  }
}

INSTANTIATE_TEST_SUITE_P(Schedules, PyTorchGolden,
                         ::testing::ValuesIn(cases_of("pytorch.json")), case_name);

// What PyTorch 1.13 raises (or divides by zero on) is rejected up front.
class PyTorchErrors : public ::testing::TestWithParam<Case> {};

TEST_P(PyTorchErrors, RejectedLikeTorch) {
  const Case& c = GetParam();
  ASSERT_TRUE(c.error.empty()) << c.error;
  const std::string expect = c.j.at("expect");
  const bool adam = c.j.at("optimizer") == "adam";
  try {
    const Schedule s = make(c.j.at("spec"), 0.1);
    check_momentum_support(s, /*has_momentum=*/!adam, /*has_beta1=*/adam);
    ADD_FAILURE() << c.j.at("spec") << " accepted; torch: " << c.j.at("torch_error");
  } catch (const spec::SpecError& e) {
    EXPECT_NE(std::string(e.what()).find(expect), std::string::npos)
        << "message '" << e.what() << "' lacks '" << expect << "'";
  }
}

INSTANTIATE_TEST_SUITE_P(Schedules, PyTorchErrors,
                         ::testing::ValuesIn(cases_of("pytorch.json", "errors")), case_name);

// ---------------------------------------------------------------------------
// Plateau goldens (torch ReduceLROnPlateau; Keras callback transcription)
// ---------------------------------------------------------------------------
class PlateauGolden : public ::testing::TestWithParam<Case> {};

TEST_P(PlateauGolden, FoldMatches) {
  const Case& c = GetParam();
  ASSERT_TRUE(c.error.empty()) << c.error;
  const Schedule s = make(c.j.at("spec"), c.j.at("base_lr"));
  ASSERT_TRUE(needs_metric(s));
  PlateauState st = plateau_init(s);
  EXPECT_EQ(plateau_lr(st), c.j.at("base_lr").get<double>());
  std::vector<double> metrics;
  const json& lr = c.j.at("lr");
  for (size_t i = 0; i < lr.size(); ++i) {
    metrics.push_back(num(c.j.at("metrics")[i]));
    plateau_observe(st, s, metrics.back());
    EXPECT_TRUE(close(plateau_lr(st), lr[i].get<double>(), max_abs(lr))) << "after metric " << i;
  }
  EXPECT_EQ(st.observed, static_cast<int64_t>(lr.size()));
  // The pure fold gives the same, bit for bit.
  EXPECT_EQ(plateau_lr(s, metrics), plateau_lr(st));
}

INSTANTIATE_TEST_SUITE_P(Schedules, PlateauGolden,
                         ::testing::ValuesIn(cases_of("plateau.json")), case_name);

// ---------------------------------------------------------------------------
// Keras goldens (NumPy transcription, float64 and float32)
// ---------------------------------------------------------------------------
class KerasGolden : public ::testing::TestWithParam<Case> {};

TEST_P(KerasGolden, MatchesNumPyTranscription) {
  const Case& c = GetParam();
  ASSERT_TRUE(c.error.empty()) << c.error;
  const Schedule s = make(c.j.at("spec"), c.j.at("base_lr"));
  const json& steps = c.j.at("steps");
  const json& f64 = c.j.at("lr_f64");
  const json& f32 = c.j.at("lr_f32");
  for (size_t i = 0; i < steps.size(); ++i) {
    const int64_t k = steps[i];
    // float64: the same op sequence as the NumPy reference with the same libm:
    // agreement to rounding, well inside the PyTorch tolerance.
    EXPECT_TRUE(close(lr_at(s, k), f64[i].get<double>(), max_abs(f64))) << "k=" << k;
    // float32: C++ float ops vs NumPy float32 ufuncs (cosf/powf/logf from
    // different implementations, 1-2 ulp each, a few ops deep): 8 float32
    // ulps relative, ~1e-6.  A wrong formula is off by >= 1e-3.
    const double got = lr_at(s, k, Precision::f32);
    const double want = f32[i].get<double>();
    EXPECT_EQ(got, static_cast<double>(static_cast<float>(got))) << "not a float32 value";
    EXPECT_LE(std::fabs(got - want),
              8 * std::numeric_limits<float>::epsilon() * std::max(std::fabs(want), 1e-30))
        << "float32 at k=" << k << ": got " << got << " want " << want;
  }
}

INSTANTIATE_TEST_SUITE_P(Schedules, KerasGolden,
                         ::testing::ValuesIn(cases_of("keras.json")), case_name);

// ---------------------------------------------------------------------------
// Tutorial formulas and lrbench compositions (plain Python references)
// ---------------------------------------------------------------------------
class LrbenchGolden : public ::testing::TestWithParam<Case> {};

TEST_P(LrbenchGolden, MatchesFormula) {
  const Case& c = GetParam();
  ASSERT_TRUE(c.error.empty()) << c.error;
  const Schedule s = make(c.j.at("spec"), c.j.at("base_lr"));
  const json& steps = c.j.at("steps");
  const json& lr = c.j.at("lr");
  for (size_t i = 0; i < steps.size(); ++i)
    EXPECT_TRUE(close(lr_at(s, steps[i].get<int64_t>()), lr[i].get<double>(), max_abs(lr)))
        << "t=" << steps[i];
}

INSTANTIATE_TEST_SUITE_P(Schedules, LrbenchGolden,
                         ::testing::ValuesIn(cases_of("lrbench.json")), case_name);

// ---------------------------------------------------------------------------
// wsd: an independent NumPy reference of Hagele et al. 2024, sec. 3 eq. 1
// (tools/goldens/schedule_wsd.py), float64 and float32
// ---------------------------------------------------------------------------
class WsdGolden : public ::testing::TestWithParam<Case> {};

TEST_P(WsdGolden, MatchesPaperReference) {
  const Case& c = GetParam();
  ASSERT_TRUE(c.error.empty()) << c.error;
  const Schedule s = make(c.j.at("spec"), c.j.at("base_lr"));
  const json& steps = c.j.at("steps");
  const json& f64 = c.j.at("lr_f64");
  const json& f32 = c.j.at("lr_f32");
  for (size_t i = 0; i < steps.size(); ++i) {
    const int64_t t = steps[i];
    EXPECT_TRUE(close(lr_at(s, t), f64[i].get<double>(), max_abs(f64))) << "t=" << t;
    // float32: the double LR rounded once (lrbench's schedules, like PyTorch's
    // LambdaLR, compute in double): the same float, exactly.
    EXPECT_EQ(lr_at(s, t, Precision::f32), f32[i].get<double>()) << "float32 at t=" << t;
  }
}

INSTANTIATE_TEST_SUITE_P(Schedules, WsdGolden, ::testing::ValuesIn(cases_of("wsd.json")), case_name);

// The phases' joins, spelled out: warmup reaches eta0 at W, the cooldown
// starts AT N - D with the full LR, and the last step of the budget (N - 1)
// is still above the floor, reached from N on.
TEST(Wsd, PhaseBoundaries) {
  const Schedule s = make("wsd:total_steps=10,warmup_steps=2,decay_steps=4,final_lr_factor=0.1", 1.0);
  EXPECT_EQ(lr_at(s, 0), 0.0);
  EXPECT_EQ(lr_at(s, 1), 0.5);
  EXPECT_EQ(lr_at(s, 2), 1.0);
  EXPECT_EQ(lr_at(s, 6), 1.0);
  EXPECT_DOUBLE_EQ(lr_at(s, 7), 0.1 + 0.9 * 0.75);
  EXPECT_DOUBLE_EQ(lr_at(s, 9), 0.1 + 0.9 * 0.25);
  EXPECT_DOUBLE_EQ(lr_at(s, 10), 0.1);
  EXPECT_DOUBLE_EQ(lr_at(s, 1000), 0.1);
  // decay_fraction: D = floor(fraction*N), canonical text writes D.
  EXPECT_EQ(to_spec_string(make("wsd:total_steps=37,decay_fraction=0.3,shape=1-sqrt", 0.1)),
            "wsd:total_steps=37,warmup_steps=0,start_factor=0,decay_steps=11,final_lr_factor=0,"
            "shape=1-sqrt");
  // Cooldown shapes at the middle of the cooldown: 1/2, 1/2, 1 - sqrt(1/2).
  for (const auto& [shape, want] : std::vector<std::pair<std::string, double>>{
           {"linear", 0.5}, {"cosine", 0.5}, {"1-sqrt", 1 - std::sqrt(0.5)}})
    EXPECT_NEAR(lr_at(make("wsd:total_steps=8,decay_steps=4,shape=" + shape, 1.0), 6), want, 1e-15) << shape;
}

// ---------------------------------------------------------------------------
// Every golden spec: purity, round trip, canonical keys in the catalog
// ---------------------------------------------------------------------------
struct SpecCase {
  std::string name, spec;
  double base_lr;
  int64_t steps;
};

std::vector<SpecCase> all_golden_specs() {
  std::vector<SpecCase> out;
  for (const char* f : {"pytorch.json", "keras.json", "lrbench.json", "wsd.json"}) {
    for (const Case& c : cases_of(f)) {
      if (!c.error.empty()) continue;  // reported by the golden suites
      int64_t n = c.j.contains("lr") ? static_cast<int64_t>(c.j.at("lr").size()) : 0;
      if (c.j.contains("steps")) n = c.j.at("steps").back().get<int64_t>() + 1;
      out.push_back({c.name, c.j.at("spec"), c.j.at("base_lr"), std::min<int64_t>(n, 300)});
    }
  }
  return out;
}

class EverySpec : public ::testing::TestWithParam<SpecCase> {};

// A schedule is a pure function of the step: any order, any repetition, same bits.
TEST_P(EverySpec, PureInAnyOrder) {
  const SpecCase& c = GetParam();
  const Schedule s = make(c.spec, c.base_lr);
  std::vector<double> forward;
  for (int64_t t = 0; t < c.steps; ++t) forward.push_back(lr_at(s, t));
  std::vector<int64_t> order;
  for (int64_t t = 0; t < c.steps; ++t) order.push_back((t * 7919) % c.steps);  // a permutation
  std::sort(order.begin(), order.end());
  order.erase(std::unique(order.begin(), order.end()), order.end());
  std::reverse(order.begin(), order.end());
  for (int64_t t : order) {
    EXPECT_EQ(lr_at(s, t), forward[t]) << "t=" << t;
    EXPECT_EQ(lr_at(s, t), forward[t]) << "second call, t=" << t;
    EXPECT_EQ(momentum_at(s, t), momentum_at(s, t));
  }
  const Schedule copy = s;  // plain data
  for (int64_t t = c.steps - 1; t >= 0; t -= 3) EXPECT_EQ(lr_at(copy, t), forward[t]);
}

TEST_P(EverySpec, CanonicalSpecRoundTrips) {
  const SpecCase& c = GetParam();
  const Schedule s = make(c.spec, c.base_lr);
  const std::string canon = to_spec_string(s);
  const Schedule back = make(canon, c.base_lr);
  EXPECT_EQ(to_spec_string(back), canon);
  for (int64_t t = 0; t < c.steps; ++t) {
    EXPECT_EQ(lr_at(back, t), lr_at(s, t)) << canon << " t=" << t;
    EXPECT_EQ(momentum_at(back, t), momentum_at(s, t)) << canon << " t=" << t;
  }
}

TEST_P(EverySpec, CanonicalKeysAreInTheCatalog) {
  const SpecCase& c = GetParam();
  std::map<std::string, std::set<std::string>> params;
  for (const auto& info : schedule_catalog())
    for (const auto& p : info.params) params[info.name].insert(p.name);
  // Walk the canonical spec, nested children included.
  std::function<void(const spec::Spec&)> walk = [&](const spec::Spec& sp) {
    ASSERT_TRUE(params.count(sp.name) || sp.name == "constant" || sp.name == "tutorial003_custom" ||
                sp.name == "tutorial004_step")
        << sp.name << " missing from schedule_catalog()";
    for (const auto& [k, v] : sp.args) {
      EXPECT_TRUE(params[sp.name].count(k)) << sp.name << "." << k << " missing from the catalog";
      if (v.kind == spec::Value::Kind::list)
        for (const auto& it : v.items)
          if (it.kind == spec::Value::Kind::spec) walk(*it.nested);
    }
  };
  walk(to_spec(make(c.spec, c.base_lr)));
}

INSTANTIATE_TEST_SUITE_P(Schedules, EverySpec, ::testing::ValuesIn(all_golden_specs()),
                         [](const ::testing::TestParamInfo<SpecCase>& i) {
                           return test_name(i.param.name);
                         });

// ---------------------------------------------------------------------------
// Invalid specs: SpecError naming the parameter and the value
// ---------------------------------------------------------------------------
struct Invalid {
  const char* spec;
  std::vector<const char*> expect;  // substrings of the message
};

const std::vector<Invalid> kInvalid = {
    {"no_such_schedule", {"unknown schedule 'no_such_schedule'", "cosine_annealing_lr"}},
    {"step_lr", {"step_lr", "step_size is required"}},
    {"step_lr:step_size=0", {"step_lr", "step_size", ">= 1", "got 0"}},
    {"step_lr:step_size=2.5", {"step_size", "integer", "2.5"}},
    {"step_lr:step_size=3,gamma=-0.1", {"gamma", "> 0", "-0.1"}},
    {"step_lr:step_size=3,gama=0.5", {"unknown parameter 'gama'", "gamma"}},
    {"step_lr:step_size=3,gamma=1e-3x", {"gamma", "a number", "1e-3x"}},
    {"step_lr:step_size=3,gamma=inf", {"gamma", "inf"}},
    {"exponential_lr", {"gamma is required"}},
    {"exponential_lr:gamma=-0.5", {"exponential_lr", "gamma", "-0.5"}},
    {"exponential_lr:gamma=0", {"gamma", "> 0", "got 0"}},
    {"multiplicative_lr:factor=0", {"factor", "got 0"}},
    {"multi_step_lr", {"milestones is required"}},
    {"multi_step_lr:milestones=[5,3]", {"milestones", "non-decreasing", "5 then 3"}},
    {"multi_step_lr:milestones=[-1,3]", {"milestones[0] must be >= 0", "got -1"}},
    {"constant_lr:factor=0", {"constant_lr", "factor", "(0, 1]", "got 0"}},
    {"constant_lr:factor=1.5", {"factor", "1.5"}},
    {"constant_lr:total_iters=0", {"total_iters", ">= 1", "got 0"}},
    {"linear_lr:start_factor=0", {"start_factor", "(0, 1]", "got 0"}},
    {"linear_lr:end_factor=1.2", {"end_factor", "[0, 1]", "1.2"}},
    {"linear_lr:total_iters=-3", {"total_iters", "-3"}},
    {"polynomial_lr:total_iters=0", {"total_iters", "got 0"}},
    {"polynomial_lr:power=-1", {"power", ">= 0", "-1"}},
    {"cosine_annealing_lr:T_max=0", {"cosine_annealing_lr", "T_max", ">= 1", "got 0"}},
    {"cosine_annealing_lr", {"T_max is required"}},
    {"cosine_annealing_lr:T_max=10,eta_min=-0.1", {"eta_min", "-0.1"}},
    {"cosine_annealing_warm_restarts:T_0=0", {"T_0", ">= 1", "got 0"}},
    {"cosine_annealing_warm_restarts:T_0=5,T_mult=0", {"T_mult", ">= 1", "got 0"}},
    {"cosine_annealing_warm_restarts:T_0=5,T_mult=1.5", {"T_mult", "integer", "1.5"}},
    {"cyclic_lr:step_size_up=4", {"max_lr is required"}},
    {"cyclic_lr:max_lr=0.1,step_size_up=0", {"step_size_up", "> 0", "got 0"}},
    {"cyclic_lr:max_lr=0.1,step_size_up=-2", {"step_size_up", "-2"}},
    {"cyclic_lr:max_lr=0.1,step_size_down=-1", {"step_size_down", "-1"}},
    {"cyclic_lr:max_lr=0.1,mode=sine", {"mode", "triangular|triangular2|exp_range", "sine"}},
    {"cyclic_lr:max_lr=0.1,base_momentum=1.0", {"base_momentum", "[0, 1)", "got 1"}},
    {"one_cycle_lr:max_lr=0.1", {"total_steps is required"}},
    {"one_cycle_lr:max_lr=0.1,epochs=3", {"total_steps is required", "steps_per_epoch"}},
    {"one_cycle_lr:max_lr=0.1,total_steps=0", {"total_steps", ">= 1", "got 0"}},
    {"one_cycle_lr:max_lr=0.1,total_steps=10,epochs=2,steps_per_epoch=5", {"not both"}},
    {"one_cycle_lr:max_lr=0.1,total_steps=100,pct_start=0", {"pct_start", "(0, 1)", "got 0"}},
    {"one_cycle_lr:max_lr=0.1,total_steps=100,pct_start=1", {"pct_start", "(0, 1)", "got 1"}},
    {"one_cycle_lr:max_lr=0.1,total_steps=100,pct_start=1.5", {"pct_start", "1.5"}},
    {"one_cycle_lr:max_lr=0.1,total_steps=10,pct_start=0.1", {"pct_start", "> 1", "total_steps=10"}},
    {"one_cycle_lr:max_lr=0.1,total_steps=10,pct_start=0.6,three_phase=true",
     {"pct_start", "three_phase", "0.6"}},
    {"one_cycle_lr:max_lr=0.1,total_steps=100,anneal_strategy=cosine",
     {"anneal_strategy", "cos|linear", "cosine"}},
    {"one_cycle_lr:max_lr=-1,total_steps=100", {"max_lr", "> 0", "-1"}},
    {"one_cycle_lr:max_lr=0.1,total_steps=100,div_factor=0", {"div_factor", "got 0"}},
    {"one_cycle_lr:max_lr=0.1,total_steps=100,three_phase=maybe", {"three_phase", "true or false", "maybe"}},
    {"reduce_lr_on_plateau:factor=1.0", {"reduce_lr_on_plateau", "factor", "[0, 1)", "got 1"}},
    {"reduce_lr_on_plateau:factor=2", {"factor", "got 2"}},
    {"reduce_lr_on_plateau:mode=median", {"mode", "min|max", "median"}},
    {"reduce_lr_on_plateau:threshold_mode=relative", {"threshold_mode", "rel|abs", "relative"}},
    {"reduce_lr_on_plateau:patience=-1", {"patience", ">= 0", "-1"}},
    {"reduce_lr_on_plateau:cooldown=-2", {"cooldown", "-2"}},
    {"reduce_lr_on_plateau:threshold=-1e-4", {"threshold", "-1e-04"}},
    {"reduce_lr_on_plateau:min_lr=-1", {"min_lr", "-1"}},
    {"reduce_lr_on_plateau:eps=-1", {"eps", "-1"}},
    {"keras_reduce_lr_on_plateau:factor=1.0", {"factor", "got 1"}},
    {"keras_reduce_lr_on_plateau:min_delta=-1", {"min_delta", "-1"}},
    {"keras_reduce_lr_on_plateau:mode=up", {"mode", "auto|min|max", "up"}},
    {"keras_reduce_lr_on_plateau:threshold=0.1", {"unknown parameter 'threshold'", "min_delta"}},
    {"sequential_lr:schedulers=[constant_lr,exponential_lr(gamma=0.9)]", {"milestones is required"}},
    {"sequential_lr:schedulers=[constant_lr,exponential_lr(gamma=0.9)],milestones=[]",
     {"milestones", "one fewer than schedulers", "0 milestones"}},
    {"sequential_lr:schedulers=[constant_lr,exponential_lr(gamma=0.9)],milestones=[3,5]",
     {"milestones", "2 milestones"}},
    {"sequential_lr:schedulers=[constant_lr,step_lr(step_size=1),constant],milestones=[5,5]",
     {"milestones", "strictly increasing", "5 then 5"}},
    {"sequential_lr:schedulers=[constant_lr,exponential_lr(gamma=0.9)],milestones=[0]",
     {"milestones[0] must be >= 1", "got 0"}},
    {"sequential_lr:milestones=[]", {"schedulers is required"}},
    {"sequential_lr:schedulers=[constant,exponential_lr(gamma=-1)],milestones=[4]",
     {"exponential_lr", "gamma", "-1"}},
    {"sequential_lr:schedulers=[constant,reduce_lr_on_plateau],milestones=[4]",
     {"schedulers", "reduce_lr_on_plateau", "metric"}},
    {"sequential_lr:schedulers=[constant,exponential_lr(gamma=0.9,foo=1)],milestones=[4]",
     {"exponential_lr", "unknown parameter 'foo'"}},
    {"chained_scheduler:schedulers=[constant_lr,cyclic_lr(max_lr=0.1)]",
     {"chained_scheduler", "chainable", "cyclic_lr"}},
    {"chained_scheduler:schedulers=[cosine_annealing_lr(T_max=10,eta_min=0.01)]",
     {"chainable", "eta_min=0"}},
    {"chained_scheduler:schedulers=[cosine_annealing_lr(T_max=4),cosine_annealing_lr(T_max=6)]",
     {"chained_scheduler", "at most one cosine_annealing_lr"}},
    {"chained_scheduler:schedulers=[exponential_decay(decay_steps=10,decay_rate=0.5)]",
     {"chainable", "exponential_decay"}},
    {"exponential_decay:decay_rate=0.5", {"exponential_decay", "decay_steps is required"}},
    {"exponential_decay:decay_steps=0,decay_rate=0.5", {"decay_steps", "> 0", "got 0"}},
    {"exponential_decay:decay_steps=10", {"decay_rate is required"}},
    {"exponential_decay:decay_steps=10,decay_rate=-0.5", {"decay_rate", "-0.5"}},
    {"exponential_decay:decay_steps=10,decay_rate=0.5,initial_learning_rate=-1",
     {"initial_learning_rate", "-1"}},
    {"piecewise_constant_decay:boundaries=[10,20],values=[1.0,0.5]",
     {"values", "one longer than boundaries", "2 values"}},
    {"piecewise_constant_decay:boundaries=[20,10],values=[1,0.5,0.1]",
     {"boundaries", "strictly increasing", "20 then 10"}},
    {"piecewise_constant_decay:boundaries=[],values=[1]", {"boundaries", "non-empty"}},
    {"piecewise_constant_decay:values=[1]", {"boundaries is required"}},
    {"polynomial_decay:decay_steps=-5", {"polynomial_decay", "decay_steps", "-5"}},
    {"polynomial_decay:decay_steps=5,power=-2", {"power", "-2"}},
    {"inverse_time_decay:decay_steps=5,decay_rate=-1", {"decay_rate", "-1"}},
    {"inverse_time_decay:decay_steps=0,decay_rate=1", {"decay_steps", "got 0"}},
    {"cosine_decay:decay_steps=0", {"cosine_decay", "decay_steps", "got 0"}},
    {"cosine_decay:decay_steps=10,alpha=1.5", {"alpha", "[0, 1]", "1.5"}},
    {"cosine_decay:decay_steps=10,warmup_steps=5", {"warmup_steps", "warmup_target", "got 5"}},
    {"cosine_decay:decay_steps=10,warmup_target=0.1,warmup_steps=-1", {"warmup_steps", "-1"}},
    {"cosine_decay_restarts:first_decay_steps=0", {"first_decay_steps", "got 0"}},
    {"cosine_decay_restarts:first_decay_steps=10,t_mul=0.5", {"t_mul", ">= 1", "0.5"}},
    {"cosine_decay_restarts:first_decay_steps=10,m_mul=-1", {"m_mul", "-1"}},
    {"keras_legacy_decay", {"decay is required"}},
    {"keras_legacy_decay:decay=-1e-6", {"decay", "-1e-06"}},
    {"warmup:then=[constant]", {"warmup", "steps is required"}},
    {"warmup:steps=0,then=[constant]", {"steps", ">= 1", "got 0"}},
    {"warmup:steps=5", {"then is required"}},
    {"warmup:steps=5,then=[constant,constant]", {"then", "exactly one schedule", "2 schedules"}},
    {"warmup:steps=5,start_factor=-0.1,then=[constant]", {"start_factor", "-0.1"}},
    {"warmup:steps=5,mode=cosine,then=[constant]", {"mode", "linear|constant", "cosine"}},
    {"warmup:steps=5,then=[reduce_lr_on_plateau]", {"then", "metric"}},
    {"per_epoch:steps_per_epoch=0,then=[constant]", {"steps_per_epoch", "got 0"}},
    {"wsd", {"wsd", "total_steps is required"}},
    {"wsd:total_steps=0", {"total_steps", ">= 1", "got 0"}},
    {"wsd:total_steps=100,decay_steps=0", {"decay_steps", "in [1, 100]", "got 0"}},
    {"wsd:total_steps=100,decay_steps=101", {"decay_steps", "in [1, 100]", "got 101"}},
    {"wsd:total_steps=100,decay_steps=10,decay_fraction=0.1", {"decay_steps or decay_fraction, not both"}},
    {"wsd:total_steps=100,decay_fraction=0", {"decay_fraction", "in (0, 1]", "got 0"}},
    {"wsd:total_steps=100,decay_fraction=1.5", {"decay_fraction", "in (0, 1]", "1.5"}},
    {"wsd:total_steps=4,decay_fraction=0.2", {"decay_fraction", "cooldown would be empty", "total_steps=4"}},
    {"wsd:total_steps=100,warmup_steps=90", {"warmup_steps", "at most total_steps - decay_steps = 80", "got 90"}},
    {"wsd:total_steps=100,warmup_steps=-1", {"warmup_steps", ">= 0", "-1"}},
    {"wsd:total_steps=100,start_factor=1.5", {"start_factor", "in [0, 1]", "1.5"}},
    {"wsd:total_steps=100,final_lr_factor=-0.1", {"final_lr_factor", "in [0, 1]", "-0.1"}},
    {"wsd:total_steps=100,shape=sqrt", {"shape", "linear|cosine|1-sqrt", "sqrt"}},
    {"tutorial003_linear", {"alpha is required"}},
    {"tutorial003_linear:alpha=-0.1", {"alpha", "-0.1"}},
    {"tutorial003_hoisted:total=10", {"exactly one of fn="}},
    {"tutorial003_hoisted:fn=linear_decay,inner=[constant],total=10", {"exactly one of fn="}},
    {"tutorial003_hoisted:fn=sqrt_decay,total=10", {"fn", "linear_decay|exponential_decay|custom_decay", "sqrt_decay"}},
    {"tutorial003_hoisted:fn=exponential_decay,total=10", {"gamma is required"}},
    {"tutorial003_hoisted:fn=custom_decay,gamma=0.9,total=10", {"unknown parameter 'gamma'"}},
    {"tutorial003_hoisted:fn=custom_decay,total=-1", {"total", ">= 0", "-1"}},
    {"tutorial004_exponential:delta=-1", {"delta", "> -1", "-1"}},
    {"constant:lr=0.1", {"constant", "unknown parameter 'lr'"}},
};

TEST(Schedules, InvalidSpecsNameParameterAndValue) {
  for (const auto& c : kInvalid) {
    try {
      (void)make(c.spec, 0.1);
      ADD_FAILURE() << "accepted: " << c.spec;
    } catch (const spec::SpecError& e) {
      for (const char* want : c.expect)
        EXPECT_NE(std::string(e.what()).find(want), std::string::npos)
            << c.spec << "\n  message: " << e.what() << "\n  lacks: " << want;
    }
  }
}

// The canonical text of every golden, test and `make reproduce` schedule, as
// the code before the parameter table (schedule_parse.cpp) wrote it (lines:
// base_lr, spec, canonical).  These strings enter the content address of every
// cached run: changing one recomputes every run that uses it.
TEST(Schedules, CanonicalTextIsPinned) {
  std::ifstream in(std::string(LRBENCH_SOURCE_DIR) + "/tests/schedules/canonical_specs.tsv");
  ASSERT_TRUE(in) << "tests/schedules/canonical_specs.tsv";
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    const size_t a = line.find('\t'), b = line.find('\t', a + 1);
    ASSERT_NE(b, std::string::npos) << line;
    EXPECT_EQ(to_spec_string(make(line.substr(a + 1, b - a - 1), std::stod(line.substr(0, a)))),
              line.substr(b + 1));
    ++n;
  }
  EXPECT_GT(n, 150);
}

TEST(Schedules, InvalidBaseLrAndStep) {
  EXPECT_THROW(make("constant", -0.1), spec::SpecError);
  EXPECT_THROW(make("constant", std::numeric_limits<double>::quiet_NaN()), spec::SpecError);
  const Schedule s = make("exponential_lr:gamma=0.9", 0.1);
  try {
    (void)lr_at(s, -1);
    ADD_FAILURE();
  } catch (const spec::SpecError& e) {
    EXPECT_NE(std::string(e.what()).find("got -1"), std::string::npos) << e.what();
  }
  EXPECT_THROW((void)momentum_at(s, -1), spec::SpecError);
}

// ---------------------------------------------------------------------------
// Conventions, spelled out (the goldens cover them too; these read as docs)
// ---------------------------------------------------------------------------
TEST(Conventions, MultiStepChangesAtMilestonePiecewiseAfterBoundary) {
  const Schedule torch = make("multi_step_lr:milestones=[3],gamma=0.1", 1.0);
  const Schedule keras = make("piecewise_constant_decay:boundaries=[3],values=[1.0,0.1]", 1.0);
  EXPECT_EQ(lr_at(torch, 2), 1.0);
  EXPECT_DOUBLE_EQ(lr_at(torch, 3), 0.1);  // AT t = m
  EXPECT_EQ(lr_at(keras, 3), 1.0);         // k <= b
  EXPECT_EQ(lr_at(keras, 4), 0.1);         // one step later
}

TEST(Conventions, CosineAnnealingPeriodicCosineDecayClamped) {
  const Schedule torch = make("cosine_annealing_lr:T_max=4", 1.0);
  const Schedule keras = make("cosine_decay:decay_steps=4", 1.0);
  EXPECT_EQ(lr_at(torch, 4), 0.0);
  EXPECT_EQ(lr_at(keras, 4), 0.0);
  EXPECT_NEAR(lr_at(torch, 6), 0.5, 1e-15);  // rises again
  EXPECT_NEAR(lr_at(torch, 8), 1.0, 1e-15);  // period 2*T_max
  EXPECT_EQ(lr_at(keras, 6), 0.0);           // clamped
  EXPECT_EQ(lr_at(keras, 1000), 0.0);
}

TEST(Conventions, EtaMinAbsoluteAlphaRelative) {
  const Schedule torch = make("cosine_annealing_lr:T_max=10,eta_min=0.01", 0.5);
  const Schedule keras = make("cosine_decay:decay_steps=10,alpha=0.01", 0.5);
  EXPECT_DOUBLE_EQ(lr_at(torch, 10), 0.01);
  EXPECT_DOUBLE_EQ(lr_at(keras, 10), 0.005);
}

TEST(Conventions, PolynomialLrToZeroPolynomialDecayToEndLr) {
  EXPECT_EQ(lr_at(make("polynomial_lr:total_iters=10", 0.1), 10), 0.0);
  EXPECT_EQ(lr_at(make("polynomial_lr:total_iters=10", 0.1), 50), 0.0);
  EXPECT_DOUBLE_EQ(lr_at(make("polynomial_decay:decay_steps=10", 0.1), 10), 1e-4);
  EXPECT_DOUBLE_EQ(lr_at(make("polynomial_decay:decay_steps=10", 0.1), 50), 1e-4);
}

TEST(Conventions, KerasInitialLearningRateDefaultsToOptimizerLr) {
  const Schedule a = make("exponential_decay:decay_steps=10,decay_rate=0.5", 0.02);
  const Schedule b =
      make("exponential_decay:initial_learning_rate=0.3,decay_steps=10,decay_rate=0.5", 0.02);
  EXPECT_EQ(lr_at(a, 0), 0.02);
  EXPECT_EQ(lr_at(b, 0), 0.3);
  EXPECT_NE(to_spec_string(a).find("initial_learning_rate=0.02"), std::string::npos);
}

TEST(Conventions, KerasLegacyDecayIsPerBatchInverseTime) {
  // Tutorial 004: SGD(0.01, decay=1e-6), 10 epochs x 1875 batches: the final
  // factor is only 1/(1 + 0.01875): tf.keras <= 2.10's `decay` is inverse time
  // per batch (lr / (1 + decay * iterations)), not per epoch.
  const Schedule s = make("keras_legacy_decay:decay=1e-6", 0.01);
  EXPECT_DOUBLE_EQ(lr_at(s, 18750), 0.01 / (1 + 1e-6 * 18750));
  const Schedule same = make("inverse_time_decay:decay_steps=1,decay_rate=1e-6", 0.01);
  for (int64_t k : {0, 1, 7, 18750}) EXPECT_DOUBLE_EQ(lr_at(s, k), lr_at(same, k));
}

TEST(Conventions, MultiplicativeLrEqualsExponentialLr) {
  const Schedule m = make("multiplicative_lr:factor=0.95", 0.1);
  const Schedule e = make("exponential_lr:gamma=0.95", 0.1);
  for (int64_t t = 0; t < 50; ++t) EXPECT_EQ(lr_at(m, t), lr_at(e, t));
}

TEST(Conventions, Float32EvaluatesKerasInFloat) {
  const Schedule k = make("cosine_decay:decay_steps=20", 0.1);
  for (int64_t t = 0; t < 25; ++t) {
    const double f32 = lr_at(k, t, Precision::f32), f64 = lr_at(k, t);
    EXPECT_EQ(f32, static_cast<double>(static_cast<float>(f32)));
    EXPECT_NEAR(f32, f64, 1e-7 * 0.1);
  }
  // Non-Keras schedules are evaluated in double, then rounded.
  const Schedule p = make("exponential_lr:gamma=0.9", 0.1);
  EXPECT_EQ(lr_at(p, 7, Precision::f32), static_cast<double>(static_cast<float>(lr_at(p, 7))));
}

// ---------------------------------------------------------------------------
// Tutorials, as written
// ---------------------------------------------------------------------------
TEST(Tutorials, Linear003TurnsNegativeAsWritten) {
  const Schedule s = make("tutorial003_linear:alpha=0.01", 0.1);
  EXPECT_DOUBLE_EQ(lr_at(s, 50), 0.05);
  EXPECT_NEAR(lr_at(s, 100), 0.0, 1e-17);
  EXPECT_LT(lr_at(s, 150), 0.0);  // gradient ascent: reproduced, not clamped
}

TEST(Tutorials, Hoisted003IsConstant) {
  for (const char* spec : {"tutorial003_hoisted:fn=linear_decay,total=1000",
                           "tutorial003_hoisted:fn=exponential_decay,gamma=0.99,total=1000",
                           "tutorial003_hoisted:fn=custom_decay,total=1000",
                           "tutorial003_hoisted:inner=[exponential_lr(gamma=0.99)],total=1000"}) {
    const Schedule s = make(spec, 0.01);
    for (int64_t t : {1, 10, 999, 5000}) EXPECT_EQ(lr_at(s, t), lr_at(s, 0)) << spec;
  }
  // exponential_decay(gamma, iterations) = gamma**iterations: the base LR never enters.
  EXPECT_EQ(lr_at(make("tutorial003_hoisted:fn=exponential_decay,gamma=0.5,total=3", 0.01), 0),
            0.125);
  EXPECT_EQ(lr_at(make("tutorial003_hoisted:fn=exponential_decay,gamma=0.5,total=3", 7.0), 0),
            0.125);
}

TEST(Tutorials, Exponential004IsAConstant) {
  const Schedule s = make("tutorial004_exponential:delta=1e-6", 0.01);
  EXPECT_EQ(lr_at(s, 0), lr_at(s, 100000));
  EXPECT_DOUBLE_EQ(lr_at(make("tutorial004_step", 0.01), 9), 0.001);
}

// ---------------------------------------------------------------------------
// Composition
// ---------------------------------------------------------------------------
TEST(Composition, SequentialExampleClosedForm) {
  const Schedule s = make(
      "sequential_lr:schedulers=[linear_lr(start_factor=0.1,total_iters=10),"
      "exponential_lr(gamma=0.97)],milestones=[10]",
      0.1);
  for (int64_t t = 0; t < 10; ++t)
    EXPECT_DOUBLE_EQ(lr_at(s, t), 0.1 * (0.1 + 0.9 * static_cast<double>(t) / 10));
  for (int64_t t = 10; t < 40; ++t)
    EXPECT_DOUBLE_EQ(lr_at(s, t), 0.1 * std::pow(0.97, static_cast<double>(t - 10)));
}

TEST(Composition, WarmupShiftVersusMultiply) {
  const Schedule shifted = make("warmup:steps=4,start_factor=0.5,then=[exponential_lr(gamma=0.5)]", 1.0);
  const Schedule scaled =
      make("warmup:steps=4,start_factor=0.5,shift=false,then=[exponential_lr(gamma=0.5)]", 1.0);
  EXPECT_DOUBLE_EQ(lr_at(shifted, 0), 0.5);
  EXPECT_DOUBLE_EQ(lr_at(shifted, 2), 0.75);
  EXPECT_DOUBLE_EQ(lr_at(shifted, 4), 1.0);   // then(0)
  EXPECT_DOUBLE_EQ(lr_at(shifted, 5), 0.5);   // then(1)
  EXPECT_DOUBLE_EQ(lr_at(scaled, 2), 0.75 * 0.25);
  EXPECT_DOUBLE_EQ(lr_at(scaled, 5), std::pow(0.5, 5));
}

TEST(Composition, WarmupCarriesMomentumOfInner) {
  const Schedule s =
      make("warmup:steps=3,then=[one_cycle_lr(max_lr=0.1,total_steps=20)]", 0.01);
  EXPECT_EQ(momentum_target(s), MomentumTarget::momentum_or_beta1);
  const Schedule inner = make("one_cycle_lr:max_lr=0.1,total_steps=20", 0.01);
  EXPECT_EQ(momentum_at(s, 0), momentum_at(inner, 0));
  EXPECT_EQ(momentum_at(s, 7), momentum_at(inner, 4));
  EXPECT_THROW((void)lr_at(s, 3 + 21), spec::SpecError);  // the inner's error surfaces
}

TEST(Composition, BareNameAsThen) {
  const Schedule a = make("warmup:steps=3,then=tutorial004_step", 0.1);
  const Schedule b = make("warmup:steps=3,then=[tutorial004_step]", 0.1);
  EXPECT_EQ(to_spec_string(a), to_spec_string(b));
  EXPECT_DOUBLE_EQ(lr_at(a, 5), 0.1 / 3);
}

TEST(Composition, PlateauIsNotAFunctionOfTheStep) {
  const Schedule p = make("reduce_lr_on_plateau", 0.1);
  EXPECT_TRUE(needs_metric(p));
  EXPECT_THROW((void)lr_at(p, 0), spec::SpecError);
  EXPECT_FALSE(momentum_at(p, 0).has_value());
  // For step schedules the plateau state is inert (callers may hold one always).
  const Schedule c = make("constant", 0.1);
  EXPECT_FALSE(needs_metric(c));
  PlateauState st = plateau_init(c);
  plateau_observe(st, c, 1.0);
  EXPECT_EQ(st.observed, 0);
  std::vector<double> m{1.0};
  EXPECT_THROW((void)plateau_lr(c, m), spec::SpecError);
}

TEST(Momentum, TargetsAndSupport) {
  const Schedule cyc = make("cyclic_lr:max_lr=0.1,step_size_up=4", 0.01);
  EXPECT_EQ(momentum_target(cyc), MomentumTarget::momentum);
  EXPECT_NO_THROW(check_momentum_support(cyc, true, false));
  try {
    check_momentum_support(cyc, false, true);  // Adam
    ADD_FAILURE();
  } catch (const spec::SpecError& e) {
    EXPECT_NE(std::string(e.what()).find("cycle_momentum=false"), std::string::npos);
  }
  const Schedule off = make("cyclic_lr:max_lr=0.1,step_size_up=4,cycle_momentum=false", 0.01);
  EXPECT_EQ(momentum_target(off), MomentumTarget::none);
  EXPECT_NO_THROW(check_momentum_support(off, false, true));
  const Schedule oc = make("one_cycle_lr:total_steps=10", 0.1);
  EXPECT_NO_THROW(check_momentum_support(oc, false, true));
  EXPECT_THROW(check_momentum_support(oc, false, false), spec::SpecError);
  EXPECT_EQ(momentum_target(make("cosine_annealing_lr:T_max=3", 0.1)), MomentumTarget::none);
  const Schedule seq = make(
      "sequential_lr:schedulers=[constant,cyclic_lr(max_lr=0.1,step_size_up=2)],milestones=[3]",
      0.01);
  EXPECT_EQ(momentum_target(seq), MomentumTarget::momentum);
  EXPECT_FALSE(momentum_at(seq, 2).has_value());
  EXPECT_EQ(momentum_at(seq, 3), momentum_at(make("cyclic_lr:max_lr=0.1,step_size_up=2", 0.01), 0));
}

TEST(Schedules, LargeStepsStayFinite) {
  for (const char* spec : {"cosine_annealing_lr:T_max=7", "cosine_annealing_warm_restarts:T_0=3,T_mult=2",
                           "cyclic_lr:max_lr=0.1,step_size_up=3,mode=triangular2",
                           "cosine_decay_restarts:first_decay_steps=5", "exponential_lr:gamma=0.9",
                           "polynomial_decay:decay_steps=10,cycle=true"}) {
    const Schedule s = make(spec, 0.1);
    for (int64_t t : {int64_t{1} << 20, int64_t{1} << 31, int64_t{1} << 40}) {
      const double v = lr_at(s, t);
      EXPECT_TRUE(std::isfinite(v) && v >= 0) << spec << " t=" << t << " -> " << v;
    }
  }
}

// ---------------------------------------------------------------------------
// Hostile input: bounded nesting, no integer overflow, no unbounded recursion
// ---------------------------------------------------------------------------
std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const spec::SpecError& e) {
    return e.what();
  }
  return "(no error)";
}

// A warmup(then=...) chain `levels` deep around `constant`, as text.
std::string nested_warmups(int levels) {
  std::string s = "warmup:steps=1,then=";
  for (int i = 1; i < levels; ++i) s += "warmup(steps=1,then=";
  return s + "constant" + std::string(levels - 1, ')');
}

TEST(SchedulesHostile, DeepNestingNamesTheLimit) {
  // Valid specs that once overflowed the stack: 3,000 nested warmups (62 KB)
  // and chained_scheduler nested 3,000 deep.
  const std::string warmups = nested_warmups(3000);
  EXPECT_GT(warmups.size(), 60000u);
  EXPECT_NE(error_of([&] { (void)make(warmups, 0.1); }).find("64 levels"), std::string::npos);
  std::string chained = "chained_scheduler:schedulers=[";
  for (int i = 1; i < 3000; ++i) chained += "chained_scheduler(schedulers=[";
  chained += "constant";
  for (int i = 1; i < 3000; ++i) chained += "])";
  chained += "]";
  EXPECT_NE(error_of([&] { (void)make(chained, 0.1); }).find("64 levels"), std::string::npos);
  // Within the limit: 30 warmups of one step each (factor 1/3 at their step
  // 0, all at t = 0), then constant from t = 30.
  const Schedule ok = make(nested_warmups(30), 0.1);
  EXPECT_NEAR(lr_at(ok, 0), 0.1 * std::pow(1.0 / 3, 30), 1e-28);
  EXPECT_EQ(lr_at(ok, 30), 0.1);
  // A Spec built in code (no parser to bound it) is refused by the builder.
  spec::Spec deep{"constant", {}};
  for (int i = 0; i < 100; ++i) {
    spec::Spec w{"warmup", {}};
    w.args.emplace_back("steps", spec::integer_value(1));
    w.args.emplace_back("then", spec::spec_value(deep));
    deep = w;
  }
  EXPECT_NE(error_of([&] { (void)schedule_from_spec(deep, 0.1); }).find("nested deeper than 64"),
            std::string::npos);
  // ... and a Schedule built in code, by lr_at and momentum_at.
  Schedule s{Constant{0.1}};
  for (int i = 0; i < 100; ++i) s = Schedule{Warmup{1, WarmupMode::linear, 0.5, true, {s}}};
  EXPECT_NE(error_of([&] { (void)lr_at(s, 200); }).find("nested deeper than 64"), std::string::npos);
  EXPECT_NE(error_of([&] { (void)momentum_at(s, 200); }).find("64"), std::string::npos);
}

// SequentialLR over a long run of MultiplicativeLR children continues each from
// the LR the previous one left: a product over the segments, evaluated in a
// loop (it once recursed once per child).
TEST(SchedulesHostile, LongMultiplicativeRunInSequentialLr) {
  const int n = 3000;
  std::string text = "sequential_lr:schedulers=[constant", milestones;
  for (int i = 1; i < n; ++i) {
    text += ",multiplicative_lr(factor=0.9999)";
    milestones += (i > 1 ? "," : "") + std::to_string(2 * i);
  }
  const Schedule s = make(text + "],milestones=[" + milestones + "]", 0.1);
  // Child 0 runs t = 0, 1; child i >= 1 runs t = 2i, 2i+1, starting from the
  // LR at 2i - 1 and multiplying it by 0.9999 once: lr(2i + 1) = lr(2i - 1) * 0.9999.
  double want = 0.1;
  for (int i = 1; i < n; ++i) want *= std::pow(0.9999, 1.0);
  EXPECT_EQ(lr_at(s, 2 * (n - 1) + 1), want);
  EXPECT_EQ(lr_at(s, 2), lr_at(s, 1));  // a milestone restarts at local step 0
}

// T_i *= T_mult overflowed int64 (UBSan): the cycle past the overflow is
// simply longer than any step.
TEST(SchedulesHostile, WarmRestartsHugeTMultDoesNotOverflow) {
  const int64_t two40 = int64_t{1} << 40;
  const Schedule s = make("cosine_annealing_warm_restarts:T_0=3,T_mult=" + std::to_string(two40), 0.1);
  // Cycles: 3, 3*2^40, then 3*2^80 (past int64).
  const int64_t t = spec::kMaxInteger;  // 2^53, in the third cycle
  const double T_cur = static_cast<double>(t - 3 - 3 * two40);
  const double want = 0.1 * (1 + std::cos(std::numbers::pi * T_cur / (3 * std::pow(2.0, 80)))) / 2;
  EXPECT_EQ(lr_at(s, t), want);
  EXPECT_EQ(lr_at(s, 3 + 3 * two40), 0.1);  // a restart
  const Schedule huge = make("cosine_annealing_warm_restarts:T_0=1,T_mult=9007199254740992", 0.1);
  for (int64_t u : {int64_t{0}, int64_t{1}, int64_t{2}, int64_t{1} << 40, spec::kMaxInteger}) {
    const double v = lr_at(huge, u);
    EXPECT_TRUE(v >= 0 && v <= 0.1) << u << " -> " << v;
  }
}

// Integers from a spec are range-checked as int64 before any use; counts past
// 2^53 (not exact as doubles) and products that overflow are refused.
TEST(SchedulesHostile, IntegersPast2To53AreRefused) {
  EXPECT_NE(error_of([] { (void)make("step_lr:step_size=9007199254740993", 0.1); }).find("2^53"),
            std::string::npos);
  EXPECT_NE(error_of([] { (void)make("multi_step_lr:milestones=[1,9223372036854775807]", 0.1); })
                .find("milestones[1]"),
            std::string::npos);
  EXPECT_NE(error_of([] {
              (void)make("one_cycle_lr:epochs=4294967296,steps_per_epoch=4294967296", 0.1);
            }).find("epochs*steps_per_epoch"),
            std::string::npos);
  EXPECT_NE(error_of([] { (void)make("step_lr:step_size=99999999999999999999", 0.1); })
                .find("integer"),
            std::string::npos);  // past int64: not an integer at all
  // 4294967298 is a fine T_max (no narrowing to int anywhere).
  EXPECT_EQ(lr_at(make("cosine_annealing_lr:T_max=4294967298", 0.1), 0), 0.1);
  // Steps past 2^53 are refused by lr_at.
  const Schedule s = make("constant", 0.1);
  EXPECT_NE(error_of([&] { (void)lr_at(s, spec::kMaxInteger + 1); }).find("2^53"),
            std::string::npos);
}

// ---------------------------------------------------------------------------
// Catalog
// ---------------------------------------------------------------------------
// One valid spec per schedule, using only required parameters.
const std::map<std::string, std::string> kMinimal = {
    {"constant", "constant"},
    {"constant_lr", "constant_lr"},
    {"linear_lr", "linear_lr"},
    {"step_lr", "step_lr:step_size=3"},
    {"multi_step_lr", "multi_step_lr:milestones=[3]"},
    {"exponential_lr", "exponential_lr:gamma=0.9"},
    {"multiplicative_lr", "multiplicative_lr:factor=0.9"},
    {"polynomial_lr", "polynomial_lr"},
    {"cosine_annealing_lr", "cosine_annealing_lr:T_max=10"},
    {"cosine_annealing_warm_restarts", "cosine_annealing_warm_restarts:T_0=10"},
    {"cyclic_lr", "cyclic_lr:max_lr=0.1"},
    {"one_cycle_lr", "one_cycle_lr:total_steps=100"},
    {"reduce_lr_on_plateau", "reduce_lr_on_plateau"},
    {"keras_reduce_lr_on_plateau", "keras_reduce_lr_on_plateau"},
    {"sequential_lr", "sequential_lr:schedulers=[constant,constant],milestones=[5]"},
    {"chained_scheduler", "chained_scheduler:schedulers=[constant]"},
    {"exponential_decay", "exponential_decay:decay_steps=10,decay_rate=0.9"},
    {"piecewise_constant_decay", "piecewise_constant_decay:boundaries=[5],values=[0.1,0.01]"},
    {"polynomial_decay", "polynomial_decay:decay_steps=10"},
    {"inverse_time_decay", "inverse_time_decay:decay_steps=10,decay_rate=0.5"},
    {"cosine_decay", "cosine_decay:decay_steps=10"},
    {"cosine_decay_restarts", "cosine_decay_restarts:first_decay_steps=10"},
    {"keras_legacy_decay", "keras_legacy_decay:decay=1e-6"},
    {"warmup", "warmup:steps=5,then=[constant]"},
    {"per_epoch", "per_epoch:steps_per_epoch=10,then=[constant]"},
    {"wsd", "wsd:total_steps=100"},
    {"tutorial003_linear", "tutorial003_linear:alpha=0.01"},
    {"tutorial003_custom", "tutorial003_custom"},
    {"tutorial003_hoisted", "tutorial003_hoisted:fn=custom_decay,total=100"},
    {"tutorial004_exponential", "tutorial004_exponential:delta=1e-6"},
    {"tutorial004_step", "tutorial004_step"},
};

TEST(Catalog, EveryEntryParsesAndWritesOnlyItsParams) {
  const auto cat = schedule_catalog();
  std::set<std::string> names;
  for (const auto& info : cat) {
    EXPECT_TRUE(names.insert(info.name).second) << "duplicate " << info.name;
    EXPECT_FALSE(info.summary.empty()) << info.name;
    auto it = kMinimal.find(info.name);
    ASSERT_NE(it, kMinimal.end()) << info.name << " has no minimal spec in the test";
    const Schedule s = make(it->second, 0.1);
    EXPECT_EQ(schedule_name(s), info.name);
    std::set<std::string> params;
    for (const auto& p : info.params) {
      EXPECT_FALSE(p.help.empty()) << info.name << "." << p.name;
      EXPECT_FALSE(p.default_value.empty()) << info.name << "." << p.name;
      params.insert(p.name);
    }
    for (const auto& [k, v] : to_spec(s).args)
      EXPECT_TRUE(params.count(k)) << info.name << " writes '" << k << "' not in the catalog";
    const std::string conv = to_string(info.convention);
    EXPECT_TRUE(conv == "pytorch" || conv == "keras" || conv == "tutorial" || conv == "lrbench");
  }
  EXPECT_EQ(names.size(), kMinimal.size()) << "a schedule is missing from schedule_catalog()";
  // Every catalog parameter is accepted by the parser (no undeclared/unknown drift):
  // an unknown key is rejected with the list of valid ones.
  try {
    (void)make("cosine_decay:decay_steps=10,bogus=1", 0.1);
    ADD_FAILURE();
  } catch (const spec::SpecError& e) {
    for (const char* k : {"initial_learning_rate", "decay_steps", "alpha", "warmup_target",
                          "warmup_steps"})
      EXPECT_NE(std::string(e.what()).find(k), std::string::npos) << e.what();
  }
}

TEST(Catalog, ConventionsAsDeclared) {
  std::map<std::string, Convention> by;
  for (const auto& i : schedule_catalog()) by[i.name] = i.convention;
  EXPECT_EQ(by["cosine_annealing_lr"], Convention::pytorch);
  EXPECT_EQ(by["cosine_decay"], Convention::keras);
  EXPECT_EQ(by["tutorial003_hoisted"], Convention::tutorial);
  EXPECT_EQ(by["warmup"], Convention::lrbench);
  EXPECT_EQ(by["wsd"], Convention::lrbench);
}

}  // namespace
}  // namespace lrb::sched
