// Plain-loop references of every kernel in layers.hpp: one output element at
// a time, in the summation order the header documents.  tests/layers checks
// each fast kernel against these; bench/models times both.
#include <algorithm>
#include <cmath>
#include <limits>

#include "core/layers/layers.hpp"

namespace lrb::layers::naive {

namespace {
inline size_t at(size_t a, size_t b, size_t cols) { return a * cols + b; }
}  // namespace

template <class T>
void dense_forward(std::span<T> y, std::span<const T> x, std::span<const T> W,
                   std::span<const T> b, DenseDims d) {
  for (int n = 0; n < d.batch; ++n)
    for (int j = 0; j < d.out; ++j) {
      T acc = 0;
      for (int i = 0; i < d.in; ++i) acc = std::fma(x[at(n, i, d.in)], W[at(i, j, d.out)], acc);
      y[at(n, j, d.out)] = b.empty() ? acc : acc + b[j];
    }
}

template <class T>
void dense_backward(std::span<T> dx, std::span<T> dW, std::span<T> db, std::span<const T> dy,
                    std::span<const T> x, std::span<const T> W, DenseDims d) {
  for (int i = 0; i < d.in; ++i)
    for (int j = 0; j < d.out; ++j) {
      T acc = 0;
      for (int n = 0; n < d.batch; ++n) acc = std::fma(x[at(n, i, d.in)], dy[at(n, j, d.out)], acc);
      dW[at(i, j, d.out)] += acc;
    }
  if (!db.empty())
    for (int j = 0; j < d.out; ++j) {
      T acc = 0;
      for (int n = 0; n < d.batch; ++n) acc += dy[at(n, j, d.out)];
      db[j] += acc;
    }
  if (!dx.empty())
    for (int n = 0; n < d.batch; ++n)
      for (int i = 0; i < d.in; ++i) {
        T acc = 0;
        for (int j = 0; j < d.out; ++j) acc = std::fma(dy[at(n, j, d.out)], W[at(i, j, d.out)], acc);
        dx[at(n, i, d.in)] = acc;
      }
}

template <class T>
void relu_forward(std::span<T> y, std::span<const T> x) {
  for (size_t i = 0; i < x.size(); ++i) y[i] = x[i] > T(0) ? x[i] : T(0);
}
template <class T>
void relu_backward(std::span<T> dx, std::span<const T> dy, std::span<const T> y) {
  for (size_t i = 0; i < dy.size(); ++i) dx[i] = y[i] > T(0) ? dy[i] : T(0);
}

template <class T>
void conv2d_forward(std::span<T> y, std::span<const T> x, std::span<const T> W,
                    std::span<const T> b, const Conv2dDims& d) {
  const int OH = d.out_h(), OW = d.out_w();
  for (int n = 0; n < d.batch; ++n)
    for (int oy = 0; oy < OH; ++oy)
      for (int ox = 0; ox < OW; ++ox)
        for (int co = 0; co < d.out_c; ++co) {
          T acc = b.empty() ? T(0) : b[co];
          for (int ky = 0; ky < d.k_h; ++ky) {
            const int iy = oy * d.stride + ky - d.pad;
            if (iy < 0 || iy >= d.in_h) continue;
            for (int kx = 0; kx < d.k_w; ++kx) {
              const int ix = ox * d.stride + kx - d.pad;
              if (ix < 0 || ix >= d.in_w) continue;
              for (int ci = 0; ci < d.in_c; ++ci)
                acc = std::fma(x[((static_cast<size_t>(n) * d.in_h + iy) * d.in_w + ix) * d.in_c + ci],
                               W[((static_cast<size_t>(ky) * d.k_w + kx) * d.in_c + ci) * d.out_c + co],
                               acc);
            }
          }
          y[((static_cast<size_t>(n) * OH + oy) * OW + ox) * d.out_c + co] = acc;
        }
}

template <class T>
void conv2d_backward(std::span<T> dx, std::span<T> dW, std::span<T> db, std::span<const T> dy,
                     std::span<const T> x, std::span<const T> W, const Conv2dDims& d) {
  const int OH = d.out_h(), OW = d.out_w();
  if (!dx.empty()) std::fill(dx.begin(), dx.end(), T(0));
  for (int n = 0; n < d.batch; ++n)
    for (int oy = 0; oy < OH; ++oy)
      for (int ox = 0; ox < OW; ++ox)
        for (int co = 0; co < d.out_c; ++co) {
          const T g = dy[((static_cast<size_t>(n) * OH + oy) * OW + ox) * d.out_c + co];
          if (!db.empty()) db[co] += g;
          for (int ky = 0; ky < d.k_h; ++ky) {
            const int iy = oy * d.stride + ky - d.pad;
            if (iy < 0 || iy >= d.in_h) continue;
            for (int kx = 0; kx < d.k_w; ++kx) {
              const int ix = ox * d.stride + kx - d.pad;
              if (ix < 0 || ix >= d.in_w) continue;
              for (int ci = 0; ci < d.in_c; ++ci) {
                const size_t xi = ((static_cast<size_t>(n) * d.in_h + iy) * d.in_w + ix) * d.in_c + ci;
                const size_t wi = ((static_cast<size_t>(ky) * d.k_w + kx) * d.in_c + ci) * d.out_c + co;
                dW[wi] = std::fma(x[xi], g, dW[wi]);
                if (!dx.empty()) dx[xi] = std::fma(W[wi], g, dx[xi]);
              }
            }
          }
        }
}

template <class T>
void maxpool2x2_forward(std::span<T> y, std::span<std::uint8_t> argmax, std::span<const T> x,
                        const PoolDims& d) {
  const int OH = d.out_h(), OW = d.out_w();
  for (int n = 0; n < d.batch; ++n)
    for (int py = 0; py < OH; ++py)
      for (int px = 0; px < OW; ++px)
        for (int c = 0; c < d.c; ++c) {
          T best = -std::numeric_limits<T>::infinity();
          std::uint8_t arg = 0;
          for (int q = 0; q < 4; ++q) {
            const int iy = 2 * py + q / 2, ix = 2 * px + q % 2;
            const T v = x[((static_cast<size_t>(n) * d.in_h + iy) * d.in_w + ix) * d.c + c];
            if (v > best) {
              best = v;
              arg = static_cast<std::uint8_t>(q);
            }
          }
          const size_t o = ((static_cast<size_t>(n) * OH + py) * OW + px) * d.c + c;
          y[o] = best;
          argmax[o] = arg;
        }
}

template <class T>
void maxpool2x2_backward(std::span<T> dx, std::span<const T> dy,
                         std::span<const std::uint8_t> argmax, const PoolDims& d) {
  const int OH = d.out_h(), OW = d.out_w();
  std::fill(dx.begin(), dx.end(), T(0));
  for (int n = 0; n < d.batch; ++n)
    for (int py = 0; py < OH; ++py)
      for (int px = 0; px < OW; ++px)
        for (int c = 0; c < d.c; ++c) {
          const size_t o = ((static_cast<size_t>(n) * OH + py) * OW + px) * d.c + c;
          const int q = argmax[o];
          const int iy = 2 * py + q / 2, ix = 2 * px + q % 2;
          dx[((static_cast<size_t>(n) * d.in_h + iy) * d.in_w + ix) * d.c + c] += dy[o];
        }
}

// One channel of one pooled cell at a time.
template <class T>
void conv3x3_relu_pool_forward(std::span<T> pooled, std::span<std::uint8_t> argmax,
                               std::span<const T> x, std::span<const T> W, std::span<const T> b,
                               const ConvPoolDims& d) {
  const int PH = d.pool_h(), PW = d.pool_w(), C = d.out_c;
  for (int n = 0; n < d.batch; ++n)
    for (int py = 0; py < PH; ++py)
      for (int px = 0; px < PW; ++px)
        for (int c = 0; c < C; ++c) {
          T best = 0;  // max over ReLU outputs >= 0
          std::uint8_t arg = 0;
          for (int q = 0; q < 4; ++q) {
            const int oy = 2 * py + q / 2, ox = 2 * px + q % 2;
            T acc = b[c];
            for (int ky = 0; ky < 3; ++ky)
              for (int kx = 0; kx < 3; ++kx)
                acc = std::fma(x[(static_cast<size_t>(n) * d.in_h + oy + ky) * d.in_w + ox + kx],
                               W[(ky * 3 + kx) * C + c], acc);
            if (acc > best) {  // relu(acc) > best <=> acc > best, as best >= 0
              best = acc;
              arg = static_cast<std::uint8_t>(q);
            }
          }
          const size_t o = ((static_cast<size_t>(n) * PH + py) * PW + px) * C + c;
          pooled[o] = best;
          argmax[o] = arg;
        }
}

template <class T>
void conv3x3_relu_pool_backward(std::span<T> dW, std::span<T> db, std::span<const T> dpooled,
                                std::span<const T> pooled, std::span<const std::uint8_t> argmax,
                                std::span<const T> x, const ConvPoolDims& d) {
  const int PH = d.pool_h(), PW = d.pool_w(), C = d.out_c;
  for (int n = 0; n < d.batch; ++n)
    for (int py = 0; py < PH; ++py)
      for (int px = 0; px < PW; ++px)
        for (int c = 0; c < C; ++c) {
          const size_t o = ((static_cast<size_t>(n) * PH + py) * PW + px) * C + c;
          const T g = pooled[o] > T(0) ? dpooled[o] : T(0);  // through the ReLU
          db[c] += g;
          const int q = argmax[o];
          const int oy = 2 * py + q / 2, ox = 2 * px + q % 2;
          for (int ky = 0; ky < 3; ++ky)
            for (int kx = 0; kx < 3; ++kx) {
              T& w = dW[(ky * 3 + kx) * C + c];
              w = std::fma(x[(static_cast<size_t>(n) * d.in_h + oy + ky) * d.in_w + ox + kx], g, w);
            }
        }
}

template <class T>
double softmax_cross_entropy_forward(std::span<T> probs, std::span<const T> logits,
                                     std::span<const std::int32_t> labels, int batch, int classes,
                                     std::int64_t* correct) {
  double total = 0;
  for (int n = 0; n < batch; ++n) {
    const T* z = logits.data() + static_cast<size_t>(n) * classes;
    T* p = probs.data() + static_cast<size_t>(n) * classes;
    int arg = 0;
    for (int k = 1; k < classes; ++k)
      if (z[k] > z[arg]) arg = k;
    const T m = z[arg], zy = z[labels[n]];
    T sum = 0;
    for (int k = 0; k < classes; ++k) {
      p[k] = std::exp(z[k] - m);
      sum += p[k];
    }
    for (int k = 0; k < classes; ++k) p[k] /= sum;
    total += static_cast<double>(std::log(sum) - (zy - m));
    if (correct && arg == labels[n]) ++*correct;
  }
  return total;
}

template <class T>
void softmax_cross_entropy_backward(std::span<T> dlogits, std::span<const T> probs,
                                    std::span<const std::int32_t> labels, int batch, int classes,
                                    T scale) {
  for (int n = 0; n < batch; ++n)
    for (int k = 0; k < classes; ++k) {
      const size_t i = static_cast<size_t>(n) * classes + k;
      dlogits[i] = (probs[i] - (k == labels[n] ? T(1) : T(0))) * scale;
    }
}

template <class T>
double mse_forward(std::span<const T> y, std::span<const T> targets, int batch, int outputs) {
  double total = 0;
  for (int n = 0; n < batch; ++n) {
    T s = 0;
    for (int j = 0; j < outputs; ++j) {
      const size_t i = static_cast<size_t>(n) * outputs + j;
      s += (y[i] - targets[i]) * (y[i] - targets[i]);
    }
    total += static_cast<double>(s / static_cast<T>(outputs));
  }
  return total;
}

template <class T>
void mse_backward(std::span<T> dy, std::span<const T> y, std::span<const T> targets, int batch,
                  int outputs, T scale) {
  const T f = T(2) / static_cast<T>(outputs) * scale;
  for (size_t i = 0; i < static_cast<size_t>(batch) * outputs; ++i) dy[i] = (y[i] - targets[i]) * f;
}

#define LRB_NAIVE_INSTANTIATE(T)                                                                \
  template void dense_forward<T>(std::span<T>, std::span<const T>, std::span<const T>,          \
                                 std::span<const T>, DenseDims);                                \
  template void dense_backward<T>(std::span<T>, std::span<T>, std::span<T>, std::span<const T>,  \
                                  std::span<const T>, std::span<const T>, DenseDims);            \
  template void relu_forward<T>(std::span<T>, std::span<const T>);                              \
  template void relu_backward<T>(std::span<T>, std::span<const T>, std::span<const T>);         \
  template void conv2d_forward<T>(std::span<T>, std::span<const T>, std::span<const T>,         \
                                  std::span<const T>, const Conv2dDims&);                       \
  template void conv2d_backward<T>(std::span<T>, std::span<T>, std::span<T>, std::span<const T>, \
                                   std::span<const T>, std::span<const T>, const Conv2dDims&);  \
  template void maxpool2x2_forward<T>(std::span<T>, std::span<std::uint8_t>,                    \
                                      std::span<const T>, const PoolDims&);                     \
  template void maxpool2x2_backward<T>(std::span<T>, std::span<const T>,                        \
                                       std::span<const std::uint8_t>, const PoolDims&);         \
  template void conv3x3_relu_pool_forward<T>(std::span<T>, std::span<std::uint8_t>,             \
                                             std::span<const T>, std::span<const T>,            \
                                             std::span<const T>, const ConvPoolDims&);          \
  template void conv3x3_relu_pool_backward<T>(std::span<T>, std::span<T>, std::span<const T>,   \
                                              std::span<const T>,                               \
                                              std::span<const std::uint8_t>,                    \
                                              std::span<const T>, const ConvPoolDims&);         \
  template double softmax_cross_entropy_forward<T>(std::span<T>, std::span<const T>,            \
                                                   std::span<const std::int32_t>, int, int,     \
                                                   std::int64_t*);                              \
  template void softmax_cross_entropy_backward<T>(std::span<T>, std::span<const T>,             \
                                                  std::span<const std::int32_t>, int, int, T);  \
  template double mse_forward<T>(std::span<const T>, std::span<const T>, int, int);             \
  template void mse_backward<T>(std::span<T>, std::span<const T>, std::span<const T>, int, int, T);

LRB_NAIVE_INSTANTIATE(float)
LRB_NAIVE_INSTANTIATE(double)

}  // namespace lrb::layers::naive
