#include "core/spec/spec.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>

namespace lrb::spec {
namespace {

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         c == '_' || c == '-';
}

// Recursive-descent parser over the grammar in spec.hpp.  Whitespace around
// tokens is ignored so multi-line config files can pretty-print specs.  Every
// '[' and nested '(' counts one level; past kMaxNesting the parse fails, so
// the recursion (and every later walk of the Spec) stays shallow.
class Parser {
 public:
  explicit Parser(std::string_view s) : s_(s) {}

  Spec top() {
    Spec out;
    out.name = name("a name such as 'adam' or 'step_lr'");
    skip_ws();
    if (at_end()) return out;
    expect(':');
    args(out, /*closer=*/'\0');
    skip_ws();
    if (!at_end()) fail("unexpected '" + quote(s_.substr(i_, 1)) + "'");
    return out;
  }

 private:
  void args(Spec& out, char closer) {
    while (true) {
      skip_ws();
      if (closer != '\0' && peek() == closer) return;
      std::string key = name("a key");
      for (const auto& kv : out.args)
        if (kv.first == key) fail("key '" + key + "' given twice");
      skip_ws();
      expect('=');
      Value v = value();
      out.args.emplace_back(std::move(key), std::move(v));
      skip_ws();
      if (peek() == ',') {
        ++i_;
        continue;
      }
      if (closer == '\0' ? at_end() : peek() == closer) return;
      if (closer == '\0') fail("expected ',' between arguments");
      fail(std::string("expected ',' or '") + closer + "' (missing '" + closer + "'?)");
    }
  }

  // Entering a list or a nested spec.
  void deeper() {
    if (++depth_ > kMaxNesting)
      fail("nested deeper than " + std::to_string(kMaxNesting) +
           " levels of '[' and '(' (the limit)");
  }

  Value value() {
    skip_ws();
    Value v;
    if (peek() == '[') {
      deeper();
      ++i_;
      v.kind = Value::Kind::list;
      skip_ws();
      if (peek() == ']') {
        ++i_;
        --depth_;
        return v;
      }
      while (true) {
        v.items.push_back(value());
        skip_ws();
        if (peek() == ',') {
          ++i_;
          continue;
        }
        if (peek() == ']') {
          ++i_;
          --depth_;
          return v;
        }
        fail(at_end() ? "unexpected end (missing ']')" : "expected ',' or ']' in list");
      }
    }
    // A scalar token runs to the next structural character.
    const size_t start = i_;
    while (!at_end() && s_[i_] != ',' && s_[i_] != ']' && s_[i_] != '[' && s_[i_] != '(' &&
           s_[i_] != ')' && s_[i_] != '=' && s_[i_] != ':' && s_[i_] != ' ' && s_[i_] != '\t' &&
           s_[i_] != '\n')
      ++i_;
    std::string tok(s_.substr(start, i_ - start));
    skip_ws();
    if (peek() == '(') {
      // nested spec NAME(key=value,...)
      if (tok.empty() || !std::all_of(tok.begin(), tok.end(), is_name_char))
        fail("expected a name before '('");
      deeper();
      ++i_;
      auto nested = std::make_shared<Spec>();
      nested->name = tok;
      skip_ws();
      if (peek() != ')') args(*nested, ')');
      expect(')');
      --depth_;
      v.kind = Value::Kind::spec;
      v.nested = std::move(nested);
      return v;
    }
    if (tok.empty()) fail("expected a value");
    v.text = std::move(tok);
    return v;
  }

  std::string name(const char* what) {
    skip_ws();
    const size_t start = i_;
    while (!at_end() && is_name_char(s_[i_])) ++i_;
    if (i_ == start) fail(std::string("expected ") + what);
    return std::string(s_.substr(start, i_ - start));
  }

  void expect(char c) {
    skip_ws();
    if (peek() != c) {
      fail(std::string("expected '") + c + "'" +
           (at_end() ? " but the spec ended" : ", found '" + quote(s_.substr(i_, 1)) + "'"));
    }
    ++i_;
  }
  void skip_ws() {
    while (!at_end() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n')) ++i_;
  }
  char peek() const { return at_end() ? '\0' : s_[i_]; }
  bool at_end() const { return i_ >= s_.size(); }
  [[noreturn]] void fail(const std::string& what) const {
    throw SpecError("bad spec '" + quote(s_, 200, i_) + "' at position " + std::to_string(i_) +
                    ": " + what);
  }

  std::string_view s_;
  size_t i_ = 0;
  int depth_ = 0;  // '[' and '(' open at i_
};

std::string join_names(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out.empty() ? "(none)" : out;
}

}  // namespace

std::string quote(std::string_view text, size_t max, size_t at) {
  size_t from = 0, to = text.size();
  if (to > max) {  // a window of `max` bytes around `at`
    from = std::min(at > max / 2 ? at - max / 2 : 0, text.size() - max);
    to = from + max;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = from > 0 ? "..." : "";
  for (size_t i = from; i < to; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return to < text.size() ? out + "..." : out;
}

std::string number_text(double v) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v);  // "inf", "-inf" for infinities
  return std::string(buf, r.ptr);
}

Spec parse(std::string_view text) { return Parser(text).top(); }

std::string to_string(const Value& v) {
  switch (v.kind) {
    case Value::Kind::scalar: return v.text;
    case Value::Kind::list: {
      std::string out = "[";
      for (size_t i = 0; i < v.items.size(); ++i) out += (i ? "," : "") + to_string(v.items[i]);
      return out + "]";
    }
    case Value::Kind::spec: {
      std::string out = v.nested->name + "(";
      for (size_t i = 0; i < v.nested->args.size(); ++i)
        out += (i ? "," : "") + v.nested->args[i].first + "=" + to_string(v.nested->args[i].second);
      return out + ")";
    }
  }
  return "";
}

std::string to_string(const Spec& s) {
  std::string out = s.name;
  for (size_t i = 0; i < s.args.size(); ++i)
    out += (i ? "," : ":") + s.args[i].first + "=" + to_string(s.args[i].second);
  return out;
}

std::optional<double> to_double(std::string_view t) {
  if (t.empty()) return std::nullopt;
  if (t == "inf" || t == "+inf") return std::numeric_limits<double>::infinity();
  if (t == "-inf") return -std::numeric_limits<double>::infinity();
  const size_t slash = t.find('/');
  if (slash != std::string_view::npos) {
    auto num = to_double(t.substr(0, slash));
    auto den = to_double(t.substr(slash + 1));
    if (!num || !den || *den == 0.0 || t.substr(slash + 1).find('/') != std::string_view::npos)
      return std::nullopt;
    return *num / *den;
  }
  // from_chars rejects a leading '+'; accept it as users write "+1e-3" (one
  // sign only: "+-0.1" is not a number).
  if (t.front() == '+') {
    t.remove_prefix(1);
    if (t.empty() || t.front() == '-' || t.front() == '+') return std::nullopt;
  }
  double v = 0;
  auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (ec != std::errc() || p != t.data() + t.size()) return std::nullopt;
  if (std::isnan(v)) return std::nullopt;
  return v;
}

std::optional<int64_t> to_int(std::string_view t) {
  if (t.empty()) return std::nullopt;
  if (t.front() == '+') {
    t.remove_prefix(1);
    if (t.empty() || t.front() == '-' || t.front() == '+') return std::nullopt;
  }
  int64_t v = 0;
  auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (ec == std::errc() && p == t.data() + t.size()) return v;
  // Accept integral values written in float notation ("1e6", "100.0").
  auto d = to_double(t);
  if (d && std::isfinite(*d) && std::floor(*d) == *d && std::fabs(*d) < 9.0e15)
    return static_cast<int64_t>(*d);
  return std::nullopt;
}

std::optional<bool> to_bool(std::string_view t) {
  if (t == "true" || t == "True" || t == "1") return true;
  if (t == "false" || t == "False" || t == "0") return false;
  return std::nullopt;
}

ArgReader::ArgReader(const Spec& spec) : spec_(spec), used_(spec.args.size(), false) {}

bool ArgReader::has(const Names& names) const {
  for (const auto& kv : spec_.args)
    for (auto n : names.v)
      if (kv.first == n) return true;
  return false;
}

const Value* ArgReader::find(const Names& names) {
  if (names.v.empty()) return nullptr;
  const std::string canonical(names.v.front());
  if (std::find(known_.begin(), known_.end(), canonical) == known_.end())
    known_.push_back(canonical);
  const Value* hit = nullptr;
  std::string hit_name;
  for (size_t i = 0; i < spec_.args.size(); ++i) {
    for (auto n : names.v) {
      if (spec_.args[i].first != n) continue;
      if (hit)
        throw SpecError(spec_.name + ": '" + hit_name + "' and '" + std::string(n) +
                        "' name the same parameter; give one");
      hit = &spec_.args[i].second;
      hit_name = n;
      used_[i] = true;
    }
  }
  return hit;
}

void ArgReader::bad(std::string_view key, const Value& v, std::string_view expected) const {
  throw SpecError(spec_.name + ": " + std::string(key) + " must be " + std::string(expected) +
                  ", got '" + quote(to_string(v)) + "'");
}

std::optional<double> ArgReader::number(const Names& names) {
  const Value* v = find(names);
  if (!v) return std::nullopt;
  auto d = v->kind == Value::Kind::scalar ? to_double(v->text) : std::nullopt;
  if (!d) bad(names.v.front(), *v, "a number");
  return d;
}

double ArgReader::number(const Names& names, double def) {
  return number(names).value_or(def);
}

std::optional<int64_t> ArgReader::integer(const Names& names) {
  const Value* v = find(names);
  if (!v) return std::nullopt;
  auto d = v->kind == Value::Kind::scalar ? to_int(v->text) : std::nullopt;
  if (!d) bad(names.v.front(), *v, "an integer");
  return d;
}

int64_t ArgReader::integer(const Names& names, int64_t def) {
  return integer(names).value_or(def);
}

bool ArgReader::boolean(const Names& names, bool def) {
  const Value* v = find(names);
  if (!v) return def;
  auto b = v->kind == Value::Kind::scalar ? to_bool(v->text) : std::nullopt;
  if (!b) bad(names.v.front(), *v, "true or false");
  return *b;
}

std::string ArgReader::text(const Names& names, std::string def) {
  const Value* v = find(names);
  if (!v) return def;
  if (v->kind != Value::Kind::scalar) bad(names.v.front(), *v, "a single word");
  return v->text;
}

std::string ArgReader::choice(const Names& names, std::string def,
                              const std::vector<std::string_view>& choices) {
  std::string t = text(names, std::move(def));
  for (auto c : choices)
    if (t == c) return t;
  std::string list;
  for (auto c : choices) list += (list.empty() ? "" : "|") + std::string(c);
  throw SpecError(spec_.name + ": " + std::string(names.v.front()) + " must be one of " + list +
                  ", got '" + quote(t) + "'");
}

std::vector<double> ArgReader::numbers(const Names& names,
                                       std::vector<double> def) {
  const Value* v = find(names);
  if (!v) return def;
  std::vector<double> out;
  // A single scalar is accepted as a one-element list ("milestones=30").
  if (v->kind == Value::Kind::scalar) {
    auto d = to_double(v->text);
    if (!d) bad(names.v.front(), *v, "a number or a list of numbers");
    return {*d};
  }
  if (v->kind != Value::Kind::list) bad(names.v.front(), *v, "a list of numbers");
  for (const auto& it : v->items) {
    auto d = it.kind == Value::Kind::scalar ? to_double(it.text) : std::nullopt;
    if (!d) bad(names.v.front(), *v, "a list of numbers");
    out.push_back(*d);
  }
  return out;
}

std::vector<int64_t> ArgReader::integers(const Names& names,
                                         std::vector<int64_t> def) {
  const Value* v = find(names);
  if (!v) return def;
  if (v->kind == Value::Kind::scalar) {
    auto d = to_int(v->text);
    if (!d) bad(names.v.front(), *v, "an integer or a list of integers");
    return {*d};
  }
  if (v->kind != Value::Kind::list) bad(names.v.front(), *v, "a list of integers");
  std::vector<int64_t> out;
  for (const auto& it : v->items) {
    auto d = it.kind == Value::Kind::scalar ? to_int(it.text) : std::nullopt;
    if (!d) bad(names.v.front(), *v, "a list of integers");
    out.push_back(*d);
  }
  return out;
}

std::vector<Spec> ArgReader::specs(const Names& names) {
  const Value* v = find(names);
  if (!v) return {};
  // One item: a nested spec NAME(k=v) or a bare NAME (all defaults).
  auto one = [&](const Value& it) {
    if (it.kind == Value::Kind::spec) return *it.nested;
    if (it.kind == Value::Kind::scalar && !it.text.empty() &&
        std::all_of(it.text.begin(), it.text.end(), is_name_char))
      return Spec{it.text, {}};
    bad(names.v.front(), *v, "a spec like name(k=v) or a list of them");
  };
  if (v->kind != Value::Kind::list) return {one(*v)};  // "then=cosine_decay(...)"
  std::vector<Spec> out;
  for (const auto& it : v->items) out.push_back(one(it));
  return out;
}

void ArgReader::finish() const {
  for (size_t i = 0; i < spec_.args.size(); ++i) {
    if (used_[i]) continue;
    throw SpecError(spec_.name + ": unknown parameter '" + quote(spec_.args[i].first) +
                    "' (valid: " + join_names(known_) + ")");
  }
}

}  // namespace lrb::spec
