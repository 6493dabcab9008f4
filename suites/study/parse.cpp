// TOML -> StudySpec.  Every problem is a StudyError naming file:line:column,
// the key, the problem and what is valid.  The input is bounded before toml++
// or any walk of its tree recurses into it: a size limit, and a scan that
// measures the nesting of keys and values without recursion (prescan).
#define TOML_MAX_NESTED_VALUES 16  // a second guard behind prescan's kMaxValueDepth
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <fstream>
#include <set>
#include <sstream>
#include <toml++/toml.h>

#include "records/results_dir.hpp"
#include "suites/study/builtins.hpp"
#include "suites/study/internal.hpp"

namespace lrb::suites::study {

std::string to_string(const Where& w) { return fmt::format("{}:{}:{}", w.file, w.line, w.column); }

namespace {

// ---- the bounded scan ------------------------------------------------------------
//
// Walks the text once, tracking strings, comments, whether a key or a value is
// being read, and the stack of open arrays / inline tables (a counter, not
// recursion).  Rejects a key of more than kMaxKeyDepth dotted segments (table
// headers included) and values nested more than kMaxValueDepth deep.  It does
// not validate TOML (toml++ does); it only never underestimates the nesting.
void prescan(std::string_view text, const std::string& path) {
  if (text.size() > kMaxFileBytes)
    throw StudyError(fmt::format("{}: {} bytes; a study file may hold at most {} bytes", path, text.size(),
                                 kMaxFileBytes));
  // TOML allows no control character but tab, newline and carriage return,
  // anywhere (keys, strings, comments).  Refused here: toml++ 3.3 asserts
  // (undefined behaviour with assertions off) on one that starts a table
  // header's key (fuzz_study, regressions/study/).
  for (size_t at = 0, ln = 1, cl = 1; at < text.size(); ++at, ++cl) {
    const auto u = static_cast<unsigned char>(text[at]);
    if (u == '\n') {
      ++ln;
      cl = 0;
    } else if ((u < 0x20 && u != '\t' && u != '\r') || u == 0x7f) {
      throw StudyError(fmt::format("{}:{}:{}: a control character (byte 0x{:02x}); TOML allows only tab, newline and "
                                   "carriage return",
                                   path, ln, cl, u));
    }
  }
  int line = 1, col = 1;
  std::vector<char> stack;  // '[' array, '{' inline table
  bool key = true;          // reading a key (line start at top level, after '{' or ',' in a table)
  bool header = false;      // inside a [table] header
  int segments = 1;
  auto fail = [&](const std::string& what) {
    throw StudyError(fmt::format("{}:{}:{}: {}", path, line, col, what));
  };
  size_t i = 0;
  auto advance = [&](size_t k) {
    for (size_t e = std::min(text.size(), i + k); i < e; ++i) {
      if (text[i] == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
  };
  // Skips a string starting at i (quote q, multi-line when tripled).
  auto skip_string = [&]() {
    const char q = text[i];
    const bool multi = text.substr(i, 3) == std::string(3, q);
    advance(multi ? 3 : 1);
    while (i < text.size()) {
      if (q == '"' && text[i] == '\\') {
        advance(2);
        continue;
      }
      if (multi ? text.substr(i, 3) == std::string(3, q) : text[i] == q) {
        advance(multi ? 3 : 1);
        // up to two more quotes may close a multi-line string ("""a"""")
        while (multi && i < text.size() && text[i] == q) advance(1);
        return;
      }
      if (!multi && text[i] == '\n') return;  // unterminated: toml++ reports it
      advance(1);
    }
  };
  auto key_segment_dot = [&]() {
    if (++segments > kMaxKeyDepth)
      fail(fmt::format("a key of more than {} dotted parts; study files nest tables at most {} deep", kMaxKeyDepth,
                       kMaxKeyDepth));
  };
  bool line_start = true;
  while (i < text.size()) {
    const char c = text[i];
    if (c == '#') {
      while (i < text.size() && text[i] != '\n') advance(1);
      continue;
    }
    if (c == '"' || c == '\'') {
      skip_string();
      line_start = false;
      continue;
    }
    if (c == '\n') {
      if (stack.empty()) {
        key = true;
        header = false;
        segments = 1;
        line_start = true;
      }
      advance(1);
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\r') {
      advance(1);
      continue;
    }
    if (stack.empty() && line_start && c == '[') {
      header = true;
      key = false;
      segments = 1;
      line_start = false;
      advance(text.substr(i, 2) == "[[" ? 2 : 1);
      // toml++ 3.3 asserts (undefined behaviour with assertions off) when a
      // header's first key does not start with a key character or a quote.
      while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) advance(1);
      const char k = i < text.size() ? text[i] : '\n';
      if (!(std::isalnum(static_cast<unsigned char>(k)) || k == '_' || k == '-' || k == '"' || k == '\''))
        fail(fmt::format("a table header must start with a key (letters, digits, _ or -, or a quoted key), "
                         "found {}", k == '\n' ? std::string("the end of the line") : fmt::format("'{}'", k)));
      continue;
    }
    line_start = false;
    if (header) {
      if (c == '.') key_segment_dot();
      if (c == ']') header = false;
      advance(1);
      continue;
    }
    if (key) {
      if (c == '.') key_segment_dot();
      if (c == '=') {
        key = false;
        segments = 1;
      }
      if (c == '}' && !stack.empty() && stack.back() == '{') {  // an empty inline table
        stack.pop_back();
        key = false;
      }
      advance(1);
      continue;
    }
    // a value
    if (c == '[' || c == '{') {
      stack.push_back(c);
      if (static_cast<int>(stack.size()) > kMaxValueDepth)
        fail(fmt::format("values nested more than {} deep (arrays / inline tables)", kMaxValueDepth));
      if (c == '{') {
        key = true;
        segments = 1;
      }
    } else if (c == ']' || c == '}') {
      if (!stack.empty()) stack.pop_back();
    } else if (c == ',' && !stack.empty() && stack.back() == '{') {
      key = true;
      segments = 1;
    }
    advance(1);
  }
}

// ---- reading the TOML tree -----------------------------------------------------------

Where where_of(const toml::source_region& r, const std::string& file) {
  return {file, static_cast<int>(r.begin.line), static_cast<int>(r.begin.column)};
}

// A key path for messages: "train.epochs", "arm[2].tune.metric".
std::string join_key(const std::string& parent, std::string_view key) {
  return parent.empty() ? std::string(key) : parent + "." + std::string(key);
}

const char* type_name(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a number";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::array: return "an array";
    case toml::node_type::table: return "a table";
    default: return "a date/time";
  }
}

struct Reader {
  std::string file;

  [[noreturn]] void fail(const toml::node& n, const std::string& key, const std::string& what) const {
    throw StudyError(fmt::format("{}: {}: {}", to_string(where_of(n.source(), file)), key, what));
  }
  Where at(const toml::node& n) const { return where_of(n.source(), file); }

  // The entries of a table in file order (toml++ keeps them sorted by name).
  std::vector<std::pair<const toml::key*, const toml::node*>> entries(const toml::table& t) const {
    std::vector<std::pair<const toml::key*, const toml::node*>> out;
    for (const auto& [k, v] : t) out.emplace_back(&k, &v);
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
      const auto &x = a.first->source().begin, &y = b.first->source().begin;
      return x.line != y.line ? x.line < y.line : x.column < y.column;
    });
    return out;
  }

  // Every key of `t` must be in `valid`.
  void only(const toml::table& t, const std::string& path, const std::vector<std::string>& valid) const {
    for (const auto& [k, v] : entries(t))
      if (std::find(valid.begin(), valid.end(), k->str()) == valid.end())
        throw StudyError(fmt::format("{}: {}: unknown key; valid keys here: {}", to_string(where_of(k->source(), file)),
                                     join_key(path, k->str()), fmt::join(valid, ", ")));
  }

  std::string text(const toml::node& n, const std::string& key) const {
    if (const auto* s = n.as_string()) return s->get();
    fail(n, key, std::string("expected a string, got ") + type_name(n));
  }
  double number(const toml::node& n, const std::string& key) const {
    if (const auto* f = n.as_floating_point()) {
      if (!std::isfinite(f->get())) fail(n, key, "expected a finite number");
      return f->get();
    }
    if (const auto* i = n.as_integer()) return static_cast<double>(i->get());
    fail(n, key, std::string("expected a number, got ") + type_name(n));
  }
  int64_t integer(const toml::node& n, const std::string& key, int64_t lo, int64_t hi) const {
    const auto* i = n.as_integer();
    if (!i) fail(n, key, std::string("expected an integer, got ") + type_name(n));
    if (i->get() < lo || i->get() > hi) fail(n, key, fmt::format("must be in [{}, {}], got {}", lo, hi, i->get()));
    return i->get();
  }
  bool boolean(const toml::node& n, const std::string& key) const {
    if (const auto* b = n.as_boolean()) return b->get();
    fail(n, key, std::string("expected true or false, got ") + type_name(n));
  }
  const toml::table& table(const toml::node& n, const std::string& key) const {
    if (const auto* t = n.as_table()) return *t;
    fail(n, key, std::string("expected a table, got ") + type_name(n));
  }
  const toml::array& array(const toml::node& n, const std::string& key) const {
    if (const auto* a = n.as_array()) return *a;
    fail(n, key, std::string("expected an array, got ") + type_name(n));
  }
  std::vector<std::string> strings(const toml::node& n, const std::string& key) const {
    std::vector<std::string> out;
    if (n.is_string()) return {text(n, key)};
    const auto& a = array(n, key);
    for (size_t i = 0; i < a.size(); ++i) out.push_back(text(*a.get(i), fmt::format("{}[{}]", key, i)));
    return out;
  }
  // A scalar as JSON (for factors and options).
  json scalar(const toml::node& n, const std::string& key) const {
    if (n.is_string()) return text(n, key);
    if (n.is_integer()) return n.as_integer()->get();
    if (n.is_floating_point()) return number(n, key);
    if (n.is_boolean()) return n.as_boolean()->get();
    fail(n, key, std::string("expected a string, number or boolean, got ") + type_name(n));
  }
  // A value of options: scalars, arrays of them, tables of them (bounded by prescan).
  json any(const toml::node& n, const std::string& key) const {
    if (const auto* a = n.as_array()) {
      json out = json::array();
      for (size_t i = 0; i < a->size(); ++i) out.push_back(any(*a->get(i), fmt::format("{}[{}]", key, i)));
      return out;
    }
    if (const auto* t = n.as_table()) {
      json out = json::object();
      for (const auto& [k, v] : entries(*t)) out[std::string(k->str())] = any(*v, join_key(key, k->str()));
      return out;
    }
    return scalar(n, key);
  }
};

// ---- settings ----------------------------------------------------------------------------

enum class Kind { string, number, integer, boolean, table };
struct SettingDef {
  const char* name;
  const char* section;  // "data" | "train"
  Kind kind;
  double lo, hi;        // numbers / integers
  std::vector<std::string> choices;  // strings: the valid values (empty: any)
};
const std::vector<SettingDef>& setting_defs() {
  static const std::vector<SettingDef> defs = {
      {"dataset", "data", Kind::string, 0, 0, {}},
      {"data_dir", "data", Kind::string, 0, 0, {}},
      {"val_fraction", "data", Kind::number, 0, 0.99, {}},
      {"test_fraction", "data", Kind::number, 0, 0.99, {}},
      {"limit_train", "data", Kind::integer, 0, 1e9, {}},
      {"limit_test", "data", Kind::integer, 0, 1e9, {}},
      {"kind", "train", Kind::string, 0, 0, {}},
      {"model", "train", Kind::string, 0, 0, {}},
      {"init", "train", Kind::string, 0, 0, {}},
      {"optimizer", "train", Kind::string, 0, 0, {}},
      {"schedule", "train", Kind::string, 0, 0, {}},
      {"lr", "train", Kind::number, 0, 1e6, {}},
      {"epochs", "train", Kind::integer, 1, 100000, {}},
      {"steps", "train", Kind::integer, 1, 1e9, {}},
      {"batch", "train", Kind::integer, 1, 4096, {}},
      {"dtype", "train", Kind::string, 0, 0, {"float32", "float64"}},
      {"lr_unit", "train", Kind::string, 0, 0, {"step", "epoch"}},
      {"plateau_metric", "train", Kind::string, 0, 0, {"train_loss", "val_loss"}},
      {"eval_every", "train", Kind::integer, 1, 100000, {}},
      {"keras_accuracy", "train", Kind::boolean, 0, 0, {}},
      {"options", "train", Kind::table, 0, 0, {}},
  };
  return defs;
}
const SettingDef* find_def(std::string_view name) {
  for (const auto& d : setting_defs())
    if (name == d.name) return &d;
  return nullptr;
}
std::vector<std::string> setting_names(const char* section) {
  std::vector<std::string> out;
  for (const auto& d : setting_defs())
    if (!section || std::string_view(section) == d.section) out.push_back(d.name);
  return out;
}

// One setting's value, type- and range-checked.
json setting_value(const Reader& rd, const SettingDef& d, const toml::node& n, const std::string& key) {
  switch (d.kind) {
    case Kind::string: {
      const auto s = rd.text(n, key);
      if (!d.choices.empty() && std::find(d.choices.begin(), d.choices.end(), s) == d.choices.end())
        rd.fail(n, key, fmt::format("'{}' is not valid; valid: {}", s, fmt::join(d.choices, ", ")));
      if (s.empty()) rd.fail(n, key, "must not be empty");
      if (std::string_view(d.name) == "kind" && s != "train" && !find_run_kind(s))
        rd.fail(n, key, fmt::format("unknown run kind '{}'; valid: train, {}", s, fmt::join(run_kind_names(), ", ")));
      return s;
    }
    case Kind::number: {
      const double v = rd.number(n, key);
      const bool open_lo = std::string_view(d.name) == "lr";
      if (v < d.lo || v > d.hi || (open_lo && v <= 0))
        rd.fail(n, key, fmt::format("must be in {}{}, {}], got {}", open_lo ? "(" : "[", d.lo, d.hi, v));
      return v;
    }
    case Kind::integer:
      return rd.integer(n, key, static_cast<int64_t>(d.lo), static_cast<int64_t>(d.hi));
    case Kind::boolean:
      return rd.boolean(n, key);
    case Kind::table:
      return rd.any(rd.table(n, key), key);
  }
  return nullptr;
}

// Reads the settings among the entries of `t` (other keys are the caller's).
void read_settings(const Reader& rd, const toml::table& t, const std::string& path, const char* section,
                   Settings& out) {
  for (const auto& [k, v] : rd.entries(t)) {
    const SettingDef* d = find_def(k->str());
    if (!d || (section && std::string_view(section) != d->section)) continue;
    const std::string key = join_key(path, k->str());
    out[d->name] = {setting_value(rd, *d, *v, key), rd.at(*v)};
  }
}

// ---- numbers and generators ------------------------------------------------------------

// Rounded to 12 significant digits: the same file gives the same values, and
// run addresses, whatever the machine's pow().
double round12(double v) { return std::stod(fmt::format("{:.12g}", v)); }

// "logspace(lo, hi, n)" | "linspace(lo, hi, n)": n values, both ends included
// (logspace: evenly spaced in log10, like numpy.geomspace).
std::vector<double> generator(const Reader& rd, const toml::node& n, const std::string& key) {
  const std::string s = rd.text(n, key);
  const auto open = s.find('('), close = s.rfind(')');
  const std::string fn = s.substr(0, open);
  auto bad = [&](const std::string& why) {
    rd.fail(n, key, fmt::format("'{}': {}; expected logspace(LO, HI, N) or linspace(LO, HI, N), or a list", s, why));
  };
  if (open == std::string::npos || close != s.size() - 1 || (fn != "logspace" && fn != "linspace"))
    bad("not a generator");
  std::vector<std::string> parts;
  std::string cur;
  for (size_t i = open + 1; i < close; ++i) {
    if (s[i] == ',') {
      parts.push_back(cur);
      cur.clear();
    } else if (s[i] != ' ') {
      cur += s[i];
    }
  }
  parts.push_back(cur);
  if (parts.size() != 3) bad("three arguments");
  const auto lo = spec::to_double(parts[0]), hi = spec::to_double(parts[1]);
  const auto cnt = spec::to_int(parts[2]);
  if (!lo || !hi || !cnt || !std::isfinite(*lo) || !std::isfinite(*hi)) bad("LO and HI must be finite numbers, N an integer");
  if (*cnt < 2 || *cnt > kMaxValues) bad(fmt::format("N must be in [2, {}]", kMaxValues));
  if (fn == "logspace" && !(*lo > 0 && *hi > 0)) bad("logspace needs LO > 0 and HI > 0");
  std::vector<double> out;
  const int64_t k = *cnt;
  for (int64_t i = 0; i < k; ++i) {
    const double t = static_cast<double>(i) / static_cast<double>(k - 1);
    double v = fn == "logspace" ? std::pow(10.0, std::log10(*lo) + t * (std::log10(*hi) - std::log10(*lo)))
                                : *lo + t * (*hi - *lo);
    if (i == 0) v = *lo;
    if (i == k - 1) v = *hi;
    out.push_back(round12(v));
  }
  return out;
}

// A number list: an array of numbers, or a generator string.
std::vector<double> numbers(const Reader& rd, const toml::node& n, const std::string& key, std::string* as_text) {
  if (n.is_string()) {
    if (as_text) *as_text = rd.text(n, key);
    return generator(rd, n, key);
  }
  const auto& a = rd.array(n, key);
  if (a.empty() || a.size() > static_cast<size_t>(kMaxValues))
    rd.fail(n, key, fmt::format("expected 1 to {} values", kMaxValues));
  std::vector<double> out;
  for (size_t i = 0; i < a.size(); ++i) out.push_back(rd.number(*a.get(i), fmt::format("{}[{}]", key, i)));
  if (as_text) *as_text = fmt::format("[{}]", fmt::join(out, ", "));
  return out;
}

// Labels of numeric values: "{:.4g}", more digits until they differ.
std::vector<std::string> number_labels(const std::vector<double>& v) {
  for (int digits = 4; digits <= 17; ++digits) {
    std::vector<std::string> out;
    for (double x : v) out.push_back(fmt::format("{:.{}g}", x, digits));
    std::set<std::string> uniq(out.begin(), out.end());
    if (uniq.size() == out.size()) return out;
  }
  std::vector<std::string> out;
  for (double x : v) out.push_back(fmt::format("{}", x));
  return out;
}

// ---- the parts of a study ----------------------------------------------------------------

const std::vector<std::string> kTuneKeys = {"by", "param", "values", "metric", "direction", "seeds", "epochs",
                                            "steps", "lr_min", "lr_max", "smoothing", "stop_factor"};

Tune read_tune(const Reader& rd, const toml::node& node, const std::string& path) {
  const auto& t = rd.table(node, path);
  rd.only(t, path, kTuneKeys);
  Tune u;
  u.where = rd.at(node);
  if (const auto* n = t.get("by")) {
    u.by = rd.text(*n, path + ".by");
    if (u.by != "grid" && u.by != "lr_range") rd.fail(*n, path + ".by", "'" + u.by + "' is not valid; valid: grid, lr_range");
  }
  if (const auto* n = t.get("param")) {
    u.param = rd.text(*n, path + ".param");
    const SettingDef* d = find_def(u.param);
    if (!d || (d->kind != Kind::number && d->kind != Kind::integer))
      rd.fail(*n, path + ".param", "'" + u.param + "' is not a numeric setting; valid: lr, batch, epochs, steps, eval_every");
  }
  if (u.by == "lr_range" && u.param != "lr") rd.fail(node, path + ".param", "an LR range test tunes lr only");
  if (const auto* n = t.get("values")) {
    if (u.by != "grid") rd.fail(*n, path + ".values", "only a grid has values (by = \"grid\")");
    u.values = numbers(rd, *n, path + ".values", &u.values_text);
  } else if (u.by == "grid") {
    rd.fail(node, path, "a grid needs values = [...] or \"logspace(LO, HI, N)\"");
  }
  if (const auto* n = t.get("metric")) u.metric = rd.text(*n, path + ".metric");
  if (u.by == "grid") {
    try {
      u.lower_is_better = metric_direction(u.metric, t.get("direction") ? std::optional<std::string>(rd.text(*t.get("direction"), path + ".direction")) : std::nullopt);
      check_metric(u.metric, /*group=*/false);
    } catch (const std::invalid_argument& e) {
      rd.fail(t.get("metric") ? *t.get("metric") : node, path + ".metric", e.what());
    }
  }
  if (const auto* n = t.get("seeds")) u.seeds = static_cast<int>(rd.integer(*n, path + ".seeds", 1, 100));
  if (u.by == "grid") {
    for (const char* k : {"epochs", "steps"})
      if (const auto* n = t.get(k)) u.budget[k] = {setting_value(rd, *find_def(k), *n, path + "." + k), rd.at(*n)};
    for (const char* k : {"lr_min", "lr_max", "smoothing", "stop_factor"})
      if (const auto* n = t.get(k)) rd.fail(*n, path + "." + k, "only an LR range test takes it (by = \"lr_range\")");
  } else {
    if (const auto* n = t.get("epochs")) rd.fail(*n, path + ".epochs", "an LR range test's budget is `steps`");
    if (const auto* n = t.get("steps")) u.range_steps = static_cast<int>(rd.integer(*n, path + ".steps", 3, 1000000));
    if (const auto* n = t.get("lr_min")) u.lr_min = rd.number(*n, path + ".lr_min");
    if (const auto* n = t.get("lr_max")) u.lr_max = rd.number(*n, path + ".lr_max");
    if (const auto* n = t.get("smoothing")) u.smoothing = rd.number(*n, path + ".smoothing");
    if (const auto* n = t.get("stop_factor")) u.stop_factor = rd.number(*n, path + ".stop_factor");
    if (!(u.lr_min > 0 && u.lr_max > u.lr_min)) rd.fail(node, path, "need 0 < lr_min < lr_max");
    if (!(u.smoothing >= 0 && u.smoothing < 1)) rd.fail(node, path + ".smoothing", "must be in [0, 1)");
    if (!(u.stop_factor > 1)) rd.fail(node, path + ".stop_factor", "must be > 1");
  }
  return u;
}

Factors read_factors(const Reader& rd, const toml::node& n, const std::string& path) {
  Factors out;
  for (const auto& [k, v] : rd.entries(rd.table(n, path))) {
    const std::string key = join_key(path, k->str());
    out.push_back({std::string(k->str()), rd.scalar(*v, key)});
  }
  return out;
}

// The quick overrides of an arm or grid.
Settings read_quick(const Reader& rd, const toml::node& n, const std::string& path) {
  const auto& t = rd.table(n, path);
  rd.only(t, path, setting_names(nullptr));
  Settings s;
  read_settings(rd, t, path, nullptr, s);
  return s;
}

std::vector<std::string> with(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

void add_arm(StudySpec& spec, Arm arm) {
  if (arm.name.empty()) throw StudyError(to_string(arm.where) + ": name: must not be empty");
  for (const auto& a : spec.arms)
    if (a.name == arm.name)
      throw StudyError(fmt::format("{}: arm '{}' is declared twice (first at {})", to_string(arm.where), arm.name,
                                   to_string(a.where)));
  spec.arms.push_back(std::move(arm));
}

void read_arm(const Reader& rd, StudySpec& spec, const toml::node& node, size_t index) {
  const std::string path = fmt::format("arm[{}]", index);
  const auto& t = rd.table(node, path);
  rd.only(t, path, with({"name", "factors", "tune", "quick"}, setting_names(nullptr)));
  Arm a;
  a.where = rd.at(node);
  const auto* name = t.get("name");
  if (!name) rd.fail(node, path, "an arm needs a name");
  a.name = rd.text(*name, path + ".name");
  read_settings(rd, t, path, nullptr, a.settings);
  if (const auto* n = t.get("quick")) a.quick = read_quick(rd, *n, path + ".quick");
  if (const auto* n = t.get("tune")) a.tune = read_tune(rd, *n, path + ".tune");
  if (const auto* n = t.get("factors")) {
    a.factors = read_factors(rd, *n, path + ".factors");
  } else {  // what the arm sets, as written
    for (const auto& [k, v] : rd.entries(t)) {
      const SettingDef* d = find_def(k->str());
      if (d && d->kind != Kind::table) a.factors.push_back({std::string(k->str()), a.settings.at(d->name).value});
    }
    if (a.factors.empty()) a.factors.push_back({"arm", a.name});
  }
  add_arm(spec, std::move(a));
}

// One varying factor of a grid: its setting, values (JSON) and labels.
struct GridFactor {
  std::string name;
  std::vector<json> values;
  std::vector<std::string> labels;
  std::vector<json> factor_values;  // what the manifest shows: numbers, or the labels
};

void read_grid(const Reader& rd, StudySpec& spec, const toml::node& node, size_t index) {
  const std::string path = fmt::format("grid[{}]", index);
  const auto& t = rd.table(node, path);
  rd.only(t, path, with({"name", "zip", "factors", "tune", "quick"}, setting_names(nullptr)));
  const auto* name_node = t.get("name");
  if (!name_node) rd.fail(node, path, "a grid needs a name (its arms are named NAME/factor=value,...)");
  const std::string name = rd.text(*name_node, path + ".name");
  Settings fixed;
  std::vector<GridFactor> factors;
  for (const auto& [k, v] : rd.entries(t)) {
    const SettingDef* d = find_def(k->str());
    if (!d) continue;
    const std::string key = join_key(path, k->str());
    const bool numeric = d->kind == Kind::number || d->kind == Kind::integer;
    const bool varies = v->is_array() || (numeric && v->is_string()) || (d->kind != Kind::table && v->is_table());
    if (!varies || d->kind == Kind::table) {
      fixed[d->name] = {setting_value(rd, *d, *v, key), rd.at(*v)};
      continue;
    }
    GridFactor f;
    f.name = d->name;
    if (v->is_table()) {  // labelled values: {label = value, ...}
      for (const auto& [lk, lv] : rd.entries(*v->as_table())) {
        f.labels.emplace_back(lk->str());
        f.values.push_back(setting_value(rd, *d, *lv, join_key(key, lk->str())));
        f.factor_values.push_back(f.labels.back());
      }
    } else if (numeric) {
      const auto nums = numbers(rd, *v, key, nullptr);
      f.labels = number_labels(nums);
      for (double x : nums) {
        if (d->kind == Kind::integer && (x != std::floor(x) || x < d->lo || x > d->hi))
          rd.fail(*v, key, fmt::format("values must be integers in [{}, {}], got {}", d->lo, d->hi, x));
        if (d->kind == Kind::number && (x < d->lo || x > d->hi || (std::string_view(d->name) == "lr" && x <= 0)))
          rd.fail(*v, key, fmt::format("values must be in [{}, {}], got {}", d->lo, d->hi, x));
        f.values.push_back(d->kind == Kind::integer ? json(static_cast<int64_t>(x)) : json(x));
        f.factor_values.push_back(f.values.back());
      }
    } else {
      const auto& a = *v->as_array();
      if (a.empty() || a.size() > static_cast<size_t>(kMaxValues))
        rd.fail(*v, key, fmt::format("expected 1 to {} values", kMaxValues));
      for (size_t i = 0; i < a.size(); ++i) {
        f.values.push_back(setting_value(rd, *d, *a.get(i), fmt::format("{}[{}]", key, i)));
        f.labels.push_back(f.values.back().is_string() ? f.values.back().get<std::string>() : f.values.back().dump());
        f.factor_values.push_back(f.values.back());
      }
    }
    if (std::set<std::string>(f.labels.begin(), f.labels.end()).size() != f.labels.size())
      rd.fail(*v, key, "a value is listed twice");
    factors.push_back(std::move(f));
  }
  if (factors.empty()) rd.fail(node, path, "a grid needs at least one setting with several values (an array)");
  // zip: these factors advance together (equal lengths), as one factor.
  std::vector<std::vector<size_t>> groups;  // indices into factors
  std::set<std::string> zipped;
  if (const auto* z = t.get("zip")) {
    const auto names = rd.strings(*z, path + ".zip");
    std::vector<size_t> g;
    for (const auto& n : names) {
      const auto it = std::find_if(factors.begin(), factors.end(), [&](const auto& f) { return f.name == n; });
      if (it == factors.end()) rd.fail(*z, path + ".zip", "'" + n + "' is not a varying setting of this grid");
      if (!zipped.insert(n).second) rd.fail(*z, path + ".zip", "'" + n + "' is listed twice");
      g.push_back(static_cast<size_t>(it - factors.begin()));
      if (factors[g.back()].values.size() != factors[g.front()].values.size())
        rd.fail(*z, path + ".zip", fmt::format("zipped settings need equal lengths: {} has {}, {} has {}",
                                               factors[g.front()].name, factors[g.front()].values.size(), n,
                                               factors[g.back()].values.size()));
    }
    if (g.size() < 2) rd.fail(*z, path + ".zip", "name at least two varying settings");
    std::sort(g.begin(), g.end());
    groups.push_back(g);
  }
  for (size_t i = 0; i < factors.size(); ++i)
    if (!zipped.count(factors[i].name)) groups.push_back({i});
  std::sort(groups.begin(), groups.end(), [](const auto& a, const auto& b) { return a.front() < b.front(); });
  // Size first, in checked arithmetic: the product must stay below the hard limit.
  int64_t total = 1;
  for (const auto& g : groups) {
    total *= static_cast<int64_t>(factors[g.front()].values.size());
    if (total > kHardRunLimit)
      rd.fail(node, path, fmt::format("expands to more than {} arms (the most any study may plan)", kHardRunLimit));
  }
  Factors declared;
  if (const auto* n = t.get("factors")) declared = read_factors(rd, *n, path + ".factors");
  Settings quick;
  if (const auto* n = t.get("quick")) quick = read_quick(rd, *n, path + ".quick");
  std::optional<Tune> tune;
  if (const auto* n = t.get("tune")) tune = read_tune(rd, *n, path + ".tune");
  std::vector<std::string> desc;
  for (const auto& g : groups) {
    std::vector<std::string> names;
    for (size_t i : g) names.push_back(factors[i].name);
    desc.push_back(fmt::format("{} ({} values)", fmt::join(names, " with "), factors[g.front()].values.size()));
  }
  spec.grid_texts.push_back(fmt::format("grid {}: {} = {} arms", name, fmt::join(desc, " x "), total));
  std::vector<size_t> pos(groups.size(), 0);
  for (int64_t k = 0; k < total; ++k) {
    Arm a;
    a.where = rd.at(node);
    a.grid = name;
    a.settings = fixed;
    a.quick = quick;
    a.tune = tune;
    a.factors = declared;
    std::vector<std::string> parts;
    for (size_t gi = 0; gi < groups.size(); ++gi)
      for (size_t i : groups[gi]) {
        const auto& f = factors[i];
        a.settings[f.name] = {f.values[pos[gi]], a.where};
        a.factors.push_back({f.name, f.factor_values[pos[gi]]});
        parts.push_back(f.name + "=" + f.labels[pos[gi]]);
      }
    a.name = name + "/" + fmt::format("{}", fmt::join(parts, ","));
    add_arm(spec, std::move(a));
    for (size_t gi = groups.size(); gi-- > 0;) {  // odometer: the last factor fastest
      if (++pos[gi] < factors[groups[gi].front()].values.size()) break;
      pos[gi] = 0;
    }
  }
}

const std::vector<std::string> kClaimKeys = {"id", "statement", "source", "metric_text", "test_text", "kind",
                                             "metric", "direction", "baseline", "contender", "labels", "band",
                                             "a", "b", "arm", "op", "value", "sweep", "param", "range",
                                             "fail_if", "check", "args", "also", "margin", "numerator",
                                             "denominator"};
const std::vector<std::string> kClaimKinds = {"better", "equivalent", "not_worse", "threshold", "ratio", "edge",
                                              "check"};

// Which keys each claim kind takes besides the common ones.
std::vector<std::string> claim_keys(const std::string& kind) {
  std::vector<std::string> k = {"id", "statement", "source", "metric_text", "test_text", "kind", "also"};
  if (kind == "better") return with(k, {"metric", "direction", "baseline", "contender", "labels", "band"});
  if (kind == "equivalent") return with(k, {"metric", "direction", "a", "b", "band"});
  if (kind == "threshold") return with(k, {"metric", "direction", "arm", "op", "value"});
  if (kind == "not_worse") return with(k, {"metric", "direction", "baseline", "contender", "margin", "band"});
  if (kind == "ratio") return with(k, {"metric", "direction", "numerator", "denominator", "range"});
  if (kind == "edge") return with(k, {"sweep", "param", "range", "fail_if"});
  return with(k, {"check", "args"});
}

void read_claim(const Reader& rd, StudySpec& spec, const toml::node& node, size_t index) {
  const std::string path = fmt::format("claim[{}]", index);
  const auto& t = rd.table(node, path);
  rd.only(t, path, kClaimKeys);
  ClaimSpec c;
  c.where = rd.at(node);
  const auto* kind = t.get("kind");
  if (!kind) rd.fail(node, path, fmt::format("a claim needs a kind; valid: {}", fmt::join(kClaimKinds, ", ")));
  c.kind = rd.text(*kind, path + ".kind");
  if (std::find(kClaimKinds.begin(), kClaimKinds.end(), c.kind) == kClaimKinds.end())
    rd.fail(*kind, path + ".kind", fmt::format("'{}' is not valid; valid: {}", c.kind, fmt::join(kClaimKinds, ", ")));
  rd.only(t, path, claim_keys(c.kind));
  auto req = [&](const char* key) -> const toml::node& {
    const auto* n = t.get(key);
    if (!n) rd.fail(node, path, fmt::format("a {} claim needs `{}`", c.kind, key));
    return *n;
  };
  c.id = t.get("id") ? rd.text(*t.get("id"), path + ".id") : fmt::format("{}.{}", spec.id, index + 1);
  c.statement = rd.text(req("statement"), path + ".statement");
  if (const auto* n = t.get("source")) c.source = rd.text(*n, path + ".source");
  if (const auto* n = t.get("metric_text")) c.metric_text = rd.text(*n, path + ".metric_text");
  if (const auto* n = t.get("test_text")) c.test_text = rd.text(*n, path + ".test_text");
  if (const auto* n = t.get("also")) c.also = rd.strings(*n, path + ".also");
  for (const auto& other : spec.claims)
    if (other.id == c.id) rd.fail(t.get("id") ? *t.get("id") : node, path + ".id", "claim id '" + c.id + "' is used twice");
  const bool metric_kind = c.kind == "better" || c.kind == "equivalent" || c.kind == "not_worse" ||
                           c.kind == "threshold" || c.kind == "ratio";
  if (metric_kind) {
    const auto& m = req("metric");
    c.metric = rd.text(m, path + ".metric");
    try {
      check_metric(c.metric, /*group_ok=*/true);
      // A ratio has no better side: its direction is not asked for.
      if (c.kind != "ratio" || t.get("direction"))
        c.lower_is_better = metric_direction(
            c.metric, t.get("direction") ? std::optional<std::string>(rd.text(*t.get("direction"), path + ".direction"))
                                         : std::nullopt);
    } catch (const std::invalid_argument& e) {
      rd.fail(m, path + ".metric", e.what());
    }
  }
  for (size_t i = 0; i < c.also.size(); ++i) try {
      check_metric(c.also[i], false);
    } catch (const std::invalid_argument& e) {
      rd.fail(*t.get("also"), path + ".also", e.what());
    }
  if (c.kind == "better") {
    c.baseline = rd.strings(req("baseline"), path + ".baseline");
    if (c.baseline.empty()) rd.fail(req("baseline"), path + ".baseline", "name at least one arm");
    c.contender = rd.text(req("contender"), path + ".contender");
    if (const auto* n = t.get("labels")) {
      c.labels = rd.strings(*n, path + ".labels");
      if (c.labels.size() != c.baseline.size())
        rd.fail(*n, path + ".labels", fmt::format("one label per baseline: {} baselines, {} labels", c.baseline.size(),
                                                  c.labels.size()));
    }
  }
  if (c.kind == "equivalent") {
    c.a = rd.text(req("a"), path + ".a");
    c.b = rd.text(req("b"), path + ".b");
  }
  if (c.kind == "not_worse") {
    c.baseline = {rd.text(req("baseline"), path + ".baseline")};
    c.contender = rd.text(req("contender"), path + ".contender");
    const auto* margin = t.get("margin");
    const auto* band = t.get("band");
    if (!margin == !band)
      rd.fail(margin ? *margin : node, path, "a not_worse claim needs exactly one of `margin` (in the metric's units) "
                                             "or `band` (a share of the baseline's mean)");
    if (margin) {
      c.value = rd.number(*margin, path + ".margin");
      if (!(c.value >= 0) || !std::isfinite(c.value))
        rd.fail(*margin, path + ".margin", "must be a finite number >= 0 (in the metric's units)");
    } else {
      c.band = rd.number(*band, path + ".band");
      if (c.band < 0 || c.band > 10) rd.fail(*band, path + ".band", "must be in [0, 10] (a share of the baseline's mean)");
    }
  }
  if (c.kind == "ratio") {
    c.a = rd.text(req("numerator"), path + ".numerator");
    c.b = rd.text(req("denominator"), path + ".denominator");
    const auto& a = rd.array(req("range"), path + ".range");
    if (a.size() != 2) rd.fail(req("range"), path + ".range", "expected [LO, HI]");
    const double lo = rd.number(*a.get(0), path + ".range[0]"), hi = rd.number(*a.get(1), path + ".range[1]");
    if (!(lo > 0) || !(lo < hi) || !std::isfinite(hi)) rd.fail(req("range"), path + ".range", "expected 0 < LO < HI (finite)");
    c.range = std::pair{lo, hi};
  }
  if (c.kind == "better" || c.kind == "equivalent") {
    if (const auto* n = t.get("band")) {
      c.band = rd.number(*n, path + ".band");
      if (c.band < 0 || c.band > 10) rd.fail(*n, path + ".band", "must be in [0, 10] (a share of the baseline's mean)");
    } else if (c.kind == "equivalent") {
      rd.fail(node, path, "an equivalent claim needs `band` (the largest difference that counts as none, as a share of a's mean)");
    }
  }
  if (c.kind == "threshold") {
    c.arm = rd.text(req("arm"), path + ".arm");
    c.op = rd.text(req("op"), path + ".op");
    if (c.op != "<" && c.op != "<=" && c.op != ">" && c.op != ">=")
      rd.fail(req("op"), path + ".op", "'" + c.op + "' is not valid; valid: <, <=, >, >=");
    c.value = rd.number(req("value"), path + ".value");
  }
  if (c.kind == "edge") {
    c.sweep = rd.text(req("sweep"), path + ".sweep");
    if (const auto* n = t.get("param")) c.param = rd.text(*n, path + ".param");
    if (const auto* n = t.get("range")) {
      const auto& a = rd.array(*n, path + ".range");
      if (a.size() != 2) rd.fail(*n, path + ".range", "expected [LO, HI]");
      const double lo = rd.number(*a.get(0), path + ".range[0]"), hi = rd.number(*a.get(1), path + ".range[1]");
      if (!(lo < hi)) rd.fail(*n, path + ".range", "expected LO < HI");
      c.range = std::pair{lo, hi};
    }
    if (const auto* n = t.get("fail_if")) {
      c.fail_if = rd.text(*n, path + ".fail_if");
      try {
        check_condition(c.fail_if);
      } catch (const std::invalid_argument& e) {
        rd.fail(*n, path + ".fail_if", e.what());
      }
    }
  }
  if (c.kind == "check") {
    const auto& n = req("check");
    c.check = rd.text(n, path + ".check");
    const Check* chk = find_check(c.check);
    if (!chk) rd.fail(n, path + ".check", fmt::format("unknown check '{}'; valid: {}", c.check, fmt::join(check_names(), ", ")));
    if (const auto* a = t.get("args")) {
      rd.only(rd.table(*a, path + ".args"), path + ".args", chk->args);
      c.args = rd.any(*a, path + ".args");
    }
    for (const auto& k : chk->required)
      if (!c.args.contains(k)) rd.fail(t.get("args") ? *t.get("args") : node, path + ".args", "check " + c.check + " needs `" + k + "`");
  }
  spec.claims.push_back(std::move(c));
}

const std::vector<std::string> kTopKeys = {"format", "id", "title", "question", "source", "deviations", "seeds",
                                           "section", "data", "train", "quick", "arm", "grid", "claim"};

// Every arm a claim names must exist (or a selector must match one).
void check_operands(const StudySpec& spec) {
  for (const auto& c : spec.claims) {
    std::vector<std::string> ops = c.baseline;
    for (const auto* s : {&c.contender, &c.a, &c.b, &c.arm, &c.sweep})
      if (!s->empty()) ops.push_back(*s);
    for (const auto& op : ops) try {
        if (select_arms(spec, op).empty())
          throw std::invalid_argument("'" + op + "' selects no arm");
      } catch (const std::invalid_argument& e) {
        std::vector<std::string> names;
        for (const auto& a : spec.arms) names.push_back(a.name);
        if (names.size() > 12) {
          names.resize(12);
          names.push_back("...");
        }
        throw StudyError(fmt::format("{}: claim {}: {}; arms: {}", to_string(c.where), c.id, e.what(),
                                     fmt::join(names, ", ")));
      }
  }
}

}  // namespace

StudySpec parse_study(std::string_view text, const std::string& path) {
  prescan(text, path);
  toml::table root;
  try {
    root = toml::parse(text, path);
  } catch (const toml::parse_error& e) {
    throw StudyError(fmt::format("{}: {}", to_string(where_of(e.source(), path)), e.description()));
  }
  const Reader rd{path};
  StudySpec spec;
  spec.path = path;
  spec.folder = std::filesystem::path(path).parent_path();
  rd.only(root, "", kTopKeys);
  if (const auto* n = root.get("format")) rd.integer(*n, "format", 1, 1);
  const auto* id = root.get("id");
  if (!id) throw StudyError(path + ":1:1: id: missing; a study needs an id (its results folder), e.g. id = \"warmup-cnn\"");
  spec.id = rd.text(*id, "id");
  if (!records::valid_suite_id(spec.id))
    rd.fail(*id, "id", "'" + spec.id + "' is not valid: 1 to 64 of A-Z a-z 0-9 _ - (starting with a letter or digit)");
  const auto* title = root.get("title");
  if (!title) throw StudyError(path + ":1:1: title: missing; a study needs a title");
  spec.title = rd.text(*title, "title");
  if (const auto* n = root.get("question")) spec.question = rd.text(*n, "question");
  if (const auto* n = root.get("source")) spec.source = rd.text(*n, "source");
  if (const auto* n = root.get("deviations")) spec.deviations = rd.strings(*n, "deviations");
  if (const auto* n = root.get("seeds")) spec.seeds = static_cast<int>(rd.integer(*n, "seeds", 1, 1000));
  if (const auto* n = root.get("section")) {
    const auto& a = rd.array(*n, "section");
    for (size_t i = 0; i < a.size(); ++i) {
      const std::string p = fmt::format("section[{}]", i);
      const auto& t = rd.table(*a.get(i), p);
      rd.only(t, p, {"title", "items"});
      if (!t.get("title") || !t.get("items")) rd.fail(*a.get(i), p, "a section needs a title and items");
      spec.sections.push_back({rd.text(*t.get("title"), p + ".title"), rd.strings(*t.get("items"), p + ".items")});
    }
  }
  for (const char* sec : {"data", "train"})
    if (const auto* n = root.get(sec)) {
      const auto& t = rd.table(*n, sec);
      rd.only(t, sec, setting_names(sec));
      read_settings(rd, t, sec, sec, spec.defaults);
    }
  if (const auto* n = root.get("quick")) {
    const auto& t = rd.table(*n, "quick");
    rd.only(t, "quick", with({"seeds"}, setting_names(nullptr)));
    spec.has_quick = true;
    if (const auto* s = t.get("seeds")) spec.quick_seeds = static_cast<int>(rd.integer(*s, "quick.seeds", 1, 1000));
    read_settings(rd, t, "quick", nullptr, spec.quick);
  }
  // Arms and grids in file order.
  std::vector<std::pair<toml::source_position, std::pair<bool, std::pair<const toml::node*, size_t>>>> blocks;
  for (const auto& [key, is_grid] : {std::pair{"arm", false}, std::pair{"grid", true}})
    if (const auto* n = root.get(key)) {
      const auto& a = rd.array(*n, key);
      for (size_t i = 0; i < a.size(); ++i) blocks.push_back({a.get(i)->source().begin, {is_grid, {a.get(i), i}}});
    }
  std::sort(blocks.begin(), blocks.end(), [](const auto& x, const auto& y) {
    return x.first.line != y.first.line ? x.first.line < y.first.line : x.first.column < y.first.column;
  });
  for (const auto& [pos, b] : blocks) {
    if (b.first)
      read_grid(rd, spec, *b.second.first, b.second.second);
    else
      read_arm(rd, spec, *b.second.first, b.second.second);
    if (static_cast<int64_t>(spec.arms.size()) > kHardRunLimit)
      rd.fail(*b.second.first, b.first ? "grid" : "arm", fmt::format("more than {} arms", kHardRunLimit));
  }
  if (spec.arms.empty()) throw StudyError(path + ":1:1: arm: a study needs at least one [[arm]] or [[grid]]");
  if (const auto* n = root.get("claim")) {
    const auto& a = rd.array(*n, "claim");
    for (size_t i = 0; i < a.size(); ++i) read_claim(rd, spec, *a.get(i), i);
  }
  check_operands(spec);
  return spec;
}

StudySpec load_study(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    throw StudyError(path + ": no such study file (expected a TOML study file; `lrbench study init FILE` writes one)");
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) throw StudyError(path + ": cannot be read (" + ec.message() + ")");
  if (size > kMaxFileBytes)
    throw StudyError(fmt::format("{}: {} bytes; a study file may hold at most {} bytes", path, size, kMaxFileBytes));
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  if (!in && !in.eof()) throw StudyError(path + ": cannot be read");
  return parse_study(ss.str(), path);
}

}  // namespace lrb::suites::study
