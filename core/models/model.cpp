#include "core/models/model.hpp"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>

#include "core/layers/layers.hpp"
#include "datasets/rng.hpp"

namespace lrb::models {

ModelConfig model_from_spec(const spec::Spec& s) {
  spec::ArgReader a(s);
  ModelConfig c;
  c.name = s.name;
  if (s.name == "cnn001") {
    c.in_h = 28, c.in_w = 28, c.in_c = 1, c.conv_c = 32;
    c.widths = {13 * 13 * 32, 10};
    c.head = Head::softmax_ce;
  } else if (s.name == "mlp004") {
    c.widths = {20, 10, 10, 1};
  } else if (s.name == "linear") {
    const auto in = a.integer({"in"}, 1);
    if (in < 1 || in > 1000000) throw spec::SpecError("linear: in must be in [1, 1e6]");
    c.widths = {static_cast<int>(in), 1};
    c.bias = a.boolean({"bias"}, true);
  } else if (s.name == "mlp") {
    for (auto w : a.integers({"widths"}, {}))
      c.widths.push_back(static_cast<int>(w));
    if (c.widths.size() < 2) throw spec::SpecError("mlp: widths needs at least [in, out]");
    for (int w : c.widths)
      if (w < 1 || w > 1000000)
        throw spec::SpecError("mlp: every width must be in [1, 1e6], got " + std::to_string(w));
    c.head = a.choice({"head"}, "mse", {"mse", "softmax_ce"}) == "mse" ? Head::mse
                                                                      : Head::softmax_ce;
    c.bias = a.boolean({"bias"}, true);
  } else {
    throw spec::SpecError("unknown model '" + s.name + "' (valid: cnn001, mlp004, linear, mlp)");
  }
  a.finish();
  return c;
}

InitSpec init_from_spec(const spec::Spec& s) {
  spec::ArgReader a(s);
  InitSpec i;
  i.kind = s.name;
  static const char* kKinds[] = {"keras", "pytorch", "he_normal", "he_uniform", "glorot_normal",
                                 "glorot_uniform", "zeros", "normal"};
  if (std::find_if(std::begin(kKinds), std::end(kKinds),
                   [&](const char* k) { return s.name == k; }) == std::end(kKinds))
    throw spec::SpecError("unknown init '" + s.name +
                          "' (valid: keras, pytorch, he_normal, he_uniform, glorot_normal, "
                          "glorot_uniform, zeros, normal:sigma=S)");
  if (s.name == "normal") {
    i.sigma = a.number({"sigma", "stddev"}, 0.01);
    if (!(i.sigma >= 0) || !std::isfinite(i.sigma))
      throw spec::SpecError("normal: sigma must be a finite number >= 0");
  }
  a.finish();
  return i;
}

namespace {

bool is_cnn(const ModelConfig& c) { return c.conv_c > 0; }

// Dense layers of the stack: layer l maps widths[l] -> widths[l+1].
int dense_layers(const ModelConfig& c) { return static_cast<int>(c.widths.size()) - 1; }

template <class T>
struct ChunkViews {
  // cnn001 per chunk: pooled (m, 5408), argmax, logits/probs (m, 10), dlogits,
  // dpooled (m, 5408).  Dense stack: a[l] (m, widths[l+1]) and d[l] likewise.
  std::vector<T*> a, d;
  std::uint8_t* argmax = nullptr;
};

template <class T>
ChunkViews<T> views(Model<T>& m, int chunk) {
  ChunkViews<T> v;
  T* p = m.work.data() + static_cast<size_t>(chunk) * kChunk * m.work_per_sample();
  const int L = dense_layers(m.config);
  if (is_cnn(m.config)) {
    v.argmax = m.masks.data() + static_cast<size_t>(chunk) * kChunk * m.config.widths[0];
  }
  // a[-1] for cnn is the pooled map: stored as a[0] with dense layers shifted.
  const int first = is_cnn(m.config) ? 0 : 1;
  for (int l = first; l <= L; ++l) {
    v.a.push_back(p);
    p += static_cast<size_t>(kChunk) * m.config.widths[l];
    v.d.push_back(p);
    p += static_cast<size_t>(kChunk) * m.config.widths[l];
  }
  return v;
}

// Forward of one chunk of `n` samples starting at sample `s0`; returns the
// chunk's loss sum, counts correct predictions.  Leaves activations in work.
template <class T>
double forward_chunk(Model<T>& m, ChunkViews<T>& v, std::span<const T> x,
                     std::span<const std::int32_t> labels, std::span<const T> targets, int s0,
                     int n, std::int64_t* correct) {
  const ModelConfig& c = m.config;
  const int L = dense_layers(c);
  const size_t in = m.input_size();
  const T* P = m.params.data();
  const T* input = x.data() + static_cast<size_t>(s0) * in;
  int ai = 0;  // index into v.a of the current layer's input
  const T* h = input;
  if (is_cnn(c)) {
    const layers::ConvPoolDims d{n, c.in_h, c.in_w, c.conv_c};
    const auto& W = m.tensors[0];
    const auto& b = m.tensors[1];
    layers::conv3x3_relu_pool_forward<T>(
        std::span<T>(v.a[0], static_cast<size_t>(n) * c.widths[0]),
        std::span<std::uint8_t>(v.argmax, static_cast<size_t>(n) * c.widths[0]),
        std::span<const T>(input, static_cast<size_t>(n) * in),
        std::span<const T>(P + W.offset, W.size), std::span<const T>(P + b.offset, b.size), d);
    h = v.a[0];
    ai = 1;
  }
  const int t0 = is_cnn(c) ? 2 : 0;  // first dense tensor index
  for (int l = 0; l < L; ++l) {
    const auto& W = m.tensors[static_cast<size_t>(t0 + l * (c.bias ? 2 : 1))];
    std::span<const T> b;
    if (c.bias) {
      const auto& B = m.tensors[static_cast<size_t>(t0 + l * 2 + 1)];
      b = std::span<const T>(P + B.offset, B.size);
    }
    const layers::DenseDims d{n, c.widths[l], c.widths[l + 1]};
    T* y = v.a[static_cast<size_t>(ai + l)];
    layers::dense_forward<T>(std::span<T>(y, static_cast<size_t>(n) * d.out),
                             std::span<const T>(h, static_cast<size_t>(n) * d.in),
                             std::span<const T>(P + W.offset, W.size), b, d);
    if (l + 1 < L)
      layers::relu_forward<T>(std::span<T>(y, static_cast<size_t>(n) * d.out),
                              std::span<const T>(y, static_cast<size_t>(n) * d.out));
    h = y;
  }
  const int out = c.widths.back();
  T* logits = v.a.back();
  if (c.head == Head::softmax_ce) {
    // probs overwrite the logits in place (the logits are not needed again).
    return layers::softmax_cross_entropy_forward<T>(
        std::span<T>(logits, static_cast<size_t>(n) * out),
        std::span<const T>(logits, static_cast<size_t>(n) * out), labels.subspan(s0, n), n, out,
        correct);
  }
  return layers::mse_forward<T>(std::span<const T>(logits, static_cast<size_t>(n) * out),
                                targets.subspan(static_cast<size_t>(s0) * out,
                                                static_cast<size_t>(n) * out),
                                n, out);
}

template <class T>
void backward_chunk(Model<T>& m, ChunkViews<T>& v, T* G, std::span<const T> x,
                    std::span<const std::int32_t> labels, std::span<const T> targets, int s0,
                    int n, T scale) {
  const ModelConfig& c = m.config;
  const int L = dense_layers(c);
  const size_t in = m.input_size();
  const T* P = m.params.data();
  const T* input = x.data() + static_cast<size_t>(s0) * in;
  const int out = c.widths.back();
  const int ai = is_cnn(c) ? 1 : 0;
  T* top = v.a.back();
  T* dtop = v.d.back();
  if (c.head == Head::softmax_ce)
    layers::softmax_cross_entropy_backward<T>(
        std::span<T>(dtop, static_cast<size_t>(n) * out),
        std::span<const T>(top, static_cast<size_t>(n) * out), labels.subspan(s0, n), n, out,
        scale);
  else
    layers::mse_backward<T>(std::span<T>(dtop, static_cast<size_t>(n) * out),
                            std::span<const T>(top, static_cast<size_t>(n) * out),
                            targets.subspan(static_cast<size_t>(s0) * out,
                                            static_cast<size_t>(n) * out),
                            n, out, scale);
  const int t0 = is_cnn(c) ? 2 : 0;
  for (int l = L - 1; l >= 0; --l) {
    const auto& W = m.tensors[static_cast<size_t>(t0 + l * (c.bias ? 2 : 1))];
    std::span<T> db;
    if (c.bias) {
      const auto& B = m.tensors[static_cast<size_t>(t0 + l * 2 + 1)];
      db = std::span<T>(G + B.offset, B.size);
    }
    const layers::DenseDims d{n, c.widths[l], c.widths[l + 1]};
    const T* hin = (l == 0 && !is_cnn(c)) ? input : v.a[static_cast<size_t>(ai + l - 1)];
    const bool need_dx = l > 0 || is_cnn(c);
    T* dx = need_dx ? v.d[static_cast<size_t>(ai + l - 1)] : nullptr;
    layers::dense_backward<T>(
        need_dx ? std::span<T>(dx, static_cast<size_t>(n) * d.in) : std::span<T>(),
        std::span<T>(G + W.offset, W.size), db,
        std::span<const T>(v.d[static_cast<size_t>(ai + l)], static_cast<size_t>(n) * d.out),
        std::span<const T>(hin, static_cast<size_t>(n) * d.in),
        std::span<const T>(P + W.offset, W.size), d);
    if (l > 0)  // through the ReLU that produced this layer's input
      layers::relu_backward<T>(std::span<T>(dx, static_cast<size_t>(n) * d.in),
                               std::span<const T>(dx, static_cast<size_t>(n) * d.in),
                               std::span<const T>(hin, static_cast<size_t>(n) * d.in));
  }
  if (is_cnn(c)) {
    const layers::ConvPoolDims d{n, c.in_h, c.in_w, c.conv_c};
    const auto& W = m.tensors[0];
    const auto& b = m.tensors[1];
    const size_t pooled = static_cast<size_t>(n) * c.widths[0];
    layers::conv3x3_relu_pool_backward<T>(
        std::span<T>(G + W.offset, W.size), std::span<T>(G + b.offset, b.size),
        std::span<const T>(v.d[0], pooled), std::span<const T>(v.a[0], pooled),
        std::span<const std::uint8_t>(v.argmax, pooled),
        std::span<const T>(input, static_cast<size_t>(n) * in), d);
  }
}

int chunks_for(int batch) { return (batch + kChunk - 1) / kChunk; }

template <class T>
void check_batch(const Model<T>& m, std::span<const T> x, std::span<const std::int32_t> labels,
                 std::span<const T> targets, int batch) {
  if (batch < 1 || batch > m.max_batch)
    throw std::invalid_argument("batch " + std::to_string(batch) + " outside [1, max_batch]");
  if (x.size() < static_cast<size_t>(batch) * m.input_size())
    throw std::invalid_argument("x is smaller than batch * input_size");
  if (m.config.head == Head::softmax_ce ? labels.size() < static_cast<size_t>(batch)
                                        : targets.size() < static_cast<size_t>(batch) * m.output_size())
    throw std::invalid_argument("labels/targets smaller than the batch");
}

}  // namespace

template <class T>
size_t Model<T>::input_size() const {
  return is_cnn(config) ? static_cast<size_t>(config.in_h) * config.in_w * config.in_c
                        : static_cast<size_t>(config.widths[0]);
}
template <class T>
size_t Model<T>::output_size() const {
  return static_cast<size_t>(config.widths.back());
}
template <class T>
size_t Model<T>::work_per_sample() const {
  size_t s = 0;
  const int first = is_cnn(config) ? 0 : 1;
  for (size_t l = static_cast<size_t>(first); l < config.widths.size(); ++l)
    s += 2 * static_cast<size_t>(config.widths[l]);
  return s;
}

template <class T>
Model<T> make_model(const ModelConfig& config, int max_batch) {
  if (max_batch < 1) throw std::invalid_argument("max_batch must be >= 1");
  Model<T> m;
  m.config = config;
  m.max_batch = max_batch;
  size_t off = 0;
  auto add = [&](std::string name, size_t size, int fan_in, int fan_out, bool bias) {
    m.tensors.push_back({std::move(name), off, size, fan_in, fan_out, bias});
    m.tensor_offsets.push_back(off);
    off += size;
  };
  if (is_cnn(config)) {
    const int k = 3 * 3 * config.in_c;
    add("conv.kernel", static_cast<size_t>(k) * config.conv_c, k, 3 * 3 * config.conv_c, false);
    add("conv.bias", static_cast<size_t>(config.conv_c), k, 3 * 3 * config.conv_c, true);
  }
  for (int l = 0; l < dense_layers(config); ++l) {
    const int fi = config.widths[l], fo = config.widths[l + 1];
    add("dense" + std::to_string(l) + ".kernel", static_cast<size_t>(fi) * fo, fi, fo, false);
    if (config.bias) add("dense" + std::to_string(l) + ".bias", static_cast<size_t>(fo), fi, fo, true);
  }
  m.params.assign(off, T(0));
  m.grads.assign(off, T(0));
  const int chunks = chunks_for(max_batch);
  m.partials.assign(static_cast<size_t>(chunks) * off, T(0));
  m.work.assign(static_cast<size_t>(chunks) * kChunk * m.work_per_sample(), T(0));
  if (is_cnn(config))
    m.masks.assign(static_cast<size_t>(chunks) * kChunk * config.widths[0], 0);
  m.chunk_loss.assign(static_cast<size_t>(chunks), 0.0);
  m.chunk_correct.assign(static_cast<size_t>(chunks), 0);
  return m;
}

template <class T>
void init_params(Model<T>& m, const InitSpec& init, std::uint64_t seed) {
  // Keras' truncated normal: |z| <= 2, rescaled so the stddev is the target.
  constexpr double kTruncStd = 0.87962566103423978;
  for (const auto& t : m.tensors) {
    auto rng = data::make_rng(seed, "init/" + t.name, 0);
    T* p = m.params.data() + t.offset;
    const double fi = t.fan_in, fo = t.fan_out;
    auto truncated = [&](double std) {
      for (size_t i = 0; i < t.size; ++i) {
        double z;
        do z = data::normal(rng);
        while (std::fabs(z) > 2.0);
        p[i] = static_cast<T>(z * std / kTruncStd);
      }
    };
    auto uniform = [&](double limit) {
      for (size_t i = 0; i < t.size; ++i) p[i] = static_cast<T>(data::uniform(rng, -limit, limit));
    };
    const std::string& k = init.kind;
    if (k == "zeros") {
      std::fill(p, p + t.size, T(0));
    } else if (k == "pytorch") {
      uniform(1.0 / std::sqrt(fi));  // kaiming_uniform(a=sqrt(5)); bias U(+-1/sqrt(fan_in))
    } else if (t.is_bias) {
      std::fill(p, p + t.size, T(0));
    } else if (k == "keras" || k == "glorot_uniform") {
      uniform(std::sqrt(6.0 / (fi + fo)));
    } else if (k == "he_uniform") {
      uniform(std::sqrt(6.0 / fi));
    } else if (k == "glorot_normal") {
      truncated(std::sqrt(2.0 / (fi + fo)));
    } else if (k == "he_normal") {
      truncated(std::sqrt(2.0 / fi));
    } else if (k == "normal") {
      for (size_t i = 0; i < t.size; ++i) p[i] = static_cast<T>(init.sigma * data::normal(rng));
    } else {
      throw std::invalid_argument("unknown init " + k);
    }
  }
}

template <class T>
double forward_backward(Model<T>& m, std::span<const T> x, std::span<const std::int32_t> labels,
                        std::span<const T> targets, int batch) {
  check_batch(m, x, labels, targets, batch);
  const int chunks = chunks_for(batch);
  const size_t P = m.params.size();
  const T scale = T(1) / static_cast<T>(batch);
#pragma omp parallel for schedule(static)
  for (int c = 0; c < chunks; ++c) {
    const int s0 = c * kChunk, n = std::min(kChunk, batch - s0);
    auto v = views(m, c);
    T* G = m.partials.data() + static_cast<size_t>(c) * P;
    std::fill(G, G + P, T(0));
    m.chunk_loss[static_cast<size_t>(c)] = forward_chunk(m, v, x, labels, targets, s0, n, nullptr);
    backward_chunk(m, v, G, x, labels, targets, s0, n, scale);
  }
  // Fixed-order reduction of the chunk partials: grads[j] = sum_c partial[c][j].
  const T* part = m.partials.data();
  T* g = m.grads.data();
#pragma omp parallel for schedule(static)
  for (size_t j = 0; j < P; ++j) {
    T s = part[j];
    for (int c = 1; c < chunks; ++c) s += part[static_cast<size_t>(c) * P + j];
    g[j] = s;
  }
  double loss = 0;
  for (int c = 0; c < chunks; ++c) loss += m.chunk_loss[static_cast<size_t>(c)];
  return loss / batch;
}

template <class T>
EvalSums evaluate(Model<T>& m, std::span<const T> x, std::span<const std::int32_t> labels,
                  std::span<const T> targets, int batch) {
  check_batch(m, x, labels, targets, batch);
  const int chunks = chunks_for(batch);
#pragma omp parallel for schedule(static)
  for (int c = 0; c < chunks; ++c) {
    const int s0 = c * kChunk, n = std::min(kChunk, batch - s0);
    auto v = views(m, c);
    std::int64_t correct = 0;
    m.chunk_loss[static_cast<size_t>(c)] = forward_chunk(m, v, x, labels, targets, s0, n, &correct);
    m.chunk_correct[static_cast<size_t>(c)] = correct;
  }
  EvalSums s;
  for (int c = 0; c < chunks; ++c) {
    s.loss_sum += m.chunk_loss[static_cast<size_t>(c)];
    s.correct += m.chunk_correct[static_cast<size_t>(c)];
  }
  s.count = batch;
  return s;
}

double forward_macs_per_sample(const ModelConfig& c) {
  double macs = 0;
  if (is_cnn(c)) macs += static_cast<double>(c.in_h - 2) * (c.in_w - 2) * 9.0 * c.in_c * c.conv_c;
  for (size_t l = 0; l + 1 < c.widths.size(); ++l)
    macs += static_cast<double>(c.widths[l]) * c.widths[l + 1];
  return macs;
}

#define LRB_MODELS_INSTANTIATE(T)                                                              \
  template struct Model<T>;                                                                    \
  template Model<T> make_model<T>(const ModelConfig&, int);                                    \
  template void init_params<T>(Model<T>&, const InitSpec&, std::uint64_t);                     \
  template double forward_backward<T>(Model<T>&, std::span<const T>,                           \
                                      std::span<const std::int32_t>, std::span<const T>, int); \
  template EvalSums evaluate<T>(Model<T>&, std::span<const T>, std::span<const std::int32_t>,  \
                                std::span<const T>, int);
LRB_MODELS_INSTANTIATE(float)
LRB_MODELS_INSTANTIATE(double)

}  // namespace lrb::models
