// `lrbench list`: what can be named in a spec, with every parameter, its
// aliases and defaults in both conventions.  Text for people, JSON for tools.
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>

#include "core/optim/optim.hpp"
#include "core/schedules/schedule.hpp"
#include "tools/lrbench/cli.hpp"

namespace lrb::cli {
namespace {

struct ProblemInfo {
  const char* name;
  const char* summary;
  const char* params;
};
const ProblemInfo kProblems[] = {
    {"quadratic", "f(x) = 0.5 * sum_i a_i (x_i - 1)^2, a_i = cond^(i/(dim-1)); start 0",
     "dim=2 (>= 1), cond=10 (>= 1)"},
    {"rosenbrock", "f(x, y) = (1 - x)^2 + 100 (y - x^2)^2; start (-1.5, 2)", ""},
    {"linreg002", "tutorial 002: X = [1,2,3,4], y = 2X, loss (1/m) sum r^2, grad (1/m) X^T r",
     ""},
};

std::string aliases(const std::vector<std::string>& a) {
  std::string out;
  for (const auto& s : a) out += (out.empty() ? " (alias " : ", ") + s;
  return out.empty() ? "" : out + ")";
}

nlohmann::json to_json() {
  nlohmann::json j;
  for (const auto& o : optim::optimizer_catalog()) {
    nlohmann::json params = nlohmann::json::array();
    for (const auto& p : o.params)
      params.push_back({{"name", p.name},
                        {"aliases", p.aliases},
                        {"pytorch_default", p.pytorch_default ? nlohmann::json(*p.pytorch_default)
                                                              : nlohmann::json()},
                        {"keras_default", p.keras_default ? nlohmann::json(*p.keras_default)
                                                          : nlohmann::json()},
                        {"help", p.help}});
    j["optimizers"].push_back({{"name", o.name}, {"summary", o.summary}, {"params", params}});
  }
  // The chain (core/optim/chain.hpp) and its transforms, from the table that parses them.
  const optim::ChainInfo chain = optim::chain_catalog();
  auto chain_params = [](const std::vector<optim::ChainParamInfo>& ps) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& p : ps)
      out.push_back({{"name", p.name}, {"default", p.default_value}, {"help", p.help}});
    return out;
  };
  j["chain"] = {{"name", "chain"}, {"summary", chain.summary}, {"params", chain_params(chain.params)}};
  for (const auto& t : chain.transforms)
    j["chain"]["transforms"].push_back(
        {{"name", t.name}, {"summary", t.summary}, {"params", chain_params(t.params)}});
  for (const auto& s : sched::schedule_catalog()) {
    nlohmann::json params = nlohmann::json::array();
    for (const auto& p : s.params)
      params.push_back({{"name", p.name},
                        {"aliases", p.aliases},
                        {"default", p.default_value},
                        {"help", p.help}});
    j["schedules"].push_back({{"name", s.name},
                              {"convention", sched::to_string(s.convention)},
                              {"summary", s.summary},
                              {"params", params}});
  }
  for (const auto& p : kProblems)
    j["problems"].push_back({{"name", p.name}, {"summary", p.summary}, {"params", p.params}});
  return j;
}

void print_text(std::ostream& os) {
  os << "OPTIMIZERS  (--optimizer NAME:key=value,...; convention=pytorch|keras picks the "
        "defaults)\n";
  for (const auto& o : optim::optimizer_catalog()) {
    os << "\n  " << o.name << " - " << o.summary << "\n";
    for (const auto& p : o.params) {
      os << "      " << p.name << aliases(p.aliases) << "  pytorch: "
         << p.pytorch_default.value_or("n/a") << "  keras: " << p.keras_default.value_or("n/a")
         << "\n          " << p.help << "\n";
    }
  }
  const optim::ChainInfo chain = optim::chain_catalog();
  os << "\nCHAIN  (--optimizer chain:lr=0.001,transforms=[scale_by_adam(b1=0.9),scale_by_lr]: "
        "compose your own)\n\n  chain - " << chain.summary << "\n";
  for (const auto& p : chain.params)
    os << "      " << p.name << " = " << p.default_value << "  " << p.help << "\n";
  os << "\n  transforms:\n";
  for (const auto& t : chain.transforms) {
    os << "\n  " << t.name << " - " << t.summary << "\n";
    for (const auto& p : t.params)
      os << "      " << p.name << " = " << p.default_value << "  " << p.help << "\n";
  }
  os << "\nSCHEDULES  (--schedule NAME:key=value,...; base LR = the optimizer's lr)\n";
  for (const auto& s : sched::schedule_catalog()) {
    os << "\n  " << s.name << " [" << sched::to_string(s.convention) << "] - " << s.summary
       << "\n";
    for (const auto& p : s.params)
      os << "      " << p.name << aliases(p.aliases) << " = " << p.default_value << "  "
         << p.help << "\n";
  }
  os << "\nPROBLEMS  (--problem NAME[:key=value,...])\n";
  for (const auto& p : kProblems) {
    os << "\n  " << p.name << " - " << p.summary << "\n";
    if (*p.params) os << "      " << p.params << "\n";
  }
}

}  // namespace

int cmd_list(const std::vector<std::string>& args) {
  std::string format = "text";
  po::options_description opts("options");
  opts.add_options()("format", po::value(&format)->default_value(format), "text | json");
  po::variables_map vm;
  if (!parse_options("list", "[--format text|json]",
                     "Lists every optimizer, the chain's transforms, LR schedules and built-in\n"
                     "problems with their parameters, accepted aliases and defaults (PyTorch\n"
                     "and Keras).",
                     opts, {}, args, vm))
    return kOk;
  if (format != "text" && format != "json")
    throw UsageError("--format must be text or json, got '" + format + "'");
  if (format == "json") {
    std::cout << to_json().dump(1) << "\n";
  } else {
    print_text(std::cout);
  }
  return kOk;
}

}  // namespace lrb::cli
