// The spec grammar: round trips, strict numbers, aliases, and the messages
// users see for malformed input.
#include <gtest/gtest.h>

#include <cmath>

#include "core/problems/problems.hpp"
#include "core/spec/spec.hpp"

using namespace lrb::spec;

TEST(Spec, ParsesNameOnly) {
  Spec s = parse("adam");
  EXPECT_EQ(s.name, "adam");
  EXPECT_TRUE(s.args.empty());
}

TEST(Spec, ParsesScalarsListsAndNestedSpecs) {
  Spec s = parse(
      "sequential_lr:schedulers=[linear_lr(start_factor=0.1,total_iters=10),"
      "exponential_lr(gamma=0.97)],milestones=[10]");
  ASSERT_EQ(s.args.size(), 2u);
  ArgReader a(s);
  auto subs = a.specs({"schedulers"});
  ASSERT_EQ(subs.size(), 2u);
  EXPECT_EQ(subs[0].name, "linear_lr");
  EXPECT_EQ(subs[1].name, "exponential_lr");
  EXPECT_EQ(a.integers({"milestones"}, {}), std::vector<int64_t>{10});
  a.finish();
  ArgReader b(subs[0]);
  EXPECT_DOUBLE_EQ(b.number({"start_factor"}, 0), 0.1);
  EXPECT_EQ(b.integer({"total_iters"}, 0), 10);
}

TEST(Spec, RoundTripsThroughText) {
  const char* texts[] = {
      "adam:lr=0.01,betas=[0.8,0.95],amsgrad=true,convention=keras",
      "sequential_lr:schedulers=[linear_lr(start_factor=0.1,total_iters=10),exponential_lr(gamma=0.97)],milestones=[10]",
      "chained_scheduler:schedulers=[a(),b(x=[1,2])]",
      "x:l=[]",
      "warmup:steps=5,then=cosine_decay(decay_steps=100)",
  };
  for (const char* t : texts) EXPECT_EQ(to_string(parse(t)), t) << t;
}

TEST(Spec, ToleratesWhitespace) {
  Spec s = parse(" adam : lr = 0.01 , betas = [ 0.8 , 0.95 ] ");
  ArgReader a(s);
  EXPECT_DOUBLE_EQ(a.number({"lr"}, 0), 0.01);
  EXPECT_EQ(a.numbers({"betas"}, {}), (std::vector<double>{0.8, 0.95}));
}

TEST(Spec, NumbersAreStrict) {
  EXPECT_EQ(to_double("1e-3"), 1e-3);
  EXPECT_EQ(to_double("+2"), 2.0);
  EXPECT_EQ(to_double("1/100"), 0.01);
  EXPECT_TRUE(std::isinf(*to_double("inf")));
  EXPECT_FALSE(to_double("1e-3x"));
  EXPECT_FALSE(to_double(""));
  EXPECT_FALSE(to_double("nan"));
  EXPECT_FALSE(to_double("1/0"));
  EXPECT_FALSE(to_double("0x10"));
  EXPECT_EQ(to_int("1e6"), 1000000);
  EXPECT_FALSE(to_int("1.5"));
  EXPECT_FALSE(to_int("12abc"));
  EXPECT_EQ(to_bool("true"), true);
  EXPECT_FALSE(to_bool("yes"));
}

TEST(Spec, KerasAliasesAreAccepted) {
  ArgReader a(parse("adam:learning_rate=0.5,epsilon=1e-7"));
  EXPECT_DOUBLE_EQ(a.number({"lr", "learning_rate"}, 0), 0.5);
  EXPECT_DOUBLE_EQ(a.number({"eps", "epsilon"}, 0), 1e-7);
  a.finish();
}

struct BadSpec {
  const char* text;
  const char* message;
};

TEST(Spec, MalformedSpecsNameTheProblem) {
  const BadSpec cases[] = {
      {"", "expected a name"},
      {"adam:", "expected a key"},
      {"adam:lr", "expected '='"},
      {"adam:lr=", "expected a value"},
      {"adam:lr=1,lr=2", "given twice"},
      {"adam:betas=[0.9,0.99", "missing ']'"},
      {"adam:lr=0.1 x", "expected ','"},
      {"s:l=[a(x=1]", "missing ')'"},
  };
  for (const auto& c : cases) {
    try {
      parse(c.text);
      ADD_FAILURE() << "accepted: " << c.text;
    } catch (const SpecError& e) {
      EXPECT_NE(std::string(e.what()).find(c.message), std::string::npos)
          << c.text << " -> " << e.what();
    }
  }
}

TEST(Spec, ReaderRejectsBadValuesAndUnknownKeys) {
  {
    ArgReader a(parse("adam:lr=1e-3x"));
    EXPECT_THROW(
        {
          try {
            a.number({"lr"}, 0);
          } catch (const SpecError& e) {
            EXPECT_STREQ(e.what(), "adam: lr must be a number, got '1e-3x'");
            throw;
          }
        },
        SpecError);
  }
  {
    ArgReader a(parse("adam:lr=0.1,foo=2"));
    a.number({"lr"}, 0);
    try {
      a.finish();
      ADD_FAILURE();
    } catch (const SpecError& e) {
      EXPECT_STREQ(e.what(), "adam: unknown parameter 'foo' (valid: lr)");
    }
  }
  {
    ArgReader a(parse("adam:lr=0.1,learning_rate=0.2"));
    EXPECT_THROW(a.number({"lr", "learning_rate"}, 0), SpecError);
  }
  {
    ArgReader a(parse("x:mode=sideways"));
    EXPECT_THROW(a.choice({"mode"}, "min", {"min", "max"}), SpecError);
  }
}

TEST(Problems, Tutorial002ConvergesToTwoAtIteration187) {
  // Tutorial 002: theta0 = 0, lr = 0.01, plain GD. Issue 3 pins the first
  // iteration with |theta - 2| < 1e-6 in float64 at 187.
  auto p = lrb::problems::problem_from_spec(parse("linreg002"));
  double theta = 0, g = 0;
  int first = -1;
  for (int t = 1; t <= 1000 && first < 0; ++t) {
    lrb::problems::loss_and_grad<double>(p, std::span<const double>(&theta, 1),
                                         std::span<double>(&g, 1));
    theta -= 0.01 * g;
    if (std::fabs(theta - 2.0) < 1e-6) first = t;
  }
  EXPECT_EQ(first, 187);
}

TEST(Problems, GradientsMatchFiniteDifferences) {
  for (const char* name : {"quadratic:dim=5,cond=100", "rosenbrock", "linreg002"}) {
    auto p = lrb::problems::problem_from_spec(parse(name));
    std::vector<double> x = lrb::problems::default_x0(p), g(x.size()), gh(x.size());
    for (size_t i = 0; i < x.size(); ++i) x[i] += 0.3 + 0.1 * static_cast<double>(i);
    lrb::problems::loss_and_grad<double>(p, x, g);
    for (size_t i = 0; i < x.size(); ++i) {
      const double h = 1e-6;
      auto xp = x, xm = x;
      xp[i] += h;
      xm[i] -= h;
      const double fd = (lrb::problems::loss_and_grad<double>(p, xp, gh) -
                         lrb::problems::loss_and_grad<double>(p, xm, gh)) / (2 * h);
      // linreg002's gradient is half the printed loss's derivative (tutorial's 1/2m).
      const double scale = p.kind == lrb::problems::Kind::linreg002 ? 0.5 : 1.0;
      EXPECT_NEAR(g[i], scale * fd, 1e-5 * std::max(1.0, std::fabs(g[i]))) << name << " i=" << i;
    }
  }
}

TEST(Problems, RejectsBadProblems) {
  EXPECT_THROW(lrb::problems::problem_from_spec(parse("quadratic:dim=0")), SpecError);
  EXPECT_THROW(lrb::problems::problem_from_spec(parse("quadratic:cond=0.5")), SpecError);
  EXPECT_THROW(lrb::problems::problem_from_spec(parse("rosenbrock:dim=3")), SpecError);
  EXPECT_THROW(lrb::problems::problem_from_spec(parse("sphere")), SpecError);
}

// ---------------------------------------------------------------------------
// Hostile input: bounded nesting, bounded and escaped messages, one sign.

std::string message_of(std::string_view text) {
  try {
    (void)parse(text);
  } catch (const SpecError& e) {
    return e.what();
  }
  ADD_FAILURE() << "accepted: " << quote(text);
  return "";
}

TEST(SpecHostile, NestingDeeperThanTheLimitIsAnErrorNotACrash) {
  // 40,000 '[' once overflowed the stack (SIGSEGV).
  const std::string msg = message_of("adam:lr=" + std::string(40000, '['));
  EXPECT_NE(msg.find("nested deeper than 64 levels"), std::string::npos) << msg;
  EXPECT_LT(msg.size(), 400u) << "the message quotes a window of the input, not all of it";
  // Nested specs count too: 3,000 levels of warmup(then=...) are one parse error.
  std::string deep = "warmup:steps=1,then=";
  for (int i = 0; i < 3000; ++i) deep += "warmup(steps=1,then=";
  deep += "constant" + std::string(3000, ')');
  EXPECT_NE(message_of(deep).find("nested deeper than 64 levels"), std::string::npos);
  // Exactly kMaxNesting levels parse and print back; one more does not.
  auto lists = [](int n) { return "x:v=" + std::string(n, '[') + std::string(n, ']'); };
  EXPECT_EQ(to_string(parse(lists(kMaxNesting))), lists(kMaxNesting));
  EXPECT_NE(message_of(lists(kMaxNesting + 1)).find("limit"), std::string::npos);
}

TEST(SpecHostile, MessagesQuoteAtMost200BytesWithControlBytesEscaped) {
  // A 100 KB spec with a bad character near the end.
  const std::string big = "adam:lr=0.1,x=" + std::string(100000, 'a') + " b";
  const std::string msg = message_of(big);
  EXPECT_LT(msg.size(), 400u) << msg.substr(0, 500);
  EXPECT_EQ(msg.rfind("bad spec '...aaaa", 0), 0u) << msg;  // a window that ends at the error
  EXPECT_NE(msg.find("aaaa b' at position " + std::to_string(big.size() - 1)), std::string::npos)
      << msg;
  // Terminal escapes and NUL come back as \xNN, never raw.
  const std::string ctl = std::string("adam:lr=1 \x1b[31m") + '\0' + "\x7f";
  const std::string m2 = message_of(ctl);
  for (char c : m2) EXPECT_TRUE(c >= 0x20 && c < 0x7f) << int(c) << " in " << m2;
  EXPECT_NE(m2.find("\\x1b"), std::string::npos) << m2;
  EXPECT_NE(m2.find("\\x00"), std::string::npos) << m2;
  // The value in a typed-access error is quoted the same way.
  try {
    ArgReader a(parse("adam:lr=[" + std::string(5000, '1') + "]"));
    (void)a.number({"lr"}, 0);
    ADD_FAILURE();
  } catch (const SpecError& e) {
    EXPECT_LT(std::string(e.what()).size(), 300u);
  }
  EXPECT_EQ(quote("ok"), "ok");
  EXPECT_EQ(quote(std::string(300, 'a'), 200, 150).size(), 206u);  // "..." + 200 + "..."
}

TEST(SpecHostile, OneSignOnly) {
  EXPECT_FALSE(to_double("+-0.1"));
  EXPECT_FALSE(to_double("++1"));
  EXPECT_FALSE(to_double("+"));
  EXPECT_FALSE(to_double("+-inf"));
  EXPECT_FALSE(to_int("+-1"));
  EXPECT_FALSE(to_int("++1"));
  EXPECT_EQ(to_double("-0.1"), -0.1);
  EXPECT_EQ(to_double("+0.1"), 0.1);
  EXPECT_EQ(to_int("+7"), 7);
  try {
    ArgReader a(parse("adam:lr=+-0.1"));
    (void)a.number({"lr"}, 0);
    ADD_FAILURE() << "+-0.1 accepted";
  } catch (const SpecError& e) {
    EXPECT_STREQ(e.what(), "adam: lr must be a number, got '+-0.1'");
  }
}
