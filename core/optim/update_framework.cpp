// The kernels of framework_optimizers.hpp (PyTorch 1.13 RAdam, Rprop, ASGD;
// Keras 3 Lion, LAMB, Adafactor, FTRL).  Formulas and op order: that header;
// arithmetic rules: optim.hpp.  Same shape as update.cpp's kernels: scalars
// in double, cast to T once, one fused OpenMP pass -- except LAMB and
// Adafactor, whose per-tensor norms and means need a reduction pass first
// (fixed-order sums, kernel.hpp) and recompute, rather than store, the update
// in the pass that applies it.
#include <array>
#include <cmath>
#include <cstdint>

#include "core/optim/kernel.hpp"
#include "core/optim/optim.hpp"

namespace lrb::optim::detail {

namespace {

// Signs written with equality tests only: an ordered test (<, >) inside a
// select keeps GCC from vectorizing under -ftrapping-math (it signals on NaN).
// torch.sign: 0 for +-0 and for NaN.
template <class T>
inline T torch_sign(T x) {
  T s = std::copysign(T(1), x);
  s = x == T(0) ? T(0) : s;
  return x != x ? T(0) : s;
}

// Keras' optimizer-wide decoupled weight decay, first (optim.hpp).
template <bool On, class T>
inline T keras_decay(T p, T wd, T lr) {
  if constexpr (On) return p - (p * wd) * lr;
  else return p;
}

}  // namespace

// ---------------------------------------------------------------------------
// PyTorch 1.13

template <class T>
void radam(const Pass<T>& ps, const Optimizer& opt, const RadamHyper& h, double lr, double b1,
           int64_t t) {
  (void)opt;
  T* p = ps.p;
  T* m = ps.slot(0);
  T* v = ps.slot(1);
  const double b2 = h.beta2, ts = static_cast<double>(t);
  const double bc1 = 1 - std::pow(b1, ts), bc2 = 1 - std::pow(b2, ts);
  const double rho_inf = 2 / (1 - b2) - 1;
  const double rho_t = rho_inf - 2 * ts * std::pow(b2, ts) / bc2;
  const T b1T = c<T>(b1), omb1 = c<T>(1.0 - b1), b2T = c<T>(b2), omb2 = c<T>(1.0 - b2),
          wdT = c<T>(h.weight_decay), bc1T = c<T>(bc1), lrT = c<T>(lr), eps = c<T>(h.eps);
  const bool rectified = rho_t > 5.;
  // Both in double as math.sqrt gets them; unused outside the rectified branch.
  const double rect =
      rectified ? std::sqrt((rho_t - 4) * (rho_t - 2) * rho_inf /
                            ((rho_inf - 4) * (rho_inf - 2) * rho_t))
                : 0.0;
  const T rectT = c<T>(rect), bc2s = c<T>(std::sqrt(bc2));
  dispatch(
      [&](auto WD, auto RECT) {
        run(ps, [=](size_t i, T g) {
          T d = g;
          if constexpr (ON(WD)) d = fmadd(wdT, p[i], d);
          const T mi = fmadd(omb1, d, m[i] * b1T);
          const T vi = fmadd(omb2 * d, d, v[i] * b2T);
          m[i] = mi;
          v[i] = vi;
          const T mhat = mi / bc1T;
          if constexpr (ON(RECT)) {
            const T a = (T(1) / (std::sqrt(vi) + eps)) * bc2s;
            p[i] = p[i] - ((mhat * lrT) * a) * rectT;
          } else {
            p[i] = p[i] - mhat * lrT;
          }
        });
      },
      h.weight_decay != 0, rectified);
}

template <class T>
void rprop(const Pass<T>& ps, const Optimizer& opt, const RpropHyper& h, double lr, int64_t t) {
  (void)opt;
  T* p = ps.p;
  T* prev = ps.slot(0);
  T* delta = ps.slot(1);
  const T etap = c<T>(h.eta_plus), etam = c<T>(h.eta_minus), lo = c<T>(h.step_min),
          hi = c<T>(h.step_max), lr0 = c<T>(lr), sgn = h.maximize ? T(-1) : T(1);
  dispatch(
      [&](auto FIRST) {
        run(ps, [=](size_t i, T g) {
          const T d = g * sgn;
          T pv, dl;
          if constexpr (ON(FIRST)) {  // state initialisation: prev = 0, delta = lr
            pv = T(0);
            dl = lr0;
          } else {
            pv = prev[i];
            dl = delta[i];
          }
          const T sg = torch_sign(d * pv);
          T f = T(1);  // 0 and NaN: 1.  Flat selects, not nested ones: they vectorize.
          f = sg == T(1) ? etap : f;
          f = sg == T(-1) ? etam : f;
          dl = nanmin(nanmax(dl * f, lo), hi);
          const T dd = f == etam ? T(0) : d;
          p[i] = fmadd(-torch_sign(dd), dl, p[i]);
          prev[i] = dd;
          delta[i] = dl;
        });
      },
      t == 1);
}

template <class T>
void asgd(const Pass<T>& ps, OptimizerState<T>& st, const Optimizer& opt, const AsgdHyper& h,
          double lr, int64_t t) {
  (void)opt;
  if (t == 1) {  // torch.tensor(lr), torch.tensor(1.): float32
    st.asgd_eta = static_cast<double>(static_cast<float>(lr));
    st.asgd_mu = 1.0;
  }
  T* p = ps.p;
  T* ax = ps.slot(0);
  const double eta = st.asgd_eta;
  const T decay = c<T>(1 - h.lambd * eta), neta = c<T>(-eta), muT = c<T>(st.asgd_mu),
          wdT = c<T>(h.weight_decay), sgn = h.maximize ? T(-1) : T(1);
  dispatch(
      [&](auto WD, auto AVERAGE) {
        run(ps, [=](size_t i, T g) {
          T d = g * sgn;
          if constexpr (ON(WD)) d = fmadd(wdT, p[i], d);
          T pi = p[i] * decay;
          pi = fmadd(neta, d, pi);
          p[i] = pi;
          if constexpr (ON(AVERAGE)) ax[i] = ax[i] + (pi - ax[i]) * muT;
          else ax[i] = pi;
        });
      },
      h.weight_decay != 0, st.asgd_mu != 1);
  const double ts = static_cast<double>(t);
  st.asgd_eta =
      static_cast<double>(static_cast<float>(lr / std::pow(1 + h.lambd * lr * ts, h.alpha)));
  st.asgd_mu = static_cast<double>(static_cast<float>(1 / std::max(1.0, ts - h.t0)));
}

// ---------------------------------------------------------------------------
// Keras 3

template <class T>
void lion(const Pass<T>& ps, const Optimizer& opt, const LionHyper& h, double lr, double b1) {
  T* p = ps.p;
  T* m = ps.slot(0);
  const T lrT = c<T>(lr), kwd = c<T>(opt.keras_weight_decay), one = 1;
  const T b1T = c<T>(b1), omb1 = one - b1T, b2T = c<T>(h.beta2), omb2 = one - b2T;
  dispatch(
      [&](auto KWD) {
        run(ps, [=](size_t i, T g) {
          const T pi = keras_decay<ON(KWD)>(p[i], kwd, lrT);
          const T ci = m[i] * b1T + g * omb1;
          p[i] = pi - lrT * numpy_sign(ci);
          m[i] = m[i] * b2T + g * omb2;
        });
      },
      keras_wd(opt));
}

template <class T>
void lamb(const Pass<T>& ps, const Optimizer& opt, const LambHyper& h, double lr, double b1,
          int64_t t) {
  T* p = ps.p;
  T* m = ps.slot(0);
  T* v = ps.slot(1);
  const T* gp = ps.g;
  const T lrT = c<T>(lr), kwd = c<T>(opt.keras_weight_decay), tT = c<T>(static_cast<double>(t));
  const T b1p = std::pow(c<T>(b1), tT), b2p = std::pow(c<T>(h.beta2), tT);
  const T omb1 = c<T>(1.0 - b1), omb2 = c<T>(1.0 - h.beta2), eps = c<T>(h.eps);
  const T k1 = T(1) - b1p, k2 = T(1) - b2p;
  for (size_t k = 0; k < tensor_count(ps.offsets); ++k) {
    const size_t b = tensor_begin(ps.offsets, k), e = tensor_end(ps.offsets, k, ps.n);
    const Xform<T> x = tensor_xform(ps, b, e);
    dispatch(
        [&](auto KWD, auto XF) {
          // Pass 1: moments, and the sums of p^2 (after the decay) and u^2.
          auto u_of = [=](size_t i) { return (m[i] / k1) / (std::sqrt(v[i] / k2) + eps); };
          const auto ss = chunked_sums<2, true, T>(
              e - b,
              [=](size_t i0) {
                const size_t i = b + i0;
                const T g = apply_xform<ON(XF)>(gp[i], x);
                m[i] = m[i] + (g - m[i]) * omb1;
                v[i] = v[i] + (g * g - v[i]) * omb2;
              },
              [=](size_t i0) {
                const size_t i = b + i0;
                return std::array<T, 2>{keras_decay<ON(KWD)>(p[i], kwd, lrT), u_of(i)};
              });
          const T w = std::sqrt(ss[0]), u = std::sqrt(ss[1]);
          const T ratio = w > T(0) ? (u > T(0) ? w / u : T(1)) : T(1);
          const T step = ratio * lrT;
          // Pass 2: the same u again from the stored moments, same bits.
          each(b, e, e - b >= kParallelMin, [=](size_t i) {
            p[i] = keras_decay<ON(KWD)>(p[i], kwd, lrT) - step * u_of(i);
          });
        },
        keras_wd(opt), x.on);
  }
}

template <class T>
void adafactor(const Pass<T>& ps, const Optimizer& opt, const AdafactorHyper& h, double lr,
               int64_t t, std::span<const FactorDims> dims) {
  T* p = ps.p;
  T* st = ps.arena;
  const T* gp = ps.g;
  const T one = 1, lrT = c<T>(lr), kwd = c<T>(opt.keras_weight_decay),
          tT = c<T>(static_cast<double>(t));
  const T inv_sqrt_t = one / std::sqrt(tT);
  const T lr2 = h.relative_step ? nanmin(lrT, inv_sqrt_t) : lrT;
  const T rho = nanmin(lr2, inv_sqrt_t);
  const T eps1 = c<T>(h.epsilon_1), eps2 = c<T>(h.epsilon_2), clip = c<T>(h.clip_threshold);
  const T bh = one - std::pow(tT, c<T>(h.beta_2_decay)), ombh = one - bh;

  adafactor_layout(ps.n, ps.offsets, dims, [&](size_t, size_t b, size_t e, size_t B, size_t R,
                                                size_t C, size_t off) {
    const size_t size = e - b;
    const T sizeT = c<T>(static_cast<double>(size));
    const Xform<T> x = tensor_xform(ps, b, e);
    const bool par = size >= kParallelMin;
    dispatch(
        [&](auto KWD, auto XF) {
          if (R == 0) {
            // Unfactored: v (size) at off.  Pass 1: v, sums of p^2 and u^2.
            T* v = st + off;
            const auto ss = chunked_sums<2, true, T>(
                size,
                [=](size_t i) {
                  const T g = apply_xform<ON(XF)>(gp[b + i], x);
                  v[i] = bh * v[i] + ombh * (g * g + eps1);
                },
                [=](size_t i) {
                  return std::array<T, 2>{keras_decay<ON(KWD)>(p[b + i], kwd, lrT),
                                          apply_xform<ON(XF)>(gp[b + i], x) / std::sqrt(v[i])};
                });
            const T alpha = nanmax(eps2, std::sqrt(ss[0] / sizeT)) * rho;
            const T den = nanmax(one, std::sqrt(ss[1] / sizeT) / clip);
            each(0, size, par, [=](size_t i) {
              const T g = apply_xform<ON(XF)>(gp[b + i], x);
              const T u = g / std::sqrt(v[i]);
              p[b + i] = keras_decay<ON(KWD)>(p[b + i], kwd, lrT) - alpha * (u / den);
            });
            return;
          }
          // Factored (B, R, C): r (B*R), c (B*C), mean_i r (B) at off.
          T* r = st + off;
          T* cc = r + B * R;
          T* rmean = cc + B * C;
          const T RT = c<T>(static_cast<double>(R)), CT = c<T>(static_cast<double>(C));
          auto G = [=](size_t i) {
            const T g = apply_xform<ON(XF)>(gp[i], x);
            return g * g + eps1;
          };
          // Row means of G -> r: each row summed in lane order.
          each(0, B * R, par, [=](size_t row) {
            const size_t base = b + row * C;
            T s;
            lane_sums<1, false, T>(C, [=](size_t j) { return std::array<T, 1>{G(base + j)}; },
                                   &s);
            r[row] = bh * r[row] + ombh * (s / CT);
          });
          // Column means of G -> c: each column summed left to right over the rows,
          // kColBlock columns at a time (vectorized across columns).
          constexpr size_t kColBlock = 256;
          const size_t blocks = (C + kColBlock - 1) / kColBlock;
          each(0, B * blocks, par, [=](size_t task) {
            const size_t bb = task / blocks, j0 = (task % blocks) * kColBlock;
            const size_t jn = std::min(kColBlock, C - j0);
            T acc[kColBlock];
            for (size_t j = 0; j < jn; ++j) acc[j] = 0;
            for (size_t i = 0; i < R; ++i) {
              const size_t row0 = b + (bb * R + i) * C + j0;
              for (size_t j = 0; j < jn; ++j) acc[j] = acc[j] + G(row0 + j);
            }
            T* cb = cc + bb * C + j0;
            for (size_t j = 0; j < jn; ++j) cb[j] = bh * cb[j] + ombh * (acc[j] / RT);
          });
          for (size_t bb = 0; bb < B; ++bb) {  // mean_i r[bb, i], left to right
            T s = 0;
            for (size_t i = 0; i < R; ++i) s = s + r[bb * R + i];
            rmean[bb] = s / RT;
          }
          // u[b,i,j] = g / sqrt((r[b,i] / rmean[b]) * c[b,j]), row by row.  The sums
          // of p^2 and u^2 go row by row too (row_sums): a row's r factor is fixed.
          const auto ss = row_sums<2, true, T>(B * R, C, par, [=](size_t row) {
            const T rf = r[row] / rmean[row / R];
            const T* crow = cc + (row / R) * C;
            const size_t base = b + row * C;
            return [=](size_t j) {
              const T u = apply_xform<ON(XF)>(gp[base + j], x) / std::sqrt(rf * crow[j]);
              return std::array<T, 2>{keras_decay<ON(KWD)>(p[base + j], kwd, lrT), u};
            };
          });
          const T alpha = nanmax(eps2, std::sqrt(ss[0] / sizeT)) * rho;
          const T den = nanmax(one, std::sqrt(ss[1] / sizeT) / clip);
          each(0, B * R, par, [=](size_t row) {
            const T rf = r[row] / rmean[row / R];
            const T* crow = cc + (row / R) * C;
            T* prow = p + b + row * C;
            const T* grow = gp + b + row * C;
            for (size_t j = 0; j < C; ++j) {
              const T u = apply_xform<ON(XF)>(grow[j], x) / std::sqrt(rf * crow[j]);
              prow[j] = keras_decay<ON(KWD)>(prow[j], kwd, lrT) - alpha * (u / den);
            }
          });
        },
        keras_wd(opt), x.on);
  });
}

template <class T>
void ftrl(const Pass<T>& ps, const Optimizer& opt, const FtrlHyper& h, double lr) {
  T* p = ps.p;
  T* n = ps.slot(0);
  T* z = ps.slot(1);
  const T lrT = c<T>(lr), kwd = c<T>(opt.keras_weight_decay);
  const T l2p = c<T>(h.l2) + c<T>(h.beta) / (T(2) * lrT);
  const T q2 = T(2) * l2p, shrink = c<T>(2 * h.l2_shrinkage), l1 = c<T>(h.l1),
          nl1 = c<T>(-h.l1), ex = c<T>(-h.learning_rate_power);
  // n^0.5 is sqrt(n): NumPy, XLA and ATen all rewrite power(x, 0.5) so.
  dispatch(
      [&](auto KWD, auto SQRT) {
        run(ps, [=](size_t i, T g) {
          auto pw = [=](T a) {
            if constexpr (ON(SQRT)) return std::sqrt(a);
            else return std::pow(a, ex);
          };
          const T pi = keras_decay<ON(KWD)>(p[i], kwd, lrT);
          const T gs = g + shrink * pi;
          const T ni = n[i], nn = ni + g * g;
          const T pn = pw(nn);
          const T zi = z[i] + (gs - ((pn - pw(ni)) / lrT) * pi);
          const T q = pn / lrT + q2;
          p[i] = (nanmin(nanmax(zi, nl1), l1) - zi) / q;
          z[i] = zi;
          n[i] = nn;
        });
      },
      keras_wd(opt), h.learning_rate_power == -0.5);
}

#define LRB_INSTANTIATE(T)                                                                   \
  template void radam<T>(const Pass<T>&, const Optimizer&, const RadamHyper&, double, double, \
                         int64_t);                                                           \
  template void rprop<T>(const Pass<T>&, const Optimizer&, const RpropHyper&, double,        \
                         int64_t);                                                           \
  template void asgd<T>(const Pass<T>&, OptimizerState<T>&, const Optimizer&,                \
                        const AsgdHyper&, double, int64_t);                                  \
  template void lion<T>(const Pass<T>&, const Optimizer&, const LionHyper&, double, double); \
  template void lamb<T>(const Pass<T>&, const Optimizer&, const LambHyper&, double, double,  \
                        int64_t);                                                            \
  template void adafactor<T>(const Pass<T>&, const Optimizer&, const AdafactorHyper&, double, \
                             int64_t, std::span<const FactorDims>);                          \
  template void ftrl<T>(const Pass<T>&, const Optimizer&, const FtrlHyper&, double);
LRB_INSTANTIATE(float)
LRB_INSTANTIATE(double)
#undef LRB_INSTANTIATE
#undef ON

}  // namespace lrb::optim::detail
