// chain (core/optim/chain.hpp): the chain spellings of the built-ins give the
// built-in trajectories (float64 within 1e-12, float32 sanity), with and
// without a schedule; the transforms are deterministic over thread counts;
// canonical text; every error a sentence.  The NumPy goldens of chains with
// clipping are in tests/goldens/optim/chain.json (test_optim's Golden).
#include <gtest/gtest.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "core/optim/optim.hpp"
#include "core/problems/problems.hpp"
#include "core/schedules/schedule.hpp"
#include "core/spec/spec.hpp"

namespace lrb::optim {
namespace {

Optimizer opt_of(const std::string& text) { return optimizer_from_spec(spec::parse(text)); }

// The trajectory of `steps` updates on a built-in problem, the LR of update
// k+1 from the schedule after k steps (as every lrbench loop).
template <class T>
std::vector<std::vector<T>> trajectory(const std::string& opt_text, const std::string& sched_text,
                                       const std::string& problem, std::vector<size_t> offsets,
                                       int steps) {
  const Optimizer opt = opt_of(opt_text);
  const sched::Schedule s = sched::schedule_from_spec(spec::parse(sched_text), opt.lr);
  const auto prob = problems::problem_from_spec(spec::parse(problem));
  std::vector<T> x;
  for (double v : problems::default_x0(prob)) x.push_back(static_cast<T>(v));
  std::vector<T> g(x.size());
  auto st = make_state<T>(opt, x.size(), offsets);
  std::vector<std::vector<T>> out;
  for (int k = 0; k < steps; ++k) {
    problems::loss_and_grad<T>(prob, x, g);
    update<T>(x, g, st, opt, sched::lr_at(s, k), {}, offsets);
    out.push_back(x);
  }
  return out;
}

// max over steps and coordinates of |a - b| / max(|b|, 1e-300): relative; the
// problems' minimisers are (1, ..., 1), so no coordinate sits near 0 for long.
template <class T>
double max_rel_diff(const std::vector<std::vector<T>>& a, const std::vector<std::vector<T>>& b) {
  double worst = 0;
  for (size_t k = 0; k < a.size(); ++k)
    for (size_t i = 0; i < a[k].size(); ++i) {
      const double x = a[k][i], y = b[k][i];
      const double d = x == y ? 0 : std::abs(x - y) / std::max(std::abs(y), 1e-300);
      if (!(d <= worst)) worst = std::isnan(d) ? INFINITY : d;
    }
  return worst;
}

struct Equivalence {
  const char* builtin;
  const char* chain;
  bool exact;  // the chain repeats the built-in's ops: same bits
};

// lr is set per problem below (":lr=" is appended); weight decays and betas
// are explicit on both sides.
const Equivalence kEquivalences[] = {
    {"sgd", "chain:transforms=[scale_by_lr]", true},
    {"sgd:momentum=0.9", "chain:transforms=[trace(decay=0.9),scale_by_lr]", true},
    {"sgd:momentum=0.9,nesterov=true",
     "chain:transforms=[trace(decay=0.9,nesterov=true),scale_by_lr]", true},
    {"sgd:momentum=0.9,weight_decay=0.01",
     "chain:transforms=[add_decayed_weights(weight_decay=0.01),trace(decay=0.9),scale_by_lr]",
     true},
    {"sgd:weight_decay=0.01",
     "chain:transforms=[add_decayed_weights(weight_decay=0.01),scale_by_lr]", true},
    {"adam", "chain:transforms=[scale_by_adam(b1=0.9,b2=0.999,eps=1e-8),scale_by_lr]", false},
    {"adam:weight_decay=0.01",
     "chain:transforms=[add_decayed_weights(weight_decay=0.01),scale_by_adam,scale_by_lr]", false},
    {"adamw:weight_decay=0.01",
     "chain:transforms=[scale_by_adam,add_decayed_weights(weight_decay=0.01),scale_by_lr]", false},
    {"adamw:weight_decay=0.1,betas=[0.8,0.99],eps=1e-6",
     "chain:transforms=[scale_by_adam(b1=0.8,b2=0.99,eps=1e-6),"
     "add_decayed_weights(weight_decay=0.1),scale_by_lr]",
     false},
    {"lion", "chain:transforms=[scale_by_lion(b1=0.9,b2=0.99),scale_by_lr]", true},
    {"lion:weight_decay=0.1",
     "chain:transforms=[scale_by_lion,add_decayed_weights(weight_decay=0.1),scale_by_lr]", false},
};

struct ProblemCase {
  const char* problem;
  std::vector<size_t> offsets;
  double sgd_lr, adam_lr;  // lr for SGD-like and for Adam/Lion-like optimizers
};
const ProblemCase kProblems[] = {
    {"quadratic:dim=5,cond=100", {0, 2}, 0.01, 0.01},
    {"rosenbrock", {0, 1}, 1e-4, 1e-3},
};
// A constant LR, a decay and a warmup: scale_by_lr reads whatever the schedule gives.
const char* const kSchedules[] = {"constant", "cosine_annealing_lr:T_max=300",
                                  "warmup:steps=50,then=step_lr(step_size=100,gamma=0.5)"};
constexpr int kSteps = 300;

std::string with_lr(const std::string& text, double lr) {
  const std::string lr_text = "lr=" + spec::number_text(lr);
  const size_t colon = text.find(':');
  return colon == std::string::npos ? text + ":" + lr_text
                                    : text.substr(0, colon + 1) + lr_text + "," + text.substr(colon + 1);
}

// float64: within 1e-12 relative over 300 steps.  The chains that repeat the
// built-in's operations (SGD's fma(-lr, d, p), Lion's sign step) are exact;
// Adam's chain spelling rounds differently in three places (m / bc1 and v / bc2
// instead of lr / bc1 and sqrt(v) / sqrt(bc2), and AdamW's decay inside u),
// 1 ulp per step each, which these runs amplify to ~1e-14 at most.
TEST(Chain, SpellsTheBuiltinsInFloat64) {
  for (const Equivalence& e : kEquivalences)
    for (const ProblemCase& pc : kProblems)
      for (const char* sch : kSchedules) {
        const bool sgd_like = std::string(e.builtin).rfind("sgd", 0) == 0;
        const double lr = sgd_like ? pc.sgd_lr : pc.adam_lr;
        const std::string b = with_lr(e.builtin, lr), c = with_lr(e.chain, lr);
        SCOPED_TRACE(b + "  vs  " + c + "  on " + pc.problem + " under " + sch);
        const auto want = trajectory<double>(b, sch, pc.problem, pc.offsets, kSteps);
        const auto got = trajectory<double>(c, sch, pc.problem, pc.offsets, kSteps);
        // The run must go somewhere: the first and last points differ.
        ASSERT_NE(want.front(), want.back());
        const double d = max_rel_diff(got, want);
        if (e.exact) {
          EXPECT_EQ(d, 0.0);
        }
        EXPECT_LE(d, 1e-12);
        std::printf("[ chain    ] f64 %-45s %-28s %-48s max rel diff %.3g\n", e.builtin,
                    pc.problem, sch, d);
      }
}

// float32 sanity: the same runs agree to float32 rounding (relative 1e-4:
// 1-ulp differences of 6e-8 amplified over 300 steps; a formula difference
// moves the first steps by far more).  Exact chains stay exact.
TEST(Chain, SpellsTheBuiltinsInFloat32) {
  for (const Equivalence& e : kEquivalences)
    for (const ProblemCase& pc : kProblems) {
      const bool sgd_like = std::string(e.builtin).rfind("sgd", 0) == 0;
      const double lr = sgd_like ? pc.sgd_lr : pc.adam_lr;
      const std::string b = with_lr(e.builtin, lr), c = with_lr(e.chain, lr);
      SCOPED_TRACE(b + "  vs  " + c + "  on " + pc.problem);
      const auto want = trajectory<float>(b, "cosine_annealing_lr:T_max=300", pc.problem,
                                          pc.offsets, kSteps);
      const auto got = trajectory<float>(c, "cosine_annealing_lr:T_max=300", pc.problem,
                                         pc.offsets, kSteps);
      const double d = max_rel_diff(got, want);
      if (e.exact) {
        EXPECT_EQ(d, 0.0);
      }
      EXPECT_LE(d, 1e-4);
    }
}

// A schedule inside the chain: SGD with momentum under step_lr rescales the
// whole step (PyTorch: LR outside the buffer), which is trace followed by
// scale_by_schedule under a constant run LR.
TEST(Chain, ScaleByScheduleIsTheRunSchedule) {
  const auto want = trajectory<double>("sgd:lr=0.01,momentum=0.9",
                                       "step_lr:step_size=40,gamma=0.5",
                                       "quadratic:dim=5,cond=100", {0, 2}, kSteps);
  const auto got = trajectory<double>(
      "chain:lr=0.01,transforms=[trace(decay=0.9),"
      "scale_by_schedule(schedule=step_lr(step_size=40,gamma=0.5)),scale_by_lr]",
      "constant", "quadratic:dim=5,cond=100", {0, 2}, kSteps);
  EXPECT_LE(max_rel_diff(got, want), 1e-12);
}

// A nested chain is its transforms in place.
TEST(Chain, NestedChainIsExpanded) {
  const Optimizer nested = opt_of(
      "chain:lr=0.1,transforms=[chain(transforms=[clip(max_delta=1),trace(decay=0.5)]),"
      "scale_by_lr]");
  const Optimizer flat =
      opt_of("chain:lr=0.1,transforms=[clip(max_delta=1),trace(decay=0.5),scale_by_lr]");
  EXPECT_EQ(to_spec_string(nested), to_spec_string(flat));
}

// Canonical text: every parameter explicit, bare names for parameterless
// transforms; it parses back to itself.
TEST(Chain, CanonicalText) {
  const Optimizer o = opt_of(
      "chain:transforms=[clip_by_global_norm(max_norm=1),scale_by_adam,"
      "add_decayed_weights(weight_decay=1e-2),scale_by_schedule(schedule=cosine_annealing_lr(T_max=10)),"
      "scale_by_lr]");
  const std::string text = to_spec_string(o);
  EXPECT_EQ(text,
            "chain:lr=0.001,transforms=[clip_by_global_norm(max_norm=1),"
            "scale_by_adam(b1=0.9,b2=0.999,eps=1e-08,eps_root=0),"
            "add_decayed_weights(weight_decay=0.01),"
            "scale_by_schedule(schedule=cosine_annealing_lr(T_max=10,eta_min=0)),scale_by_lr]");
  EXPECT_EQ(to_spec_string(opt_of(text)), text);
  // Every transform at its defaults (required ones given) round-trips.
  for (const auto& t : chain_catalog().transforms) {
    std::string args;
    for (const auto& p : t.params) {
      if (p.default_value != "required") continue;
      args += (args.empty() ? "" : ",") + p.name + "=" +
              (p.name == "schedule" ? "exponential_lr(gamma=0.9)" : "0.5");
    }
    const std::string one = args.empty() ? t.name : t.name + "(" + args + ")";
    const std::string spec_text =
        "chain:transforms=[" + one + (t.name == "scale_by_lr" ? "]" : ",scale_by_lr]");
    SCOPED_TRACE(spec_text);
    const std::string canon = to_spec_string(opt_of(spec_text));
    EXPECT_EQ(to_spec_string(opt_of(canon)), canon);
  }
}

// Same bytes for 1, 2 and 3 threads, with the norm clips on tensors large
// enough for parallel chunks and blocks.
TEST(Chain, SameBitsOnAnyThreadCount) {
  const size_t n = 3 * 4096 * 8 + 123;
  const std::vector<size_t> offsets = {0, 1000, 40000};
  // Norm clips first (on g) and after stateful transforms (on the stored u).
  const Optimizer opt = opt_of(
      "chain:lr=0.01,transforms=[clip_by_norm(max_norm=3),clip_by_global_norm(max_norm=2),"
      "scale_by_adam,add_decayed_weights(weight_decay=0.1),clip_by_global_norm(max_norm=50),"
      "trace(decay=0.5),clip_by_norm(max_norm=20),scale_by_lr]");
  auto run = [&](int threads) {
    const int before = omp_get_max_threads();
    omp_set_num_threads(threads);
    std::vector<double> p(n), g(n);
    for (size_t i = 0; i < n; ++i) p[i] = std::sin(0.001 * double(i));
    auto st = make_state<double>(opt, n, offsets);
    for (int k = 0; k < 5; ++k) {
      for (size_t i = 0; i < n; ++i) g[i] = p[i] * 0.37 + std::cos(0.01 * double(i + k));
      update<double>(p, g, st, opt, 0.01, {}, offsets);
    }
    omp_set_num_threads(before);
    return p;
  };
  const auto one = run(1);
  for (int th : {2, 3}) {
    const auto other = run(th);
    EXPECT_EQ(std::memcmp(one.data(), other.data(), n * sizeof(double)), 0) << th << " threads";
  }
}

// The blocked kernel (one pass, u in a stack buffer) against the transforms
// applied one at a time to whole vectors, written here from chain.hpp's
// formulas: same bits on a span of several blocks, tensors and a mid-chain
// norm clip (the stored-u path).
TEST(Chain, BlockedKernelEqualsTransformByTransform) {
  const size_t n = 3000;
  const std::vector<size_t> offsets = {0, 700, 701, 2000};
  const Optimizer opt = opt_of(
      "chain:lr=0.05,transforms=[clip(max_delta=0.8),scale_by_adam(b1=0.8,b2=0.99,eps_root=1e-9),"
      "clip_by_norm(max_norm=4),trace(decay=0.9,nesterov=true),"
      "add_decayed_weights(weight_decay=0.01),scale(step_size=0.5),scale_by_lr]");
  std::vector<double> p(n), g(n), q(n), m(n, 0), v(n, 0), b(n, 0);
  for (size_t i = 0; i < n; ++i) q[i] = p[i] = std::cos(0.3 * double(i));
  auto st = make_state<double>(opt, n, offsets);
  for (int t = 1; t <= 4; ++t) {
    for (size_t i = 0; i < n; ++i) g[i] = 2 * std::sin(0.7 * double(i) + t) + 0.1 * p[i];
    update<double>(p, g, st, opt, 0.05, {}, offsets);
    // Reference, whole vectors at a time (g computed at q, which equals p so far).
    std::vector<double> u(n);
    for (size_t i = 0; i < n; ++i) u[i] = std::min(std::max(g[i], -0.8), 0.8);
    const double bc1 = 1 - std::pow(0.8, t), bc2 = 1 - std::pow(0.99, t);
    for (size_t i = 0; i < n; ++i) {
      m[i] = std::fma(1.0 - 0.8, u[i], m[i] * 0.8);
      v[i] = std::fma((1.0 - 0.99) * u[i], u[i], v[i] * 0.99);
      u[i] = (m[i] / bc1) / (std::sqrt(v[i] / bc2 + 1e-9) + 1e-8);
    }
    for (size_t k = 0; k < offsets.size(); ++k) {
      const size_t lo = offsets[k], hi = k + 1 < offsets.size() ? offsets[k + 1] : n;
      // sum_squares' order for tensors of >= 16 elements: 8 lanes (i mod 8)
      // per 4096-element chunk, ((l0+l1)+(l2+l3))+((l4+l5)+(l6+l7)).
      double l[8] = {0, 0, 0, 0, 0, 0, 0, 0}, ss = 0;
      if (hi - lo < 16) {
        for (size_t i = lo; i < hi; ++i) ss = ss + u[i] * u[i];
      } else {
        for (size_t i = lo; i < hi; ++i) l[(i - lo) % 8] = l[(i - lo) % 8] + u[i] * u[i];
        ss = ((l[0] + l[1]) + (l[2] + l[3])) + ((l[4] + l[5]) + (l[6] + l[7]));
      }
      const double N = std::sqrt(ss);
      if (!(N < 4.0))
        for (size_t i = lo; i < hi; ++i) u[i] = (u[i] / N) * 4.0;
    }
    for (size_t i = 0; i < n; ++i) {
      b[i] = b[i] * 0.9 + u[i];
      u[i] = std::fma(0.9, b[i], u[i]);
      u[i] = std::fma(0.01, q[i], u[i]);
      u[i] = u[i] * 0.5;
      q[i] = std::fma(-0.05, u[i], q[i]);
    }
    ASSERT_EQ(std::memcmp(p.data(), q.data(), n * sizeof(double)), 0) << "step " << t;
  }
}

// Every error is a SpecError whose sentence names what is wrong.
TEST(Chain, ErrorsAreSentences) {
  struct Bad {
    const char* text;
    const char* says;
  };
  const Bad bad[] = {
      {"chain:transforms=[scale_by_adma,scale_by_lr]", "unknown transform 'scale_by_adma'"},
      {"chain:transforms=[scale_by_adam(b1=1.5),scale_by_lr]", "b1 must be in [0, 1), got 1.5"},
      {"chain:transforms=[scale_by_adam(beta1=0.5),scale_by_lr]", "unknown parameter 'beta1'"},
      {"chain:transforms=[clip,scale_by_lr]", "max_delta is required"},
      {"chain:transforms=[trace(decay=-1),scale_by_lr]", "decay must be >= 0, got -1"},
      {"chain", "transforms is required"},
      {"chain:lr=0.1", "transforms is required"},
      {"chain:transforms=[]", "at least one transform"},
      {"chain:transforms=[scale_by_adam]", "needs exactly one scale_by_lr"},
      {"chain:transforms=[scale_by_lr,scale_by_lr]", "needs exactly one scale_by_lr"},
      {"chain:transforms=[chain(transforms=[scale_by_lr]),scale_by_lr]",
       "needs exactly one scale_by_lr"},
      {"chain:lr=-1,transforms=[scale_by_lr]", "lr must be >= 0, got -1"},
      {"chain:convention=keras,transforms=[scale_by_lr]", "unknown parameter 'convention'"},
      {"chain:transforms=[scale_by_schedule(schedule=reduce_lr_on_plateau),scale_by_lr]",
       "needs a metric"},
      {"chain:transforms=[scale_by_schedule(schedule=one_cycle_lr(max_lr=1,total_steps=10)),"
       "scale_by_lr]",
       "cycle_momentum=false"},
      {"chain:transforms=[scale_by_schedule,scale_by_lr]", "schedule is required"},
      {"chain:transforms=[scale(step_size=inf),scale_by_lr]", "step_size must be finite"},
      {"chain:transforms=[scale_by_lr(lr=1)]", "unknown parameter 'lr'"},
      {"chian:transforms=[scale_by_lr]", "unknown optimizer 'chian'"},
  };
  for (const Bad& b : bad) {
    SCOPED_TRACE(b.text);
    try {
      (void)opt_of(b.text);
      ADD_FAILURE() << "accepted";
    } catch (const spec::SpecError& e) {
      EXPECT_NE(std::string(e.what()).find(b.says), std::string::npos) << e.what();
    }
  }
  // At most 64 transforms (the kernel keeps each step's scalars on the stack).
  std::string many = "chain:transforms=[";
  for (int i = 0; i < 64; ++i) many += "scale(step_size=1),";
  try {
    (void)opt_of(many + "scale_by_lr]");
    ADD_FAILURE() << "65 transforms accepted";
  } catch (const spec::SpecError& e) {
    EXPECT_NE(std::string(e.what()).find("at most 64 transforms"), std::string::npos) << e.what();
  }
  EXPECT_NO_THROW(opt_of(many.substr(0, many.size() - std::string("scale(step_size=1),").size()) +
                         "scale_by_lr]"));
  // The unknown-optimizer sentence lists chain among the valid names.
  try {
    (void)opt_of("chian");
  } catch (const spec::SpecError& e) {
    EXPECT_NE(std::string(e.what()).find("chain"), std::string::npos) << e.what();
  }
}

// Nested chains share the spec grammar's nesting limit (64 levels of '[' and
// '('): each chain(transforms=[...]) is two.
TEST(Chain, NestingLimitIsTheGrammars) {
  auto nested = [](int depth) {
    std::string s = "scale_by_lr";
    for (int i = 0; i < depth; ++i) s = "chain(transforms=[" + s + "])";
    return "chain:transforms=[" + s + "]";
  };
  EXPECT_NO_THROW(opt_of(nested(31)));  // 1 + 2 * 31 = 63 levels
  try {
    (void)opt_of(nested(40));
    ADD_FAILURE() << "accepted";
  } catch (const spec::SpecError& e) {
    EXPECT_NE(std::string(e.what()).find("nested deeper than 64"), std::string::npos) << e.what();
  }
}

// A chain has no momentum a schedule could cycle.
TEST(Chain, NoMomentumOverride) {
  const Optimizer o = opt_of("chain:transforms=[trace(decay=0.9),scale_by_lr]");
  EXPECT_FALSE(has_momentum(o));
  EXPECT_FALSE(has_beta1(o));
  std::vector<double> p(3, 1.0), g(3, 1.0);
  auto st = make_state<double>(o, 3);
  EXPECT_THROW(update<double>(p, g, st, o, 0.1, 0.5), std::invalid_argument);
}

// The catalog documents every transform the parser knows, with its parameters.
TEST(Chain, CatalogListsEveryTransform) {
  const ChainInfo info = chain_catalog();
  std::vector<std::string> names;
  for (const auto& t : info.transforms) names.push_back(t.name);
  for (const char* want : {"clip", "clip_by_norm", "clip_by_global_norm", "trace", "scale_by_rms",
                           "scale_by_adam", "scale_by_rss", "scale_by_sign", "scale_by_lion",
                           "add_decayed_weights", "scale", "scale_by_schedule", "scale_by_lr"})
    EXPECT_NE(std::find(names.begin(), names.end(), want), names.end()) << want;
  for (const auto& t : info.transforms) {
    EXPECT_FALSE(t.summary.empty()) << t.name;
    for (const auto& p : t.params) EXPECT_FALSE(p.help.empty()) << t.name << "." << p.name;
  }
}

}  // namespace
}  // namespace lrb::optim
