// Metrics of a run, from its record (see internal.hpp for the list).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "suites/study/internal.hpp"

namespace lrb::suites::study {

namespace {

const std::vector<std::string> kFinal = {"train_loss", "val_loss", "test_loss",
                                         "train_accuracy", "val_accuracy", "test_accuracy"};
const std::vector<std::string> kCurves = {"train_loss", "val_loss", "test_loss", "val_accuracy", "test_accuracy"};

bool is_in(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}
bool loss_like(const std::string& k) { return k.find("accuracy") == std::string::npos; }

std::string trim(std::string s) {
  while (!s.empty() && s.front() == ' ') s.erase(s.begin());
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

[[noreturn]] void bad(const std::string& text, const std::string& why) {
  throw std::invalid_argument(fmt::format(
      "'{}': {}; valid metrics: train_loss, val_loss, test_loss, train_accuracy, val_accuracy, test_accuracy, "
      "best_<val|test>_<loss|accuracy>, steps_to(C), epochs_to(C), seconds_to(C) with C like "
      "'test_accuracy >= 0.85', auc(<curve>), samples_per_second, wall_seconds, diverged, "
      "lr_window(<metric>, TOL), best_of(<metric>), best_lr(<metric>) (groups), or a JSON pointer '/final/...'",
      text, why));
}

// "NAME(ARGS)" -> NAME, ARGS; false when not of that form.
bool call(const std::string& s, std::string& name, std::string& args) {
  const auto open = s.find('(');
  if (open == std::string::npos || s.back() != ')') return false;
  name = trim(s.substr(0, open));
  args = s.substr(open + 1, s.size() - open - 2);
  return true;
}

// "CURVE OP VALUE" of steps_to & co.
void parse_target(const std::string& text, const std::string& args, Metric& m) {
  for (const char* op : {">=", "<=", ">", "<"}) {
    const auto at = args.find(op);
    if (at == std::string::npos) continue;
    m.key = trim(args.substr(0, at));
    m.op = op;
    const auto v = spec::to_double(trim(args.substr(at + std::string(op).size())));
    if (!v || !std::isfinite(*v)) bad(text, "the target must be a finite number");
    m.target = *v;
    if (!is_in(kCurves, m.key)) bad(text, "'" + m.key + "' is not a per-epoch curve (train_loss, val_loss, test_loss, val_accuracy, test_accuracy)");
    return;
  }
  bad(text, "expected a condition such as 'test_accuracy >= 0.85'");
}

}  // namespace

Metric parse_metric(const std::string& raw) {
  const std::string text = trim(raw);
  Metric m;
  m.text = text;
  if (text.empty()) bad(raw, "empty");
  if (text[0] == '/') {
    m.type = Metric::Type::pointer;
    m.key = text;
    try {
      (void)json::json_pointer(text);
    } catch (const std::exception&) {
      bad(text, "not a valid JSON pointer");
    }
    return m;
  }
  std::string name, args;
  if (call(text, name, args)) {
    if (name == "steps_to" || name == "epochs_to" || name == "seconds_to") {
      m.type = Metric::Type::to;
      m.unit = name.substr(0, name.find('_'));
      parse_target(text, args, m);
      m.lower = true;
      return m;
    }
    if (name == "auc") {
      m.type = Metric::Type::auc;
      m.key = trim(args);
      if (!is_in(kCurves, m.key)) bad(text, "auc takes a per-epoch curve (train_loss, val_loss, test_loss, val_accuracy, test_accuracy)");
      m.lower = loss_like(m.key);
      return m;
    }
    if (name == "lr_window") {
      m.type = Metric::Type::window;
      const auto comma = args.rfind(',');
      if (comma == std::string::npos) bad(text, "lr_window takes a metric and a tolerance: lr_window(test_accuracy, 0.01)");
      const Metric inner = parse_metric(args.substr(0, comma));
      if (inner.group()) bad(text, "lr_window of a group metric");
      const auto tol = spec::to_double(trim(args.substr(comma + 1)));
      if (!tol || !(*tol >= 0) || !std::isfinite(*tol)) bad(text, "the tolerance must be a finite number >= 0");
      m.key = inner.text;
      m.target = *tol;
      if (inner.type == Metric::Type::pointer) bad(text, "lr_window needs a named metric (its direction)");
      m.lower = inner.lower;
      return m;
    }
    if (name == "best_of" || name == "best_lr") {
      m.type = name == "best_of" ? Metric::Type::best_of : Metric::Type::best_lr;
      const Metric inner = parse_metric(args);
      if (inner.group()) bad(text, name + " of a group metric");
      if (inner.type == Metric::Type::pointer) bad(text, name + " needs a named metric (its direction)");
      m.key = inner.text;
      m.lower = inner.lower;
      return m;
    }
    bad(text, "unknown function '" + name + "'");
  }
  if (is_in(kFinal, text)) {
    m.type = Metric::Type::final;
    m.key = text;
    m.lower = loss_like(text);
    return m;
  }
  if (text.rfind("best_", 0) == 0 && is_in(kCurves, text.substr(5)) && text.substr(5) != "train_loss") {
    m.type = Metric::Type::best;
    m.key = text.substr(5);
    m.lower = loss_like(m.key);
    return m;
  }
  if (text == "samples_per_second" || text == "wall_seconds") {
    m.type = Metric::Type::timing;
    m.key = text;
    m.lower = text == "wall_seconds";
    return m;
  }
  if (text == "diverged") {
    m.type = Metric::Type::diverged;
    m.lower = true;
    return m;
  }
  bad(text, "unknown metric");
}

void check_metric(const std::string& text, bool group_ok) {
  const Metric m = parse_metric(text);
  if (m.group() && !group_ok)
    throw std::invalid_argument("'" + text + "': a metric of a group of arms (an LR sweep); not allowed here");
}

bool metric_direction(const std::string& text, const std::optional<std::string>& direction) {
  const Metric m = parse_metric(text);
  if (direction) {
    if (*direction != "lower" && *direction != "higher")
      throw std::invalid_argument("direction must be lower or higher, got '" + *direction + "'");
    return *direction == "lower";
  }
  if (m.type == Metric::Type::pointer)
    throw std::invalid_argument("'" + text + "': a JSON pointer metric needs direction = \"lower\" or \"higher\"");
  if (m.type == Metric::Type::best_lr)
    throw std::invalid_argument("'" + text + "': best_lr is an LR, neither better low nor high; give direction = \"lower\" or \"higher\"");
  return m.type == Metric::Type::window ? false : m.lower;
}

std::string metric_key(const Metric& m) {
  if (m.type == Metric::Type::pointer) return m.key.substr(m.key.rfind('/') + 1);
  return m.text;
}

namespace {

std::optional<double> number_at(const json& j, const std::string& key) {
  if (!j.is_object() || !j.contains(key) || !j[key].is_number()) return std::nullopt;
  const double v = j[key].get<double>();
  return std::isfinite(v) ? std::optional<double>(v) : std::nullopt;
}

const json* epochs_of(const json& rec) {
  if (!rec.contains("curves") || !rec["curves"].is_object()) return nullptr;
  const json& c = rec["curves"];
  return c.contains("epochs") && c["epochs"].is_array() ? &c["epochs"] : nullptr;
}

bool compare(double x, const std::string& op, double v) {
  return op == ">=" ? x >= v : op == "<=" ? x <= v : op == ">" ? x > v : x < v;
}

}  // namespace

std::optional<double> metric_value(const Metric& m, const json& rec) {
  switch (m.type) {
    case Metric::Type::pointer: {
      const json::json_pointer p(m.key);
      if (!rec.contains(p) || !rec[p].is_number()) return std::nullopt;
      const double v = rec[p].get<double>();
      return std::isfinite(v) ? std::optional<double>(v) : std::nullopt;
    }
    case Metric::Type::final:
      return rec.contains("final") ? number_at(rec["final"], m.key) : std::nullopt;
    case Metric::Type::best:
    case Metric::Type::auc: {
      const json* ep = epochs_of(rec);
      if (!ep) return std::nullopt;
      std::vector<double> v;
      for (const auto& row : *ep)
        if (const auto x = number_at(row, m.key)) v.push_back(*x);
      if (v.empty()) return std::nullopt;
      if (m.type == Metric::Type::auc) {
        double s = 0;
        for (double x : v) s += x;
        return s / static_cast<double>(v.size());
      }
      return m.lower ? *std::min_element(v.begin(), v.end()) : *std::max_element(v.begin(), v.end());
    }
    case Metric::Type::to: {
      const json* ep = epochs_of(rec);
      if (!ep || ep->empty()) return std::nullopt;
      const json* wall = rec.contains("timing") && rec["timing"].is_object() && rec["timing"].contains("epoch_wall_seconds")
                             ? &rec["timing"]["epoch_wall_seconds"] : nullptr;
      auto at = [&](size_t i) -> std::optional<double> {
        const json& row = (*ep)[i];
        if (m.unit == "steps") return number_at(row, "steps");
        if (m.unit == "epochs") return number_at(row, "epoch");
        if (wall && wall->is_array() && i < wall->size() && (*wall)[i].is_number()) return (*wall)[i].get<double>();
        return std::nullopt;
      };
      for (size_t i = 0; i < ep->size(); ++i)
        if (const auto x = number_at((*ep)[i], m.key); x && compare(*x, m.op, m.target)) return at(i);
      return at(ep->size() - 1);  // never reached: the whole budget
    }
    case Metric::Type::timing:
      if (!rec.contains("timing")) return std::nullopt;
      return number_at(rec["timing"], m.key);
    case Metric::Type::diverged:
      return rec.value("status", "") == "diverged" ? 1.0 : 0.0;
    case Metric::Type::window:
    case Metric::Type::best_of:
    case Metric::Type::best_lr:
      return std::nullopt;  // a group metric (claims.cpp)
  }
  return std::nullopt;
}

Condition parse_condition(const std::string& text) {
  for (const char* op : {">=", "<=", ">", "<"}) {
    const auto at = text.find(op);
    if (at == std::string::npos) continue;
    Condition c;
    c.metric = parse_metric(text.substr(0, at));
    if (c.metric.group()) throw std::invalid_argument("'" + text + "': a condition takes a per-run metric");
    c.op = op;
    const auto v = spec::to_double(trim(text.substr(at + std::string(op).size())));
    if (!v || !std::isfinite(*v)) throw std::invalid_argument("'" + text + "': the value must be a finite number");
    c.value = *v;
    return c;
  }
  throw std::invalid_argument("'" + text + "': expected METRIC OP VALUE, e.g. 'test_loss > 1' (OP: <, <=, >, >=)");
}

void check_condition(const std::string& text) { (void)parse_condition(text); }

bool holds(const Condition& c, const json& record) {
  const auto v = metric_value(c.metric, record);
  return v && compare(*v, c.op, c.value);
}

}  // namespace lrb::suites::study
