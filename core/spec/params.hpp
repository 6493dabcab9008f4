#pragma once
// Parameter tables: a spec's keys bound to the members of a plain struct, one
// row per parameter, from which reading with validation, the canonical text
// and the `lrbench list` row all follow.  The schedule table
// (core/schedules/schedule_parse.cpp) is built from these rows; the optimizer
// table (core/optim/optim.cpp) uses Range, check() and the value builders.
//
//   const std::vector<Field<StepLR>> fields = {
//       integer(&StepLR::step_size, "step_size", kRequired, at_least(1), "integer >= 1"),
//       number(&StepLR::gamma, "gamma", "0.1", above(0), "> 0")};
//
// A default is spec text, shown as written and read like user input ("1/3",
// "1e-4", "true"); kRequired; kAbsent (an optional parameter or an
// alternative); or a word the Reader resolves (named_default, e.g. "optimizer
// lr").  Bad values throw SpecError naming the owner, the key, the value and
// the valid range:
//     "adam: betas[0] must be in [0, 1), got 1.5"
// Every number read must be finite; integers (step counts, sizes, milestones)
// must also lie within +-kMaxInteger, so that converting one to double is
// exact and a sum or product of two cannot overflow int64 unnoticed.
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/spec/spec.hpp"

namespace lrb::spec {

// 2^53: every integer up to it is a double exactly.
inline constexpr int64_t kMaxInteger = int64_t{1} << 53;

// lo <= v <= hi with either end open; an infinite end is no bound.
struct Range {
  double lo = -std::numeric_limits<double>::infinity();
  double hi = std::numeric_limits<double>::infinity();
  bool lo_open = false, hi_open = false;

  bool contains(double v) const;
  // ">= 0", "> 0", "in [0, 1)", "in (0, 1]" ... as error messages say it.
  std::string text() const;
};
constexpr Range any() { return {}; }
constexpr Range at_least(double lo) { return {.lo = lo}; }
constexpr Range above(double lo) { return {.lo = lo, .lo_open = true}; }
constexpr Range closed(double lo, double hi) { return {.lo = lo, .hi = hi}; }
constexpr Range closed_open(double lo, double hi) { return {.lo = lo, .hi = hi, .hi_open = true}; }
constexpr Range open_closed(double lo, double hi) { return {.lo = lo, .hi = hi, .lo_open = true}; }
constexpr Range open(double lo, double hi) {
  return {.lo = lo, .hi = hi, .lo_open = true, .hi_open = true};
}

// Throws SpecError "owner: key must be finite / <range><note>, got v".
// `note` (may be empty) says why, e.g. " (PyTorch divides by it)".
void check(std::string_view owner, std::string_view key, double v, const Range& r,
           std::string_view note = {});
// Integers: the range, then |v| <= kMaxInteger.
void check(std::string_view owner, std::string_view key, int64_t v, const Range& r,
           std::string_view note = {});

// "a, b and c" (sep ", ", last " and "); "(none)" when empty.
std::string join(const std::vector<std::string_view>& items, std::string_view sep,
                 std::string_view last);

// Canonical values: numbers as number_text, integers in decimal.
Value text_value(std::string text);
Value number_value(double v);
Value integer_value(int64_t v);
Value bool_value(bool b);
Value list_value(std::vector<Value> items);
Value spec_value(Spec s);
void put(Spec& out, std::string_view key, Value v);  // appends key=v

// ---- tables ------------------------------------------------------------------

inline constexpr std::string_view kRequired = "required", kAbsent = "-";

// What a row reads from: one spec, by name in messages.  `depth` counts the
// tables around this one (nested specs); `named_default` resolves a default
// written as a word (nullopt: not a known word).
struct Reader {
  using Named = std::function<std::optional<double>(std::string_view)>;
  explicit Reader(const Spec& s, int depth_ = 0, Named named = nullptr)
      : a(s), spec(s), name(s.name), depth(depth_), named_default(std::move(named)) {}
  ArgReader a;
  const Spec& spec;
  std::string name;
  int depth;
  Named named_default;
};

// A parameter's key and the other spellings accepted for it (Keras' names).
struct Key {
  Key(std::string_view k) : name(k) {}  // NOLINT: a plain key reads as a Key
  Key(const char* k) : name(k) {}       // NOLINT
  Key(std::string_view k, std::vector<std::string_view> a) : name(k), aliases(std::move(a)) {}
  Names names() const;  // name first
  std::string_view name;
  std::vector<std::string_view> aliases;
};

// The `lrbench list` line of one parameter.
struct Row {
  std::string key;
  std::vector<std::string> aliases;
  std::string default_text, help;
};

// One parameter of the struct O.
template <class O>
struct Field {
  Row row;
  std::function<void(Reader&, O&)> read;             // read, validate, store
  std::function<void(const O&, Spec&)> write;        // canonical text (may write nothing)
};

template <class O>
Field<O> field(const Key& key, std::string_view def, std::string_view help,
               std::function<void(Reader&, O&)> read, std::function<void(const O&, Spec&)> write) {
  return {{std::string(key.name), {key.aliases.begin(), key.aliases.end()}, std::string(def),
           std::string(help)},
          std::move(read), std::move(write)};
}

[[noreturn]] void required(const Reader& r, std::string_view key, std::string_view hint = {});

// A row's help with "{range}" replaced by range.text(): the range is stated
// once, where it is checked.  Empty help: "{range}".
std::string help_text(std::string_view help, const Range& range);

// A finite number in `range`; `def` a number, kRequired or a named default.
template <class O>
Field<O> number(double O::*m, const Key& key, std::string_view def, Range range,
                std::string_view help = {}, std::string_view note = {}) {
  const std::optional<double> fixed = to_double(def);
  return field<O>(
      key, def, help_text(help, range),
      [=, k = key.name, names = key.names()](Reader& r, O& o) {
        std::optional<double> v = r.a.number(names);
        if (!v && def == kRequired) required(r, k);
        if (!v) v = fixed ? fixed : r.named_default ? r.named_default(def) : std::nullopt;
        if (!v) throw std::logic_error(r.name + ": no default '" + std::string(def) + "'");
        check(r.name, k, *v, range, note);
        o.*m = *v;
      },
      [=, k = key.name](const O& o, Spec& out) { put(out, k, number_value(o.*m)); });
}

// A number whose default is an earlier row's value (listed as that row's key).
template <class O>
Field<O> number(double O::*m, std::string_view key, double O::*same_as,
                std::string_view same_as_key, Range range, std::string_view help) {
  return field<O>(
      key, same_as_key, help_text(help, range),
      [=](Reader& r, O& o) {
        o.*m = r.a.number({key}, o.*same_as);
        check(r.name, key, o.*m, range);
      },
      [=](const O& o, Spec& out) { put(out, key, number_value(o.*m)); });
}

// A number, or None (Python's, spelled out; also "none"): nullopt.
template <class O>
Field<O> number_or_none(std::optional<double> O::*m, std::string_view key, Range range,
                        std::string_view help) {
  return field<O>(
      key, "None", help_text(help, range),
      [=](Reader& r, O& o) {
        for (const auto& [k, v] : r.spec.args)
          if (k == key && v.kind == Value::Kind::scalar && (v.text == "None" || v.text == "none")) {
            (void)r.a.text({key}, "");  // asked for: not an unknown parameter
            return;
          }
        if (auto v = r.a.number({key})) {
          check(r.name, key, *v, range);
          o.*m = *v;
        }
      },
      [=](const O& o, Spec& out) {
        put(out, key, o.*m ? number_value(*(o.*m)) : text_value("None"));
      });
}

// An integer in `range` (and within +-kMaxInteger); `def` an integer or
// kRequired.  Empty help: "integer {range}".
template <class O>
Field<O> integer(int64_t O::*m, std::string_view key, std::string_view def, Range range,
                 std::string_view help = {}) {
  const std::optional<int64_t> fixed = to_int(def);
  return field<O>(
      key, def, help_text(help.empty() ? "integer {range}" : help, range),
      [=](Reader& r, O& o) {
        const std::optional<int64_t> v = r.a.integer({key});
        if (!v && !fixed) required(r, key);
        o.*m = v ? *v : *fixed;
        check(r.name, key, o.*m, range);
      },
      [=](const O& o, Spec& out) { put(out, key, integer_value(o.*m)); });
}

template <class O>
Field<O> flag(bool O::*m, const Key& key, std::string_view def, std::string_view help) {
  const bool fixed = to_bool(def).value();
  return field<O>(
      key, def, help,
      [=, names = key.names()](Reader& r, O& o) { o.*m = r.a.boolean(names, fixed); },
      [=, k = key.name](const O& o, Spec& out) { put(out, k, bool_value(o.*m)); });
}

// One word, the spelling of each enum value E.
template <class E>
using Choices = std::vector<std::pair<std::string_view, E>>;

template <class E>
std::string_view word_of(const Choices<E>& choices, E e) {
  for (const auto& [word, v] : choices)
    if (v == e) return word;
  throw std::logic_error("parameter table: a value without a word");
}

// One of `choices`; its list help is the choices, "a|b|c".
template <class O, class E>
Field<O> choice(E O::*m, std::string_view key, std::string_view def, Choices<E> choices) {
  std::vector<std::string_view> words;
  for (const auto& c : choices) words.push_back(c.first);
  return field<O>(
      key, def, join(words, "|", "|"),
      [=](Reader& r, O& o) {
        const std::string t = r.a.choice({key}, std::string(def), words);
        for (const auto& [word, e] : choices)
          if (word == t) o.*m = e;
      },
      [=](const O& o, Spec& out) { put(out, key, text_value(std::string(word_of(choices, o.*m)))); });
}

template <class O>
Field<O> word(std::string O::*m, std::string_view key, std::string_view def, std::string_view help) {
  return field<O>(
      key, def, help, [=](Reader& r, O& o) { o.*m = r.a.text({key}, std::string(def)); },
      [=](const O& o, Spec& out) { put(out, key, text_value(o.*m)); });
}

// A required list of numbers or integers, each in `each`, in `order` (`note`
// says why, e.g. " (a repeated milestone counts twice)").
enum class Order { any, non_decreasing, increasing };
template <class O, class T>
Field<O> list(std::vector<T> O::*m, std::string_view key, Range each, Order order,
              std::string_view help, std::string_view note = {}) {
  static_assert(std::is_same_v<T, double> || std::is_same_v<T, int64_t>);
  return field<O>(
      key, kRequired, help_text(help, each),
      [=](Reader& r, O& o) {
        if (!r.a.has({key})) required(r, key);
        std::vector<T> v;
        if constexpr (std::is_same_v<T, double>) v = r.a.numbers({key}, {});
        else v = r.a.integers({key}, {});
        for (size_t i = 0; i < v.size(); ++i) {
          check(r.name, std::string(key) + "[" + std::to_string(i) + "]", v[i], each);
          if (i == 0 || order == Order::any) continue;
          if (order == Order::increasing ? v[i] > v[i - 1] : v[i] >= v[i - 1]) continue;
          auto text = [](T x) {
            if constexpr (std::is_same_v<T, double>) return number_text(x);
            else return std::to_string(x);
          };
          throw SpecError(r.name + ": " + std::string(key) + " must be " +
                          (order == Order::increasing ? "strictly increasing" : "non-decreasing") +
                          std::string(note) + ", got " + text(v[i - 1]) + " then " + text(v[i]));
        }
        o.*m = std::move(v);
      },
      [=](const O& o, Spec& out) {
        std::vector<Value> items;
        for (T x : o.*m) {
          if constexpr (std::is_same_v<T, double>) items.push_back(number_value(x));
          else items.push_back(integer_value(x));
        }
        put(out, key, list_value(std::move(items)));
      });
}

}  // namespace lrb::spec
