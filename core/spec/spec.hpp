#pragma once
// The one spec grammar used everywhere (CLI flags, config files, suites):
//
//   spec   := NAME [ ':' arg { ',' arg } ]
//   arg    := KEY '=' value
//   value  := SCALAR | '[' [ value { ',' value } ] ']'
//           | NAME '(' [ arg { ',' arg } ] ')'                     (nested spec)
//
// Examples:
//   adam:lr=0.01,betas=[0.8,0.95],amsgrad=true,convention=keras
//   sequential_lr:schedulers=[linear_lr(start_factor=0.1,total_iters=10),
//                             exponential_lr(gamma=0.97)],milestones=[10]
//
// Scalars are kept as the text the user wrote; typed access goes through
// ArgReader, which parses strictly ("1e-3x" is an error, not 0.001), accepts
// Keras aliases for PyTorch names, and reports keys nobody asked for.
//
// Input is hostile until parsed: nesting ('[' and '(' together) deeper than
// kMaxNesting is a SpecError, not a stack overflow, and messages quote at most
// ~200 bytes of it with control bytes escaped (quote()).
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lrb::spec {

// Every grammar or validation failure; what() is one user-facing sentence.
struct SpecError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Deepest nesting of '[' and '(' parse() accepts.  Real specs use 4 or so;
// the bound keeps parse(), to_string() and everything that walks a Spec
// (schedule building, lr_at) well inside the stack.
inline constexpr int kMaxNesting = 64;

// `text` for an error message: control and non-ASCII bytes as \xNN, and at
// most ~max bytes (a window around `at` with "..." where cut).
std::string quote(std::string_view text, size_t max = 200, size_t at = 0);

// Shortest text that reads back to the same double ("0.1", "1e-06", "inf"):
// the canonical form of every number lrbench writes into a spec.
std::string number_text(double v);

struct Spec;

struct Value {
  enum class Kind { scalar, list, spec };
  Kind kind = Kind::scalar;
  std::string text;               // scalar: the token as written
  std::vector<Value> items;       // list
  std::shared_ptr<Spec> nested;   // spec: NAME(key=value,...)
};

struct Spec {
  std::string name;
  std::vector<std::pair<std::string, Value>> args;  // in the order written
};

// Parses one spec; throws SpecError naming the position on malformed input.
Spec parse(std::string_view text);

// Canonical text form; parse(to_string(s)) == s.
std::string to_string(const Spec& s);
std::string to_string(const Value& v);

// Strict scalar conversions (whole token must be consumed).  Numbers accept
// decimal/scientific notation, "inf", and a simple fraction "1/100"; one
// optional sign ("+-0.1" is an error).
std::optional<double> to_double(std::string_view token);
std::optional<int64_t> to_int(std::string_view token);
std::optional<bool> to_bool(std::string_view token);  // true/false/1/0

// Typed, validated access to a spec's arguments.
//
//   ArgReader a(spec);
//   double lr   = a.number({"lr", "learning_rate"}, 1e-3);
//   auto betas  = a.numbers({"betas"}, {0.9, 0.999});
//   a.finish();   // throws if the spec has a key no call asked for
//
// The first name of each list is the canonical (PyTorch) name; the rest are
// accepted aliases (Keras).  Giving two names of one list is an error.
// Names: a braced list {"lr", "learning_rate"} or a table's key + aliases.
struct Names {
  Names(std::initializer_list<std::string_view> l) : v(l) {}
  explicit Names(std::vector<std::string_view> l) : v(std::move(l)) {}
  std::vector<std::string_view> v;  // v[0]: the canonical name
};

class ArgReader {
 public:
  explicit ArgReader(const Spec& spec);

  bool has(const Names& names) const;

  double number(const Names& names, double def);
  std::optional<double> number(const Names& names);
  int64_t integer(const Names& names, int64_t def);
  std::optional<int64_t> integer(const Names& names);
  bool boolean(const Names& names, bool def);
  std::string text(const Names& names, std::string def);
  // One of `choices`, else SpecError listing them.
  std::string choice(const Names& names, std::string def,
                     const std::vector<std::string_view>& choices);
  std::vector<double> numbers(const Names& names, std::vector<double> def);
  std::vector<int64_t> integers(const Names& names, std::vector<int64_t> def);
  // A list of nested specs, e.g. sequential_lr's `schedulers`; a single
  // nested spec or bare name is a list of one.
  std::vector<Spec> specs(const Names& names);

  // Throws SpecError for every key never asked for, listing the valid keys.
  void finish() const;

  const std::string& name() const { return spec_.name; }

 private:
  const Value* find(const Names& names);
  [[noreturn]] void bad(std::string_view key, const Value& v, std::string_view expected) const;

  Spec spec_;  // a copy: readers are often built from a temporary parse()
  std::vector<bool> used_;
  std::vector<std::string> known_;  // every canonical name asked for, for messages
};

}  // namespace lrb::spec
