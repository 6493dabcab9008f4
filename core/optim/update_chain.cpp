// The chain's kernel: one elementwise pass per transform over the scratch u
// (the first reads g instead), plus a read-only norm pass for the norm clips,
// then p += u.  Math: chain.hpp.  Scalars in double, rounded to T once, as
// the built-in kernels (optim.hpp, "Arithmetic").
#include <cmath>
#include <span>

#include "core/optim/chain.hpp"
#include "core/optim/kernel.hpp"
#include "core/optim/optim.hpp"

namespace lrb::optim::detail {
namespace {

// f(i, x) for every element, x = src[i]: loop() without a gradient transform
// (elementwise, so the thread count cannot change the bits).
template <class T, class F>
void each_of(const T* src, size_t n, const F& f) {
  loop<false>(src, 0, n, Xform<T>{}, f);
}

// sqrt(sum_squares) of the elements [b, e) of x.
template <class T>
T norm_of(const T* x, size_t b, size_t e) {
  return std::sqrt(sum_squares<false>(x + b, e - b));
}

// u = N < c ? x : (x / N) * T(c) over [b, e); NaN norms propagate (N < c is false).
template <class T>
void clip_to_norm(const T* x, T* u, size_t b, size_t e, T N, T cT) {
  if (N < cT) {
    if (x != u)
      for (size_t i = b; i < e; ++i) u[i] = x[i];
    return;
  }
  loop<false>(x, b, e, Xform<T>{}, [=](size_t i, T xi) { u[i] = (xi / N) * cT; });
}

}  // namespace

template <class T>
void chain_update(std::span<T> params, std::span<const T> grads, OptimizerState<T>& st,
                  const ChainHyper& h, double lr, std::span<const size_t> offsets) {
  // st.step is advanced by update(), after this returns.
  const size_t n = params.size();
  T* p = params.data();
  T* u = st.arena.data();  // slot 0: the scratch
  const T* x = grads.data();  // this pass's input: g, then u
  const int64_t t = st.step + 1;
  const double ts = static_cast<double>(t);
  size_t slot = 1;
  const size_t nt = tensor_count(offsets);
  for (size_t j = 0; j < h.transforms.size(); ++j) {
    const ChainTransform& tr = h.transforms[j];
    T* s0 = st.arena.data() + slot * n;  // this transform's slots
    T* s1 = s0 + n;
    switch (tr.kind) {
      case TransformKind::clip: {
        const T lo = c<T>(-tr.max_delta), hi = c<T>(tr.max_delta);
        each_of(x, n, [=](size_t i, T xi) { u[i] = nanmin(nanmax(xi, lo), hi); });
        break;
      }
      case TransformKind::clip_by_norm: {
        for (size_t k = 0; k < nt; ++k) {
          const size_t b = tensor_begin(offsets, k), e = tensor_end(offsets, k, n);
          clip_to_norm(x, u, b, e, norm_of(x, b, e), c<T>(tr.max_norm));
        }
        break;
      }
      case TransformKind::clip_by_global_norm: {
        T ss = 0;  // tensor by tensor, in order
        for (size_t k = 0; k < nt; ++k) {
          const size_t b = tensor_begin(offsets, k), e = tensor_end(offsets, k, n);
          ss = ss + sum_squares<false>(x + b, e - b);
        }
        clip_to_norm(x, u, 0, n, std::sqrt(ss), c<T>(tr.max_norm));
        break;
      }
      case TransformKind::trace: {
        const T d = c<T>(tr.decay);
        dispatch(
            [&](auto NESTEROV) {
              each_of(x, n, [=](size_t i, T xi) {
                const T bi = s0[i] * d + xi;
                s0[i] = bi;
                if constexpr (decltype(NESTEROV)::value) u[i] = fmadd(d, bi, xi);
                else u[i] = bi;
              });
            },
            tr.nesterov);
        break;
      }
      case TransformKind::scale_by_rms: {
        const T d = c<T>(tr.decay), omd = c<T>(1.0 - tr.decay), eps = c<T>(tr.eps);
        each_of(x, n, [=](size_t i, T xi) {
          const T vi = fmadd(omd * xi, xi, s0[i] * d);
          s0[i] = vi;
          u[i] = xi / std::sqrt(vi + eps);
        });
        break;
      }
      case TransformKind::scale_by_adam: {
        const T b1 = c<T>(tr.b1), omb1 = c<T>(1.0 - tr.b1), b2 = c<T>(tr.b2),
                omb2 = c<T>(1.0 - tr.b2), eps = c<T>(tr.eps), eps_root = c<T>(tr.eps_root),
                bc1 = c<T>(1 - std::pow(tr.b1, ts)), bc2 = c<T>(1 - std::pow(tr.b2, ts));
        each_of(x, n, [=](size_t i, T xi) {
          const T mi = fmadd(omb1, xi, s0[i] * b1);
          const T vi = fmadd(omb2 * xi, xi, s1[i] * b2);
          s0[i] = mi;
          s1[i] = vi;
          u[i] = (mi / bc1) / (std::sqrt(vi / bc2 + eps_root) + eps);
        });
        break;
      }
      case TransformKind::scale_by_rss: {
        const T eps = c<T>(tr.eps);
        each_of(x, n, [=](size_t i, T xi) {
          const T si = fmadd(xi, xi, s0[i]);
          s0[i] = si;
          u[i] = si > T(0) ? xi / std::sqrt(si + eps) : T(0);
        });
        break;
      }
      case TransformKind::scale_by_sign:
        each_of(x, n, [=](size_t i, T xi) { u[i] = numpy_sign(xi); });
        break;
      case TransformKind::scale_by_lion: {
        const T one = 1, b1 = c<T>(tr.b1), omb1 = one - b1, b2 = c<T>(tr.b2), omb2 = one - b2;
        each_of(x, n, [=](size_t i, T xi) {
          const T ci = s0[i] * b1 + xi * omb1;
          s0[i] = s0[i] * b2 + xi * omb2;
          u[i] = numpy_sign(ci);
        });
        break;
      }
      case TransformKind::add_decayed_weights: {
        const T wd = c<T>(tr.weight_decay);
        each_of(x, n, [=](size_t i, T xi) { u[i] = fmadd(wd, p[i], xi); });
        break;
      }
      case TransformKind::scale:
      case TransformKind::scale_by_schedule:
      case TransformKind::scale_by_lr: {
        const double f = tr.kind == TransformKind::scale ? tr.step_size
                         : tr.kind == TransformKind::scale_by_schedule
                             ? sched::lr_at(*tr.schedule, t - 1)
                             : -lr;
        const T fT = c<T>(f);
        if (tr.kind == TransformKind::scale_by_lr && j + 1 == h.transforms.size()) {
          // Last: fused into the apply, p = fma(T(-lr), u, p) -- PyTorch's
          // p.add_(d, alpha=-lr), so SGD's chain spelling gives its bits.
          each_of(x, n, [=](size_t i, T xi) { p[i] = fmadd(fT, xi, p[i]); });
          return;
        }
        each_of(x, n, [=](size_t i, T xi) { u[i] = xi * fT; });
        break;
      }
    }
    x = u;
    slot += static_cast<size_t>(transform_slots(tr));
  }
  each_of(x, n, [=](size_t i, T xi) { p[i] = p[i] + xi; });
}

template void chain_update<float>(std::span<float>, std::span<const float>,
                                  OptimizerState<float>&, const ChainHyper&, double,
                                  std::span<const size_t>);
template void chain_update<double>(std::span<double>, std::span<const double>,
                                   OptimizerState<double>&, const ChainHyper&, double,
                                   std::span<const size_t>);

}  // namespace lrb::optim::detail
