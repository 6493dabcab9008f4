// What the specs build: optimizers, LR schedules, problems, models and
// initializers from hostile spec text (--optimizer, --schedule, --problem,
// --model, --init), short of training.
//
// Input: the spec text (shares the spec harness's seeds and dictionary).
//
// Invariants besides "only SpecError": an optimizer's and a schedule's
// canonical text rebuilds the same object (their headers promise it); a
// schedule's LR is never negative at steps 0..63 and at a few far steps (it
// may overflow to inf, as PyTorch's does for exponential_lr with gamma > 1,
// so finiteness is not required); a problem or a model has exactly the sizes
// the spec asked for (no wrapped integers), and every dense width of a model
// is >= 1.
#include <cstdint>
#include <optional>
#include <string>

#include "core/models/model.hpp"
#include "core/optim/optim.hpp"
#include "core/problems/problems.hpp"
#include "core/schedules/schedule.hpp"
#include "core/spec/spec.hpp"
#include "fuzz_util.hpp"

namespace {

using namespace lrb;

template <class Fn>
void build(Fn&& fn) {
  try {
    fn();
  } catch (const spec::SpecError&) {
    // the documented answer to a bad spec
  }
}

// The integer the spec gives for `key`, when it is a plain integer.
std::optional<std::int64_t> given(const spec::Spec& s, const std::string& key) {
  for (const auto& [k, v] : s.args)
    if (k == key && v.kind == spec::Value::Kind::scalar) return spec::to_int(v.text);
  return std::nullopt;
}

void optimizer(const spec::Spec& s) {
  const optim::Optimizer o = optim::optimizer_from_spec(s);
  const std::string text = optim::to_spec_string(o);
  const optim::Optimizer again = optim::optimizer_from_spec(spec::parse(text));
  if (optim::to_spec_string(again) != text) fuzz::fail("optimizer text does not rebuild: " + text);
}

void schedule(const spec::Spec& s) {
  const sched::Schedule sc = sched::schedule_from_spec(s, 0.1);
  const std::string text = sched::to_spec_string(sc);
  const sched::Schedule again = sched::schedule_from_spec(spec::parse(text), 0.1);
  if (sched::to_spec_string(again) != text) fuzz::fail("schedule text does not rebuild: " + text);
  auto check = [&](std::int64_t step) {
    const double lr = sched::lr_at(sc, step);
    if (lr < 0)
      fuzz::fail("schedule " + text + " gives lr " + std::to_string(lr) + " at step " +
                 std::to_string(step));
  };
  for (std::int64_t t = 0; t < 64; ++t) check(t);
  for (const std::int64_t t : {std::int64_t{1000}, std::int64_t{1} << 20, std::int64_t{1} << 31,
                               std::int64_t{1} << 40})
    check(t);
}

void problem(const spec::Spec& s) {
  const problems::Problem p = problems::problem_from_spec(s);
  if (p.dim < 1) fuzz::fail("problem dim < 1");
  if (const auto dim = given(s, "dim"); dim && *dim != p.dim)
    fuzz::fail("problem dim " + std::to_string(*dim) + " built as " + std::to_string(p.dim));
}

void model(const spec::Spec& s) {
  const models::ModelConfig m = models::model_from_spec(s);
  for (const int w : m.widths)
    if (w < 1) fuzz::fail("model width < 1");
  if (const auto in = given(s, "in"); in && !m.widths.empty() && *in != m.widths.front())
    fuzz::fail("model input width " + std::to_string(*in) + " built as " +
               std::to_string(m.widths.front()));
  for (const auto& [k, v] : s.args) {
    if (k != "widths" || v.kind != spec::Value::Kind::list || v.items.size() != m.widths.size())
      continue;
    for (std::size_t i = 0; i < v.items.size(); ++i) {
      const auto w = v.items[i].kind == spec::Value::Kind::scalar ? spec::to_int(v.items[i].text)
                                                                   : std::nullopt;
      if (w && *w != m.widths[i])
        fuzz::fail("model width " + std::to_string(*w) + " built as " + std::to_string(m.widths[i]));
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
    return 0;
  }
  build([&] { optimizer(s); });
  build([&] { schedule(s); });
  build([&] { problem(s); });
  build([&] { model(s); });
  build([&] { models::init_from_spec(s); });
  return 0;
}
