// The update kernels.  Formulas, op order and conventions: optim.hpp.
//
// Shape of every kernel: scalars in double -> cast to T once -> one fused
// OpenMP pass over the elements that reads p, g and the state slots once and
// writes p and the slots once.  Gradient clipping is folded into that pass as
// a per-element transform of g (after at most one read-only norm pass), so
// nothing is allocated and g is never written.
#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "core/optim/kernel.hpp"
#include "core/optim/kernel_lr_free.hpp"
#include "core/optim/optim.hpp"

namespace lrb::optim {
namespace {

using namespace detail;

template <class T>
void gd(const Pass<T>& ps, const Optimizer& opt, double lr) {
  const Common<T> k = common(ps, opt, lr, false);
  T* p = ps.p;
  if (opt.convention == Convention::pytorch) {
    const T nlr = c<T>(-lr);
    run(ps, [=](size_t i, T g) { p[i] = fmadd(nlr, g, p[i]); });
  } else {
    dispatch(
        [&](auto KWD) {
          run(ps, [=](size_t i, T g) {
            T pi = p[i];
            if constexpr (ON(KWD)) pi = pi - (pi * k.kwd) * k.klr;
            p[i] = pi - g * k.klr;
          });
        },
        keras_wd(opt));
  }
}

template <class T>
void sgd(const Pass<T>& ps, OptimizerState<T>& st, const Optimizer& opt, const SgdHyper& h,
         double lr, double mu) {
  const Common<T> k = common(ps, opt, lr, h.maximize);
  T* p = ps.p;
  if (opt.convention == Convention::pytorch) {
    const T nlr = c<T>(-lr), wdT = c<T>(h.weight_decay), muT = c<T>(mu),
            omd = c<T>(1.0 - h.dampening), sgn = k.sgn;
    if (mu == 0) {  // PyTorch tests `momentum != 0` per step
      dispatch(
          [&](auto WD) {
            run(ps, [=](size_t i, T g) {
              T d = g * sgn;
              if constexpr (ON(WD)) d = fmadd(wdT, p[i], d);
              p[i] = fmadd(nlr, d, p[i]);
            });
          },
          h.weight_decay != 0);
      return;
    }
    T* buf = ps.slot(0);
    dispatch(
        [&](auto WD, auto NESTEROV, auto FIRST) {
          run(ps, [=](size_t i, T g) {
            T d = g * sgn;
            if constexpr (ON(WD)) d = fmadd(wdT, p[i], d);
            T b;
            if constexpr (ON(FIRST)) b = d;  // buf = clone(d): no dampening on step 1
            else b = fmadd(omd, d, buf[i] * muT);
            buf[i] = b;
            if constexpr (ON(NESTEROV)) d = fmadd(muT, b, d);
            else d = b;
            p[i] = fmadd(nlr, d, p[i]);
          });
        },
        h.weight_decay != 0, h.nesterov, !st.momentum_started);
    st.momentum_started = true;
  } else {
    const T muT = c<T>(mu), lrT = k.klr;
    if (state_slots(opt) == 0) {
      gd(ps, opt, lr);
      return;
    }
    T* m = ps.slot(0);
    dispatch(
        [&](auto KWD, auto NESTEROV) {
          run(ps, [=](size_t i, T g) {
            T pi = p[i];
            if constexpr (ON(KWD)) pi = pi - (pi * k.kwd) * k.klr;
            const T mi = m[i] * muT - g * lrT;
            m[i] = mi;
            if constexpr (ON(NESTEROV)) p[i] = pi + (mi * muT - g * lrT);
            else p[i] = pi + mi;
          });
        },
        keras_wd(opt), h.nesterov);
  }
}

template <class T>
void ema_momentum(const Pass<T>& ps, const Optimizer& opt, double lr, double beta) {
  const Common<T> k = common(ps, opt, lr, false);
  T* p = ps.p;
  T* v = ps.slot(0);
  const T b = c<T>(beta), omb = c<T>(1.0 - beta), lrT = k.klr;
  dispatch(
      [&](auto KWD) {
        run(ps, [=](size_t i, T g) {
          T pi = p[i];
          if constexpr (ON(KWD)) pi = pi - (pi * k.kwd) * k.klr;
          const T vi = b * v[i] + omb * g;
          v[i] = vi;
          p[i] = pi - lrT * vi;
        });
      },
      keras_wd(opt));
}

template <class T>
void rmsprop(const Pass<T>& ps, const Optimizer& opt, const RmspropHyper& h, double lr,
             double mu) {
  const Common<T> k = common(ps, opt, lr, h.maximize);
  T* p = ps.p;
  T* v = ps.slot(0);
  const bool has_mom = h.momentum > 0;  // slot layout: v, [b], [a] (make_state)
  T* buf = has_mom ? ps.slot(1) : nullptr;
  T* avg = h.centered ? ps.slot(has_mom ? 2 : 1) : nullptr;
  const T a = c<T>(h.alpha), oma = c<T>(1.0 - h.alpha), eps = c<T>(h.eps), muT = c<T>(mu);
  if (opt.convention == Convention::pytorch) {
    const T nlr = c<T>(-lr), wdT = c<T>(h.weight_decay), sgn = k.sgn;
    // PyTorch tests `momentum > 0` per step (an override of 0 skips the buffer).
    dispatch(
        [&](auto WD, auto CENTERED, auto MOM) {
          run(ps, [=](size_t i, T g) {
            T d = g * sgn;
            if constexpr (ON(WD)) d = fmadd(wdT, p[i], d);
            const T vi = fmadd(oma * d, d, v[i] * a);
            v[i] = vi;
            T s;
            if constexpr (ON(CENTERED)) {
              const T ai = fmadd(oma, d, avg[i] * a);
              avg[i] = ai;
              s = std::sqrt(fmadd(-ai, ai, vi));
            } else {
              s = std::sqrt(vi);
            }
            s = s + eps;
            if constexpr (ON(MOM)) {
              const T bi = buf[i] * muT + d / s;
              buf[i] = bi;
              p[i] = fmadd(nlr, bi, p[i]);
            } else {
              p[i] = p[i] + (nlr * d) / s;
            }
          });
        },
        h.weight_decay != 0, h.centered, has_mom && mu > 0);
  } else {
    const T lrT = k.klr;
    dispatch(
        [&](auto KWD, auto CENTERED, auto MOM) {
          run(ps, [=](size_t i, T g) {
            T pi = p[i];
            if constexpr (ON(KWD)) pi = pi - (pi * k.kwd) * k.klr;
            const T vi = a * v[i] + oma * (g * g);
            v[i] = vi;
            T den;
            if constexpr (ON(CENTERED)) {
              const T ai = a * avg[i] + oma * g;
              avg[i] = ai;
              den = (vi - ai * ai) + eps;
            } else {
              den = vi + eps;
            }
            const T inc = (lrT * g) / std::sqrt(den);
            if constexpr (ON(MOM)) {
              const T bi = muT * buf[i] + inc;
              buf[i] = bi;
              p[i] = pi - bi;
            } else {
              p[i] = pi - inc;
            }
          });
        },
        keras_wd(opt), h.centered, has_mom);
  }
}

template <class T>
void rmsprop_tutorial001(const Pass<T>& ps, const Optimizer& opt,
                         const RmspropTutorial001Hyper& h, double lr) {
  const Common<T> k = common(ps, opt, lr, false);
  T* p = ps.p;
  T* v = ps.slot(0);
  const T r = c<T>(h.rho), omr = c<T>(1.0 - h.rho), eps = c<T>(h.eps), lrT = k.klr;
  dispatch(
      [&](auto KWD) {
        run(ps, [=](size_t i, T g) {
          T pi = p[i];
          if constexpr (ON(KWD)) pi = pi - (pi * k.kwd) * k.klr;
          const T vi = r * v[i] + omr * (g * g);
          v[i] = vi;
          p[i] = pi - lrT / std::sqrt(vi + eps);
        });
      },
      keras_wd(opt));
}

template <class T>
void adagrad(const Pass<T>& ps, const Optimizer& opt, const AdagradHyper& h, double lr,
             int64_t t) {
  const Common<T> k = common(ps, opt, lr, h.maximize);
  T* p = ps.p;
  T* S = ps.slot(0);
  const T eps = c<T>(h.eps);
  if (opt.convention == Convention::pytorch) {
    const double clr = lr / (1 + static_cast<double>(t - 1) * h.lr_decay);
    const T nclr = c<T>(-clr), wdT = c<T>(h.weight_decay), sgn = k.sgn;
    dispatch(
        [&](auto WD) {
          run(ps, [=](size_t i, T g) {
            T d = g * sgn;
            if constexpr (ON(WD)) d = fmadd(wdT, p[i], d);
            const T s = fmadd(d, d, S[i]);
            S[i] = s;
            p[i] = p[i] + (nclr * d) / (std::sqrt(s) + eps);
          });
        },
        h.weight_decay != 0);
  } else {
    const T lrT = k.klr;
    dispatch(
        [&](auto KWD) {
          run(ps, [=](size_t i, T g) {
            T pi = p[i];
            if constexpr (ON(KWD)) pi = pi - (pi * k.kwd) * k.klr;
            const T s = S[i] + g * g;
            S[i] = s;
            p[i] = pi - (lrT * g) / std::sqrt(s + eps);
          });
        },
        keras_wd(opt));
  }
}

template <class T>
void adam(const Pass<T>& ps, const Optimizer& opt, const AdamHyper& h, double lr, double b1,
          int64_t t) {
  const Common<T> k = common(ps, opt, lr, h.maximize);
  T* p = ps.p;
  T* m = ps.slot(0);
  T* v = ps.slot(1);
  T* vmax = h.amsgrad ? ps.slot(2) : nullptr;
  const double b2 = h.beta2;
  const T eps = c<T>(h.eps), omb1 = c<T>(1.0 - b1), omb2 = c<T>(1.0 - b2);
  if (opt.convention == Convention::pytorch) {
    const double ts = static_cast<double>(t);
    const double bc1 = 1 - std::pow(b1, ts), bc2 = 1 - std::pow(b2, ts);
    const double step_size = lr / bc1;
    // AdamW's p *= 1 - lr*wd runs for every AdamW step (wd = 0: times 1, exact).
    const T nstep = c<T>(-step_size), bc2s = c<T>(std::sqrt(bc2)), b1T = c<T>(b1),
            b2T = c<T>(b2), wdT = c<T>(h.weight_decay),
            decay = c<T>(1.0 - lr * h.decoupled_weight_decay), sgn = k.sgn;
    dispatch(
        [&](auto WD, auto DECOUPLED, auto AMS) {
          run(ps, [=](size_t i, T g) {
            T d = g * sgn;
            T pi = p[i];
            if constexpr (ON(DECOUPLED)) pi = pi * decay;
            if constexpr (ON(WD)) d = fmadd(wdT, pi, d);
            const T mi = fmadd(omb1, d, m[i] * b1T);
            const T vi = fmadd(omb2 * d, d, v[i] * b2T);
            m[i] = mi;
            v[i] = vi;
            T vv = vi;
            if constexpr (ON(AMS)) {
              vv = nanmax(vmax[i], vi);
              vmax[i] = vv;
            }
            const T den = std::sqrt(vv) / bc2s + eps;
            p[i] = pi + (nstep * mi) / den;
          });
        },
        h.weight_decay != 0, h.decoupled_weight_decay != 0, h.amsgrad);
  } else {
    const T lrT = k.klr, tT = c<T>(static_cast<double>(t));
    const T b1p = std::pow(c<T>(b1), tT), b2p = std::pow(c<T>(b2), tT);
    const T alpha = lrT * std::sqrt(T(1) - b2p) / (T(1) - b1p);
    dispatch(
        [&](auto KWD, auto AMS) {
          run(ps, [=](size_t i, T g) {
            T pi = p[i];
            if constexpr (ON(KWD)) pi = pi - (pi * k.kwd) * k.klr;
            const T mi = m[i] + (g - m[i]) * omb1;
            const T vi = v[i] + (g * g - v[i]) * omb2;
            m[i] = mi;
            v[i] = vi;
            T vv = vi;
            if constexpr (ON(AMS)) {
              vv = nanmax(vmax[i], vi);
              vmax[i] = vv;
            }
            p[i] = pi - (mi * alpha) / (std::sqrt(vv) + eps);
          });
        },
        keras_wd(opt), h.amsgrad);
  }
}

template <class T>
void nadam(const Pass<T>& ps, OptimizerState<T>& st, const Optimizer& opt, const NadamHyper& h,
           double lr, double b1, int64_t t) {
  const Common<T> k = common(ps, opt, lr, false);
  T* p = ps.p;
  T* m = ps.slot(0);
  T* v = ps.slot(1);
  const double b2 = h.beta2;
  const T eps = c<T>(h.eps);
  if (opt.convention == Convention::pytorch) {
    const double ts = static_cast<double>(t);
    const double bc2 = 1 - std::pow(b2, ts);
    const double mu = b1 * (1. - 0.5 * std::pow(0.96, ts * h.momentum_decay));
    const double mu_next = b1 * (1. - 0.5 * std::pow(0.96, (ts + 1) * h.momentum_decay));
    // mu_product is a float32 tensor in 1.13 whatever the parameter dtype.
    const float P = static_cast<float>(st.mu_product) * static_cast<float>(mu);
    const float Pn = (P * static_cast<float>(mu)) * static_cast<float>(mu_next);
    st.mu_product = P;
    const double c1 = -lr * (1. - mu) / (1. - static_cast<double>(P));
    const double c2 = -lr * mu_next / (1. - static_cast<double>(Pn));
    const T c1T = c<T>(c1), c2T = c<T>(c2), b1T = c<T>(b1), b2T = c<T>(b2),
            omb1 = c<T>(1.0 - b1), omb2 = c<T>(1.0 - b2), bc2T = c<T>(bc2),
            wdT = c<T>(h.weight_decay);
    dispatch(
        [&](auto WD) {
          run(ps, [=](size_t i, T g) {
            T d = g;
            if constexpr (ON(WD)) d = fmadd(wdT, p[i], d);
            const T mi = fmadd(omb1, d, m[i] * b1T);
            const T vi = fmadd(omb2 * d, d, v[i] * b2T);
            m[i] = mi;
            v[i] = vi;
            const T den = std::sqrt(vi / bc2T) + eps;
            const T pi = p[i] + (c1T * d) / den;
            p[i] = pi + (c2T * mi) / den;
          });
        },
        h.weight_decay != 0);
  } else {
    const T one = 1, half = c<T>(0.5), decay = c<T>(0.96), b1T = c<T>(b1), b2T = c<T>(b2);
    const T tT = c<T>(static_cast<double>(t)), t1T = c<T>(static_cast<double>(t + 1));
    // _backend_update_step: u_product <- u_product * beta_1 * (1 - 0.5 * 0.96^t), in T.
    const T U = (c<T>(st.mu_product) * b1T) * (one - half * std::pow(decay, tT));
    st.mu_product = static_cast<double>(U);
    const T u_t = b1T * (one - half * std::pow(decay, tT));
    const T u_t1 = b1T * (one - half * std::pow(decay, t1T));
    const T U1 = U * u_t1;
    const T b2p = std::pow(b2T, tT);
    const T lrT = k.klr, omb1 = one - b1T, omb2 = one - b2T;
    const T k_m = one - U1, k_g = one - u_t, k_gd = one - U, k_v = one - b2p;
    dispatch(
        [&](auto KWD) {
          run(ps, [=](size_t i, T g) {
            T pi = p[i];
            if constexpr (ON(KWD)) pi = pi - (pi * k.kwd) * k.klr;
            const T mi = m[i] + (g - m[i]) * omb1;
            const T vi = v[i] + (g * g - v[i]) * omb2;
            m[i] = mi;
            v[i] = vi;
            const T mhat = (u_t1 * mi) / k_m + (k_g * g) / k_gd;
            const T vhat = vi / k_v;
            p[i] = pi - (mhat * lrT) / (std::sqrt(vhat) + eps);
          });
        },
        keras_wd(opt));
  }
}

template <class T>
void adamax(const Pass<T>& ps, const Optimizer& opt, const AdamaxHyper& h, double lr, double b1,
            int64_t t) {
  const Common<T> k = common(ps, opt, lr, h.maximize);
  T* p = ps.p;
  T* m = ps.slot(0);
  T* u = ps.slot(1);
  const double b2 = h.beta2;
  const T eps = c<T>(h.eps), omb1 = c<T>(1.0 - b1), b2T = c<T>(b2);
  if (opt.convention == Convention::pytorch) {
    const double clr = lr / (1 - std::pow(b1, static_cast<double>(t)));
    const T nclr = c<T>(-clr), b1T = c<T>(b1), wdT = c<T>(h.weight_decay), sgn = k.sgn;
    dispatch(
        [&](auto WD) {
          run(ps, [=](size_t i, T g) {
            T d = g * sgn;
            if constexpr (ON(WD)) d = fmadd(wdT, p[i], d);
            const T mi = fmadd(omb1, d, m[i] * b1T);
            const T ui = nanmax(u[i] * b2T, std::abs(d) + eps);
            m[i] = mi;
            u[i] = ui;
            p[i] = p[i] + (nclr * mi) / ui;
          });
        },
        h.weight_decay != 0);
  } else {
    const T lrT = k.klr;
    const T kb = T(1) - std::pow(c<T>(b1), c<T>(static_cast<double>(t)));
    dispatch(
        [&](auto KWD) {
          run(ps, [=](size_t i, T g) {
            T pi = p[i];
            if constexpr (ON(KWD)) pi = pi - (pi * k.kwd) * k.klr;
            const T mi = m[i] + (g - m[i]) * omb1;
            const T ui = nanmax(b2T * u[i], std::abs(g));
            m[i] = mi;
            u[i] = ui;
            p[i] = pi - (lrT * mi) / (kb * (ui + eps));
          });
        },
        keras_wd(opt));
  }
}

template <class T>
void adadelta(const Pass<T>& ps, const Optimizer& opt, const AdadeltaHyper& h, double lr) {
  const Common<T> k = common(ps, opt, lr, h.maximize);
  T* p = ps.p;
  T* s = ps.slot(0);
  T* a = ps.slot(1);
  const T r = c<T>(h.rho), omr = c<T>(1.0 - h.rho), eps = c<T>(h.eps);
  if (opt.convention == Convention::pytorch) {
    const T nlr = c<T>(-lr), wdT = c<T>(h.weight_decay), sgn = k.sgn;
    dispatch(
        [&](auto WD) {
          run(ps, [=](size_t i, T g) {
            T d = g * sgn;
            if constexpr (ON(WD)) d = fmadd(wdT, p[i], d);
            const T si = fmadd(omr * d, d, s[i] * r);
            s[i] = si;
            const T delta = (std::sqrt(a[i] + eps) / std::sqrt(si + eps)) * d;
            a[i] = fmadd(omr * delta, delta, a[i] * r);
            p[i] = fmadd(nlr, delta, p[i]);
          });
        },
        h.weight_decay != 0);
  } else {
    const T lrT = k.klr;
    dispatch(
        [&](auto KWD) {
          run(ps, [=](size_t i, T g) {
            T pi = p[i];
            if constexpr (ON(KWD)) pi = pi - (pi * k.kwd) * k.klr;
            const T si = r * s[i] + omr * (g * g);
            s[i] = si;
            const T delta = -((std::sqrt(a[i] + eps) * g) / std::sqrt(si + eps));
            a[i] = r * a[i] + omr * (delta * delta);
            p[i] = pi + lrT * delta;
          });
        },
        keras_wd(opt));
  }
}

template <class T>
void adam_tutorial000(const Pass<T>& ps, const Optimizer& opt, const AdamTutorial000Hyper& h,
                      double lr, double b1) {
  const Common<T> k = common(ps, opt, lr, false);
  T* p = ps.p;
  T* m = ps.slot(0);
  T* v = ps.slot(1);
  const T b1T = c<T>(b1), omb1 = c<T>(1.0 - b1), b2T = c<T>(h.beta2),
          omb2 = c<T>(1.0 - h.beta2), eps = c<T>(h.eps), lrT = k.klr;
  dispatch(
      [&](auto KWD) {
        run(ps, [=](size_t i, T g) {
          T pi = p[i];
          if constexpr (ON(KWD)) pi = pi - (pi * k.kwd) * k.klr;
          const T mi = b1T * m[i] + omb1 * g;
          const T vi = b2T * v[i] + omb2 * (g * g);
          m[i] = mi;
          v[i] = vi;
          p[i] = pi - (lrT * mi) / (std::sqrt(vi) + eps);
        });
      },
      keras_wd(opt));
}

#undef ON

[[noreturn]] void bad(const Optimizer& opt, const std::string& what) {
  throw std::invalid_argument("optim::update(" + opt.name + "): " + what);
}

}  // namespace

template <class T>
void update(std::span<T> params, std::span<const T> grads, OptimizerState<T>& state,
            const Optimizer& opt, double lr, std::optional<double> momentum,
            std::span<const size_t> tensor_offsets, std::span<const FactorDims> factor_dims) {
  const size_t n = params.size();
  if (grads.size() != n || state.n != n)
    bad(opt, "params, grads and state sizes differ (" + std::to_string(n) + ", " +
                 std::to_string(grads.size()) + ", " + std::to_string(state.n) + ")");
  if (!tensor_offsets.empty()) {
    if (tensor_offsets[0] != 0) bad(opt, "tensor_offsets must start at 0");
    for (size_t k = 1; k < tensor_offsets.size(); ++k)
      if (tensor_offsets[k] <= tensor_offsets[k - 1] || tensor_offsets[k] >= n)
        bad(opt, "tensor_offsets must be strictly increasing and < n");
  }
  size_t want = 0;
  try {
    want = state_size(opt, n, tensor_offsets, factor_dims);
  } catch (const std::invalid_argument& e) {
    bad(opt, e.what());
  }
  if (state.arena.size() != want ||
      (std::holds_alternative<AdafactorHyper>(opt.hyper) &&
       state.layout != layout_fingerprint(tensor_offsets, factor_dims)))
    bad(opt, "state was not made for this optimizer and layout (make_state)");

  Pass<T> ps;
  ps.p = params.data();
  ps.g = grads.data();
  ps.arena = state.arena.data();
  ps.n = n;
  ps.offsets = tensor_offsets;
  prepare_clip(ps, opt);
  const int64_t t = state.step + 1;

  if (const auto* h = std::get_if<ChainHyper>(&opt.hyper)) {  // chain.hpp: the general path
    if (momentum) bad(opt, "a chain has no momentum or beta1 to override");
    chain_update(params, grads, state, *h, lr, tensor_offsets);
    state.step = t;
    return;
  }
  auto mom = [&](double configured, bool has_buffer) -> double {
    if (!momentum) return configured;
    if (!has_buffer) bad(opt, "a momentum override needs an optimizer built with momentum > 0");
    return *momentum;
  };

  std::visit(
      [&](const auto& h) {
        using H = std::decay_t<decltype(h)>;
        if constexpr (!std::is_same_v<H, SgdHyper> && !std::is_same_v<H, RmspropHyper> &&
                      !std::is_same_v<H, EmaMomentumHyper> && !std::is_same_v<H, AdamHyper> &&
                      !std::is_same_v<H, NadamHyper> && !std::is_same_v<H, AdamaxHyper> &&
                      !std::is_same_v<H, AdamTutorial000Hyper> &&
                      !std::is_same_v<H, DAdaptAdamHyper> && !std::is_same_v<H, ProdigyHyper> &&
                      !std::is_same_v<H, RadamHyper> && !std::is_same_v<H, LionHyper> &&
                      !std::is_same_v<H, LambHyper>) {
          if (momentum) bad(opt, "this optimizer has no momentum or beta1 to override");
        }
        if constexpr (std::is_same_v<H, GdHyper>) {
          gd(ps, opt, lr);
        } else if constexpr (std::is_same_v<H, SgdHyper>) {
          sgd(ps, state, opt, h, lr, mom(h.momentum, h.momentum != 0));
        } else if constexpr (std::is_same_v<H, EmaMomentumHyper>) {
          ema_momentum(ps, opt, lr, mom(h.beta, true));
        } else if constexpr (std::is_same_v<H, RmspropHyper>) {
          rmsprop(ps, opt, h, lr, mom(h.momentum, h.momentum > 0));
        } else if constexpr (std::is_same_v<H, RmspropTutorial001Hyper>) {
          rmsprop_tutorial001(ps, opt, h, lr);
        } else if constexpr (std::is_same_v<H, AdagradHyper>) {
          adagrad(ps, opt, h, lr, t);
        } else if constexpr (std::is_same_v<H, AdamHyper>) {
          adam(ps, opt, h, lr, mom(h.beta1, true), t);
        } else if constexpr (std::is_same_v<H, NadamHyper>) {
          nadam(ps, state, opt, h, lr, mom(h.beta1, true), t);
        } else if constexpr (std::is_same_v<H, AdamaxHyper>) {
          adamax(ps, opt, h, lr, mom(h.beta1, true), t);
        } else if constexpr (std::is_same_v<H, AdadeltaHyper>) {
          adadelta(ps, opt, h, lr);
        } else if constexpr (std::is_same_v<H, AdamTutorial000Hyper>) {
          adam_tutorial000(ps, opt, h, lr, mom(h.beta1, true));
        } else if constexpr (std::is_same_v<H, SgdScheduleFreeHyper>) {
          sgd_schedule_free(ps, state, h, lr);
        } else if constexpr (std::is_same_v<H, AdamwScheduleFreeHyper>) {
          adamw_schedule_free(ps, state, h, lr);
        } else if constexpr (std::is_same_v<H, DAdaptAdamHyper>) {
          d_adapt_adam(ps, state, h, lr, mom(h.beta1, true));
        } else if constexpr (std::is_same_v<H, DAdaptSgdHyper>) {
          d_adapt_sgd(ps, state, h, lr);
        } else if constexpr (std::is_same_v<H, ProdigyHyper>) {
          prodigy(ps, state, h, lr, mom(h.beta1, h.beta1 > 0));
        } else if constexpr (std::is_same_v<H, RadamHyper>) {  // update_framework.cpp
          radam(ps, opt, h, lr, mom(h.beta1, true), t);
        } else if constexpr (std::is_same_v<H, RpropHyper>) {
          rprop(ps, opt, h, lr, t);
        } else if constexpr (std::is_same_v<H, AsgdHyper>) {
          asgd(ps, state, opt, h, lr, t);
        } else if constexpr (std::is_same_v<H, LionHyper>) {
          lion(ps, opt, h, lr, mom(h.beta1, true));
        } else if constexpr (std::is_same_v<H, LambHyper>) {
          lamb(ps, opt, h, lr, mom(h.beta1, true), t);
        } else if constexpr (std::is_same_v<H, AdafactorHyper>) {
          adafactor(ps, opt, h, lr, t, factor_dims);
        } else if constexpr (std::is_same_v<H, FtrlHyper>) {
          ftrl(ps, opt, h, lr);
        }
      },
      opt.hyper);
  state.step = t;
}

template <class T>
std::span<const T> asgd_average(const OptimizerState<T>& state, const Optimizer& opt) {
  if (!std::holds_alternative<AsgdHyper>(opt.hyper))
    bad(opt, "asgd_average: only asgd keeps an average");
  return {state.arena.data(), state.n};
}

template void update<float>(std::span<float>, std::span<const float>, OptimizerState<float>&,
                            const Optimizer&, double, std::optional<double>,
                            std::span<const size_t>, std::span<const FactorDims>);
template void update<double>(std::span<double>, std::span<const double>,
                             OptimizerState<double>&, const Optimizer&, double,
                             std::optional<double>, std::span<const size_t>,
                             std::span<const FactorDims>);
template std::span<const float> asgd_average<float>(const OptimizerState<float>&,
                                                    const Optimizer&);
template std::span<const double> asgd_average<double>(const OptimizerState<double>&,
                                                      const Optimizer&);

}  // namespace lrb::optim
