#include "core/spec/params.hpp"

#include <cmath>
#include <memory>

namespace lrb::spec {

bool Range::contains(double v) const {
  const bool above_lo = lo_open ? v > lo : v >= lo;
  const bool below_hi = hi_open ? v < hi : v <= hi;
  return above_lo && below_hi;
}

std::string Range::text() const {
  const bool has_lo = std::isfinite(lo), has_hi = std::isfinite(hi);
  if (has_lo && has_hi)
    return std::string("in ") + (lo_open ? "(" : "[") + number_text(lo) + ", " +
           number_text(hi) + (hi_open ? ")" : "]");
  if (has_lo) return (lo_open ? "> " : ">= ") + number_text(lo);
  if (has_hi) return (hi_open ? "< " : "<= ") + number_text(hi);
  return "a number";
}

void check(std::string_view owner, std::string_view key, double v, const Range& r,
           std::string_view note) {
  if (std::isfinite(v) && r.contains(v)) return;
  const std::string must = std::isfinite(v) ? r.text() + std::string(note) : "finite";
  throw SpecError(std::string(owner) + ": " + std::string(key) + " must be " + must + ", got " +
                  number_text(v));
}

void check(std::string_view owner, std::string_view key, int64_t v, const Range& r,
           std::string_view note) {
  if (!r.contains(static_cast<double>(v)))
    throw SpecError(std::string(owner) + ": " + std::string(key) + " must be " + r.text() +
                    std::string(note) + ", got " + std::to_string(v));
  if (v > kMaxInteger || v < -kMaxInteger)
    throw SpecError(std::string(owner) + ": " + std::string(key) +
                    " must be at most 2^53 = " + std::to_string(kMaxInteger) +
                    " in magnitude, got " + std::to_string(v));
}

std::string join(const std::vector<std::string_view>& items, std::string_view sep,
                 std::string_view last) {
  if (items.empty()) return "(none)";
  std::string out(items[0]);
  for (size_t i = 1; i < items.size(); ++i)
    out += std::string(i + 1 == items.size() ? last : sep) + std::string(items[i]);
  return out;
}

Value text_value(std::string text) {
  Value v;
  v.text = std::move(text);
  return v;
}
Value number_value(double v) { return text_value(number_text(v)); }
Value integer_value(int64_t v) { return text_value(std::to_string(v)); }
Value bool_value(bool b) { return text_value(b ? "true" : "false"); }

Names Key::names() const {
  Names n{name};
  n.v.insert(n.v.end(), aliases.begin(), aliases.end());
  return n;
}

void put(Spec& out, std::string_view key, Value v) {
  out.args.emplace_back(std::string(key), std::move(v));
}

void required(const Reader& r, std::string_view key, std::string_view hint) {
  throw SpecError(r.name + ": " + std::string(key) + " is required" + std::string(hint));
}

std::string help_text(std::string_view help, const Range& range) {
  std::string out(help.empty() ? "{range}" : help);
  if (const size_t at = out.find("{range}"); at != std::string::npos)
    out.replace(at, 7, range.text());
  return out;
}

Value list_value(std::vector<Value> items) {
  Value v;
  v.kind = Value::Kind::list;
  v.items = std::move(items);
  return v;
}

Value spec_value(Spec s) {
  Value v;
  v.kind = Value::Kind::spec;
  v.nested = std::make_shared<Spec>(std::move(s));
  return v;
}

}  // namespace lrb::spec
