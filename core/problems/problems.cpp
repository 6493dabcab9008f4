#include "core/problems/problems.hpp"

#include <cmath>

namespace lrb::problems {

std::string problem_name(Kind k) {
  switch (k) {
    case Kind::quadratic: return "quadratic";
    case Kind::rosenbrock: return "rosenbrock";
    case Kind::linreg002: return "linreg002";
  }
  return "?";
}

Problem problem_from_spec(const spec::Spec& s) {
  spec::ArgReader a(s);
  Problem p;
  if (s.name == "quadratic") {
    p.kind = Kind::quadratic;
    // Checked in int64 before narrowing: 4294967298 must not become 2.
    const int64_t dim = a.integer({"dim"}, 2);
    if (dim < 1 || dim > 100000000)
      throw spec::SpecError("quadratic: dim must be in [1, 1e8], got " + std::to_string(dim));
    p.dim = static_cast<int>(dim);
    p.cond = a.number({"cond"}, 10.0);
    if (!(p.cond >= 1.0) || !std::isfinite(p.cond))
      throw spec::SpecError("quadratic: cond must be a finite number >= 1, got " +
                            spec::to_string(s));
  } else if (s.name == "rosenbrock") {
    p.kind = Kind::rosenbrock;
    p.dim = 2;
  } else if (s.name == "linreg002") {
    p.kind = Kind::linreg002;
    p.dim = 1;
  } else {
    throw spec::SpecError("unknown problem '" + s.name +
                          "' (valid: quadratic, rosenbrock, linreg002)");
  }
  a.finish();
  return p;
}

std::vector<double> default_x0(const Problem& p) {
  if (p.kind == Kind::rosenbrock) return {-1.5, 2.0};
  return std::vector<double>(static_cast<size_t>(p.dim), 0.0);
}

double quadratic_coefficient(const Problem& p, int i) {
  if (p.dim == 1) return 1.0;
  return std::pow(p.cond, static_cast<double>(i) / static_cast<double>(p.dim - 1));
}

template <class T>
T loss_and_grad(const Problem& p, std::span<const T> x, std::span<T> grad) {
  switch (p.kind) {
    case Kind::quadratic: {
      T loss = 0;
      for (int i = 0; i < p.dim; ++i) {
        const T a = static_cast<T>(quadratic_coefficient(p, i));
        const T r = x[i] - T(1);
        grad[i] = a * r;
        loss += T(0.5) * a * r * r;
      }
      return loss;
    }
    case Kind::rosenbrock: {
      const T u = T(1) - x[0];
      const T w = x[1] - x[0] * x[0];
      grad[0] = T(-2) * u - T(400) * x[0] * w;
      grad[1] = T(200) * w;
      return u * u + T(100) * w * w;
    }
    case Kind::linreg002: {
      const T m = 4;
      T loss = 0, g = 0;
      for (int j = 1; j <= 4; ++j) {
        const T xj = static_cast<T>(j);
        const T r = xj * x[0] - T(2) * xj;
        loss += r * r;
        g += xj * r;
      }
      grad[0] = g / m;
      return loss / m;
    }
  }
  return T(0);
}

template float loss_and_grad<float>(const Problem&, std::span<const float>, std::span<float>);
template double loss_and_grad<double>(const Problem&, std::span<const double>, std::span<double>);

}  // namespace lrb::problems
