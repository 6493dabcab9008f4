// The chain's kernel.  Math: chain.hpp.  Scalars in double, rounded to T
// once per step, as the built-in kernels (optim.hpp, "Arithmetic").
//
// Blocked: the elements are taken kBlock at a time; each block is copied into
// a stack buffer u, every transform runs as its own (vectorizable) loop over
// the buffer, and the block ends in p (the apply) -- so u never goes to
// memory and a chain moves the bytes of one fused pass: g, p and each slot
// read once, p and each slot written once.  The norm clips need a norm of the
// u they see: a chain splits into segments at them; a segment whose output a
// later norm clip needs stores u in the scratch slot (slot 0), the norm is
// summed from there (sum_squares' fixed order, per tensor, tensors added in
// order) and the next segment reads it.  A norm clip as the first transform
// sums g directly.  Every element sees the same operations in the same order
// whatever the blocking and the thread count: the bits depend on neither.
#include <algorithm>
#include <array>
#include <cmath>
#include <span>
#include <stdexcept>
#include <string>

#include "core/optim/chain.hpp"
#include "core/optim/kernel.hpp"
#include "core/optim/optim.hpp"

namespace lrb::optim::detail {
namespace {

constexpr size_t kBlock = 256;

// One transform with this step's scalars (T(x) once) and its slots.
template <class T>
struct Op {
  TransformKind kind = TransformKind::scale_by_lr;
  T a = 0, b = 0, c = 0, d = 0, e = 0, f = 0, g = 0, h = 0;
  T* s0 = nullptr;  // slots, indexed by the element
  T* s1 = nullptr;
  bool nesterov = false;
};

template <class T>
Op<T> op_of(const ChainTransform& tr, T* s0, size_t n, double lr, int64_t t) {
  Op<T> o;
  o.kind = tr.kind;
  o.s0 = s0;
  o.s1 = s0 + n;
  const double ts = static_cast<double>(t);
  switch (tr.kind) {
    case TransformKind::clip:
      o.a = c<T>(-tr.max_delta);
      o.b = c<T>(tr.max_delta);
      break;
    case TransformKind::clip_by_norm:
    case TransformKind::clip_by_global_norm:
      o.a = c<T>(tr.max_norm);  // b: the norm, set per tensor / per step
      break;
    case TransformKind::trace:
      o.a = c<T>(tr.decay);
      o.nesterov = tr.nesterov;
      break;
    case TransformKind::scale_by_rms:
      o.a = c<T>(tr.decay);
      o.b = c<T>(1.0 - tr.decay);
      o.c = c<T>(tr.eps);
      break;
    case TransformKind::scale_by_adam:
      o.a = c<T>(tr.b1);
      o.b = c<T>(1.0 - tr.b1);
      o.c = c<T>(tr.b2);
      o.d = c<T>(1.0 - tr.b2);
      o.e = c<T>(tr.eps);
      o.f = c<T>(1 - std::pow(tr.b1, ts));  // bias corrections
      o.g = c<T>(1 - std::pow(tr.b2, ts));
      o.h = c<T>(tr.eps_root);
      break;
    case TransformKind::scale_by_rss:
      o.c = c<T>(tr.eps);
      break;
    case TransformKind::scale_by_sign:
      break;
    case TransformKind::scale_by_lion:
      o.a = c<T>(tr.b1);
      o.b = T(1) - o.a;  // Keras casts beta_1 first: 1 - b1 in T
      o.c = c<T>(tr.b2);
      o.d = T(1) - o.c;
      break;
    case TransformKind::add_decayed_weights:
      o.a = c<T>(tr.weight_decay);
      break;
    case TransformKind::scale:
      o.a = c<T>(tr.step_size);
      break;
    case TransformKind::scale_by_schedule:
      o.a = c<T>(sched::lr_at(*tr.schedule, t - 1));
      break;
    case TransformKind::scale_by_lr:
      o.a = c<T>(-lr);
      break;
  }
  return o;
}

// u[j] for the elements i0 + j, j < len, through op o.  p: the parameters.
// o by value: a store through a slot (a T*) cannot then change its scalars,
// so the loops vectorize.
template <class T>
void apply_op(const Op<T> o, T* __restrict u, const T* __restrict p, size_t i0, size_t len) {
  T* s0 = o.s0 + i0;
  T* s1 = o.s1 + i0;
  p += i0;
  switch (o.kind) {
    case TransformKind::clip:
      for (size_t j = 0; j < len; ++j) u[j] = nanmin(nanmax(u[j], o.a), o.b);
      break;
    case TransformKind::clip_by_norm:
    case TransformKind::clip_by_global_norm:
      // o.b = this tensor's (or the global) norm N: N < c keeps u (NaN: scales).
      if (!(o.b < o.a))
        for (size_t j = 0; j < len; ++j) u[j] = (u[j] / o.b) * o.a;
      break;
    case TransformKind::trace:
      if (o.nesterov) {
        for (size_t j = 0; j < len; ++j) {
          const T bj = s0[j] * o.a + u[j];
          s0[j] = bj;
          u[j] = fmadd(o.a, bj, u[j]);
        }
      } else {
        for (size_t j = 0; j < len; ++j) {
          const T bj = s0[j] * o.a + u[j];
          s0[j] = bj;
          u[j] = bj;
        }
      }
      break;
    case TransformKind::scale_by_rms:
      for (size_t j = 0; j < len; ++j) {
        const T vj = fmadd(o.b * u[j], u[j], s0[j] * o.a);
        s0[j] = vj;
        u[j] = u[j] / std::sqrt(vj + o.c);
      }
      break;
    case TransformKind::scale_by_adam:
      for (size_t j = 0; j < len; ++j) {
        const T mj = fmadd(o.b, u[j], s0[j] * o.a);
        const T vj = fmadd(o.d * u[j], u[j], s1[j] * o.c);
        s0[j] = mj;
        s1[j] = vj;
        u[j] = (mj / o.f) / (std::sqrt(vj / o.g + o.h) + o.e);
      }
      break;
    case TransformKind::scale_by_rss:
      for (size_t j = 0; j < len; ++j) {
        const T sj = fmadd(u[j], u[j], s0[j]);
        s0[j] = sj;
        u[j] = sj > T(0) ? u[j] / std::sqrt(sj + o.c) : T(0);
      }
      break;
    case TransformKind::scale_by_sign:
      for (size_t j = 0; j < len; ++j) u[j] = numpy_sign(u[j]);
      break;
    case TransformKind::scale_by_lion:
      for (size_t j = 0; j < len; ++j) {
        const T cj = s0[j] * o.a + u[j] * o.b;
        s0[j] = s0[j] * o.c + u[j] * o.d;
        u[j] = numpy_sign(cj);
      }
      break;
    case TransformKind::add_decayed_weights:
      for (size_t j = 0; j < len; ++j) u[j] = fmadd(o.a, p[j], u[j]);
      break;
    case TransformKind::scale:
    case TransformKind::scale_by_schedule:
    case TransformKind::scale_by_lr:
      for (size_t j = 0; j < len; ++j) u[j] = u[j] * o.a;
      break;
  }
}

bool is_norm_clip(TransformKind k) {
  return k == TransformKind::clip_by_norm || k == TransformKind::clip_by_global_norm;
}

}  // namespace

template <class T>
void chain_update(std::span<T> params, std::span<const T> grads, OptimizerState<T>& st,
                  const ChainHyper& h, double lr, std::span<const size_t> offsets) {
  // st.step is advanced by update(), after this returns.
  const size_t n = params.size(), nt = tensor_count(offsets), count = h.transforms.size();
  if (count > kMaxChainTransforms)
    throw std::invalid_argument("optim::update(chain): more than " +
                                std::to_string(kMaxChainTransforms) + " transforms");
  T* p = params.data();
  T* scratch = st.arena.data();  // slot 0
  const int64_t t = st.step + 1;
  std::array<Op<T>, kMaxChainTransforms> ops;  // this step's scalars: no allocation
  size_t slot = 1;
  for (size_t j = 0; j < count; ++j) {
    const ChainTransform& tr = h.transforms[j];
    ops[j] = op_of<T>(tr, st.arena.data() + slot * n, n, lr, t);
    slot += static_cast<size_t>(transform_slots(tr));
  }
  // The last scale_by_lr fuses with the apply: p = fma(T(-lr), u, p), PyTorch's
  // p.add_(d, alpha=-lr), so SGD's chain spelling gives its bits.
  const bool fused_lr = ops[count - 1].kind == TransformKind::scale_by_lr;

  const T* src = grads.data();  // the segment's input: g, then the scratch
  for (size_t first = 0; first < count;) {
    size_t last = first + 1;  // the segment: [first, last), a norm clip only at first
    while (last < count && !is_norm_clip(ops[last].kind)) ++last;
    const bool is_last = last == count;
    const TransformKind k0 = ops[first].kind;
    if (k0 == TransformKind::clip_by_global_norm) {
      T ss = 0;
      for (size_t k = 0; k < nt; ++k) {
        const size_t b = tensor_begin(offsets, k), e = tensor_end(offsets, k, n);
        ss = ss + sum_squares<false>(src + b, e - b);
      }
      ops[first].b = std::sqrt(ss);
    }
    const size_t stop = is_last && fused_lr ? count - 1 : last;  // ops run on the buffer
    // One range per tensor where a per-tensor norm is needed, else one range.
    const size_t ranges = k0 == TransformKind::clip_by_norm ? nt : 1;
    for (size_t r = 0; r < ranges; ++r) {
      const size_t b = ranges == 1 ? 0 : tensor_begin(offsets, r);
      const size_t e = ranges == 1 ? n : tensor_end(offsets, r, n);
      if (k0 == TransformKind::clip_by_norm)
        ops[first].b = std::sqrt(sum_squares<false>(src + b, e - b));
      const size_t nblocks = (e - b + kBlock - 1) / kBlock;
      const Op<T>* o = ops.data();
      auto block = [=](size_t bi) {
        const size_t i0 = b + bi * kBlock, len = std::min(kBlock, e - i0);
        alignas(64) T u[kBlock];
        for (size_t j = 0; j < len; ++j) u[j] = src[i0 + j];
        for (size_t j = first; j < stop; ++j) apply_op(o[j], u, p, i0, len);
        T* pi = p + i0;
        if (!is_last) {
          T* out = scratch + i0;
          for (size_t j = 0; j < len; ++j) out[j] = u[j];
        } else if (fused_lr) {
          const T f = o[count - 1].a;
          for (size_t j = 0; j < len; ++j) pi[j] = fmadd(f, u[j], pi[j]);
        } else {
          for (size_t j = 0; j < len; ++j) pi[j] = pi[j] + u[j];
        }
      };
      const ptrdiff_t NB = static_cast<ptrdiff_t>(nblocks);
      if (e - b < kParallelMin || omp_get_max_threads() == 1) {
        for (ptrdiff_t bi = 0; bi < NB; ++bi) block(static_cast<size_t>(bi));
      } else {
#pragma omp parallel for schedule(static)
        for (ptrdiff_t bi = 0; bi < NB; ++bi) block(static_cast<size_t>(bi));
      }
    }
    src = scratch;
    first = last;
  }
}

template void chain_update<float>(std::span<float>, std::span<const float>,
                                  OptimizerState<float>&, const ChainHyper&, double,
                                  std::span<const size_t>);
template void chain_update<double>(std::span<double>, std::span<const double>,
                                   OptimizerState<double>&, const ChainHyper&, double,
                                   std::span<const size_t>);

}  // namespace lrb::optim::detail
