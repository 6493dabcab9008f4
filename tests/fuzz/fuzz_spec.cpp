// The spec grammar (core/spec/spec.hpp) on hostile text: every --optimizer,
// --schedule, --dataset, --problem and --model value goes through it.
//
// Input: the spec text.  Run with a large -max_len (tests/fuzz/run.sh: 100000)
// so deeply nested lists and specs are reachable.
//
// Invariants besides "only SpecError": to_string is a fixed point after one
// round (parse(to_string(s)) prints the same text), and the typed readers
// (ArgReader, to_double, to_int, to_bool) either answer or throw SpecError
// for every key, whatever its value's shape.
#include <string>

#include "core/spec/spec.hpp"
#include "fuzz_util.hpp"

namespace {

using namespace lrb;

// Asks every typed question about the first 16 keys (each question copies the
// spec, so all keys of a long spec would be quadratic): an answer or SpecError.
void read_all(const spec::Spec& s) {
  std::size_t asked = 0;
  for (const auto& [key, value] : s.args) {
    if (++asked > 16) break;
    const std::string_view k = key;
    auto ask = [&](auto&& question) {
      spec::ArgReader a(s);
      try {
        question(a);
      } catch (const spec::SpecError&) {
      }
    };
    ask([&](spec::ArgReader& a) { a.number({k}, 0.0); });
    ask([&](spec::ArgReader& a) { a.integer({k}, 0); });
    ask([&](spec::ArgReader& a) { a.boolean({k}, false); });
    ask([&](spec::ArgReader& a) { a.text({k}, ""); });
    ask([&](spec::ArgReader& a) { a.choice({k}, "a", {"a", "b"}); });
    ask([&](spec::ArgReader& a) { a.numbers({k}, {}); });
    ask([&](spec::ArgReader& a) { a.integers({k}, {}); });
    ask([&](spec::ArgReader& a) {
      for (const auto& nested : a.specs({k})) read_all(nested);
    });
    ask([&](spec::ArgReader& a) {
      a.number({k}, 0.0);
      a.finish();
    });
    if (value.kind == spec::Value::Kind::scalar) {
      spec::to_double(value.text);
      spec::to_int(value.text);
      spec::to_bool(value.text);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = fuzz::as_text(data, size);
  spec::Spec s;
  try {
    s = spec::parse(text);
  } catch (const spec::SpecError&) {
    return 0;  // the documented answer to bad text
  }
  const std::string once = spec::to_string(s);
  spec::Spec again;
  try {
    again = spec::parse(once);
  } catch (const spec::SpecError& e) {
    fuzz::fail("to_string output does not parse: '" + once + "': " + e.what());
  }
  if (spec::to_string(again) != once) fuzz::fail("to_string is not a fixed point: '" + once + "'");
  read_all(s);
  return 0;
}
