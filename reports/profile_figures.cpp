// Performance profiles (Dolan-More) of a suite's optimizers across its
// problems, each optimizer at its best LR of the suite's sweep, with the
// AlgoPerf score and bootstrap bands over seeds (core/stats/profiles.hpp).
//
// Which configs: those whose declared factors name an "optimizer", a
// "problem" and a numeric "lr" (an LR sweep per optimizer and problem, as
// suite 000 declares them); a profile needs >= 2 optimizers.
// Cost of a run: updates until the training loss first falls to 10 % of its
// initial value -- the record's /final/steps_to_target where the run
// computed it (least squares: the excess loss), else the first epoch whose
// full-batch train_loss is <= 0.1 x epoch 0's; a run that never gets there,
// or diverges, failed (+inf).
// Best LR of an (optimizer, problem) cell: the smallest median cost over
// seeds (ties: the smaller LR).  Tuning on the seeds that are then profiled
// flatters every optimizer alike; the note says so.
// Seeds: the seeds every optimizer of a problem has at its best LR, paired
// (seed k saw the same data and start for every optimizer); every problem
// contributes its first k seeds, k = the smallest such count, so the
// bootstrap resamples one seed set per problem, shared by the optimizers.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <optional>
#include <set>

#include "core/stats/profiles.hpp"
#include "reports/report.hpp"

namespace lrb::reports {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kTargetFraction = 0.1;

const json* factor_of(const SuiteReport& s, const std::string& config, const char* name) {
  const auto it = s.factors.find(config);
  if (it == s.factors.end()) return nullptr;
  for (const auto& f : it->second)
    if (f.name == name) return &f.value;
  return nullptr;
}

// Updates to 10 % of the initial loss (+inf: never, or diverged).
double cost_of(const json& rec) {
  if (rec.value("status", "") != "ok") return kInf;
  const json* fin = rec.contains("final") ? &rec["final"] : nullptr;
  if (fin && fin->contains("steps_to_target")) {
    const json& v = (*fin)["steps_to_target"];
    return v.is_number() && v.get<double>() > 0 ? v.get<double>() : kInf;
  }
  if (!rec.contains("curves") || !rec["curves"].contains("epochs")) return kInf;
  const json& ep = rec["curves"]["epochs"];
  if (ep.empty() || !ep[0].contains("train_loss") || !ep[0]["train_loss"].is_number()) return kInf;
  const double target = kTargetFraction * ep[0]["train_loss"].get<double>();
  for (size_t e = 1; e < ep.size(); ++e)
    if (ep[e].contains("train_loss") && ep[e]["train_loss"].is_number() && ep[e]["train_loss"].get<double>() <= target)
      return static_cast<double>(e);
  return kInf;
}

struct Cell {
  double lr = 0;
  std::string config;
  std::map<int64_t, double> cost;  // seed -> cost
  std::vector<std::string> paths;
};

}  // namespace

std::optional<Figure> performance_profile(const SuiteReport& s) {
  // (problem, optimizer) -> LR -> config
  std::map<std::string, std::map<std::string, std::map<double, std::string>>> sweep;
  for (const auto& c : s.config_order) {
    const json *opt = factor_of(s, c, "optimizer"), *prob = factor_of(s, c, "problem"), *lr = factor_of(s, c, "lr");
    if (!opt || !prob || !lr || !opt->is_string() || !prob->is_string() || !lr->is_number()) continue;
    sweep[prob->get<std::string>()][opt->get<std::string>()][lr->get<double>()] = c;
  }
  std::set<std::string> optimizers;
  for (const auto& [p, opts] : sweep)
    for (const auto& [o, lrs] : opts)
      if (lrs.size() >= 2) optimizers.insert(o);
  if (optimizers.size() < 2) return std::nullopt;
  // Best LR per cell; problems where every optimizer has a sweep.
  std::vector<std::string> problems;
  std::map<std::string, std::map<std::string, Cell>> best;  // problem -> optimizer -> cell
  for (const auto& [p, opts] : sweep) {
    bool complete = true;
    for (const auto& o : optimizers) {
      const auto it = opts.find(o);
      if (it == opts.end() || it->second.size() < 2) {
        complete = false;
        break;
      }
      std::optional<std::pair<double, Cell>> chosen;  // (median cost, cell)
      for (const auto& [lr, config] : it->second) {
        const auto recs = s.by_config.find(config);
        if (recs == s.by_config.end() || recs->second.empty()) continue;
        Cell cell{lr, config, {}, {}};
        std::vector<double> costs;
        for (const auto& ref : recs->second) {
          const double c = cost_of(*ref.record);
          cell.cost[ref.record->value("seed", int64_t{0})] = c;
          cell.paths.push_back(ref.path);
          costs.push_back(c);
        }
        const double med = stats::statistic_of(costs, stats::Statistic::kMedian);
        if (!chosen || med < chosen->first) chosen = std::make_pair(med, std::move(cell));
      }
      if (!chosen) {
        complete = false;
        break;
      }
      best[p][o] = std::move(chosen->second);
    }
    if (complete) problems.push_back(p);
  }
  if (problems.empty()) return std::nullopt;
  // Paired seeds per problem; k = the smallest count over problems.
  std::map<std::string, std::vector<int64_t>> seeds;
  size_t k = std::numeric_limits<size_t>::max();
  for (const auto& p : problems) {
    std::vector<int64_t> common;
    for (const auto& [seed, c] : best[p].begin()->second.cost) {
      bool all = true;
      for (const auto& o : optimizers) all = all && best[p][o].cost.count(seed);
      if (all) common.push_back(seed);
    }
    k = std::min(k, common.size());
    seeds[p] = common;
  }
  if (k < 2) return std::nullopt;
  const std::vector<std::string> solvers(optimizers.begin(), optimizers.end());
  stats::SeedCosts sc{.problems = problems.size(), .solvers = solvers.size(), .seeds = k, .cost = {}};
  bool any_solved = false;
  for (const auto& p : problems)
    for (const auto& o : solvers)
      for (size_t j = 0; j < k; ++j) {
        const double c = best[p][o].cost.at(seeds[p][j]);
        any_solved = any_solved || std::isfinite(c);
        sc.cost.push_back(c);
      }
  if (!any_solved) return std::nullopt;
  const stats::ProfileBootstrapOptions opt{};  // median over seeds, paired, 2000 replicates, seed 0, 95 %, r_max 4
  const stats::ProfileBands b = stats::bootstrap_profiles(sc, opt);

  Figure f;
  f.id = s.id + "-performance-profile";
  f.section = s.id;
  f.title = s.id + ": performance profiles (each optimizer at its best LR)";
  f.xlabel = "tau: cost within this factor of the best optimizer's";
  f.ylabel = "share of problems (rho(tau))";
  f.y_max = 1.05;
  const size_t nt = b.taus.size();
  std::string scores;
  for (size_t i = 0; i < solvers.size(); ++i) {
    Series ser{.label = fmt::format("{} (score {:.3f})", solvers[i], b.score[i]), .style = Style::band};
    for (size_t t = 0; t < nt; ++t) {
      ser.x.push_back(b.taus[t]);
      ser.y.push_back(b.profile[i * nt + t]);
      ser.lo.push_back(b.low[i * nt + t]);
      ser.hi.push_back(b.high[i * nt + t]);
    }
    f.series.push_back(std::move(ser));
    scores += fmt::format("{}{} {:.3f} [{:.3f}, {:.3f}], P(first) {:.2f}", scores.empty() ? "" : "; ", solvers[i],
                          b.score[i], b.score_low[i], b.score_high[i], b.prob_best[i]);
  }
  std::string lrs;
  for (const auto& p : problems) {
    lrs += (lrs.empty() ? "" : "; ") + p + ":";
    for (const auto& o : solvers) {
      lrs += fmt::format(" {} {:g}", o, best[p][o].lr);
      for (const auto& path : best[p][o].paths) f.sources.push_back(path);
    }
  }
  f.note = fmt::format(
      "Dolan-More performance profiles over {} problem(s) ({}): cost = updates until the training loss first falls "
      "to {:g} x its initial value (least squares: the excess loss), +inf when never or diverged; each optimizer "
      "at the LR of its sweep with the smallest median cost (best LRs: {}), chosen on the same seeds that are "
      "profiled, which flatters every optimizer alike. A problem's cost is the median over {} paired seeds; "
      "rho(tau) = share of problems whose cost is within tau x the best optimizer's. Bands: pointwise 95 % "
      "percentile bootstrap over seeds (resampled per problem, shared by the optimizers; {} replicates, seed 0); "
      "with few problems rho moves in steps of 1/{}. AlgoPerf score (exact integral of rho up to tau = 4, "
      "1 = fastest everywhere) with its 95 % band and the share of replicates where it ranks first: {}.",
      problems.size(), fmt::join(problems, ", "), kTargetFraction, lrs, k, b.replicates, problems.size(), scores);
  return f;
}

}  // namespace lrb::reports
