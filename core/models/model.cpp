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
    if (in < 1 || in > 1000000)
      throw spec::SpecError("linear: in must be in [1, 1e6], got " + std::to_string(in));
    c.widths = {static_cast<int>(in), 1};
    c.bias = a.boolean({"bias"}, true);
  } else if (s.name == "mlp") {
    // Checked in int64 before narrowing: 4294967297 must not become 1.
    for (const int64_t w : a.integers({"widths"}, {})) {
      if (w < 1 || w > 1000000)
        throw spec::SpecError("mlp: every width must be in [1, 1e6], got " + std::to_string(w));
      c.widths.push_back(static_cast<int>(w));
    }
    if (c.widths.size() < 2) throw spec::SpecError("mlp: widths needs at least [in, out]");
    // Every width may be in range and the product still claim terabytes.
    double params = 0;
    for (size_t l = 0; l + 1 < c.widths.size(); ++l)
      params += double(c.widths[l]) * double(c.widths[l + 1]) + double(c.widths[l + 1]);
    if (params > 1e8)
      throw spec::SpecError("mlp: widths give " + std::to_string(static_cast<int64_t>(params)) +
                            " parameters, more than the limit of 1e8");
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

int chunks_for(int batch) { return (batch + kChunk - 1) / kChunk; }

constexpr size_t npos = static_cast<size_t>(-1);
constexpr int kRowBlock = 64;  // kernel rows per phase-1/3 task

// Index of dense layer l's kernel / bias in tensors.
size_t kernel_index(const ModelConfig& c, int l) {
  return static_cast<size_t>((is_cnn(c) ? 2 : 0) + l * (c.bias ? 2 : 1));
}

template <class T>
struct Step {  // the spans one step works on (no allocation: views only)
  Model<T>& m;
  std::span<const T> x;
  std::span<const std::int32_t> labels;
  std::span<const T> targets;
  int batch;

  const ModelConfig& c() const { return m.config; }
  T* act(int k) { return m.work.data() + m.act[static_cast<size_t>(k)]; }
  T* dact(int k) { return m.work.data() + m.dact[static_cast<size_t>(k)]; }
  // Level-k activations, rows [s0, s0 + n).
  std::span<const T> in_rows(int k, int s0, int n) {
    const size_t w = static_cast<size_t>(c().widths[static_cast<size_t>(k)]);
    const T* base = (k == 0 && !is_cnn(c())) ? x.data() : act(k);
    return {base + s0 * w, n * w};
  }
  std::span<const T> wt(int l) {  // W^T of dense layer l, (out, in)
    const size_t n = static_cast<size_t>(c().widths[static_cast<size_t>(l)]) * c().widths[static_cast<size_t>(l) + 1];
    return {m.work.data() + m.wt[static_cast<size_t>(l)], n};
  }
  std::span<const T> param(size_t t) {
    const auto& ti = m.tensors[t];
    return {m.params.data() + ti.offset, ti.size};
  }
};

// Forward of samples [s0, s0 + n) through every layer (the loss head aside).
// Rows are independent: any split of the batch gives the same bits.
template <class T>
void forward_rows(Step<T>& st, int s0, int n) {
  const ModelConfig& c = st.c();
  const int L = dense_layers(c);
  if (is_cnn(c)) {
    const size_t in = st.m.input_size(), w0 = static_cast<size_t>(c.widths[0]);
    layers::conv3x3_relu_pool_forward<T>(
        std::span<T>(st.act(0) + s0 * w0, n * w0),
        std::span<std::uint8_t>(st.m.masks.data() + s0 * w0, n * w0),
        st.x.subspan(s0 * in, n * in), st.param(0), st.param(1),
        layers::ConvPoolDims{n, c.in_h, c.in_w, c.conv_c});
  }
  for (int l = 0; l < L; ++l) {
    const size_t k = kernel_index(c, l);
    const layers::DenseDims d{n, c.widths[static_cast<size_t>(l)], c.widths[static_cast<size_t>(l) + 1]};
    std::span<T> y(st.act(l + 1) + static_cast<size_t>(s0) * d.out, static_cast<size_t>(n) * d.out);
    const auto b = c.bias ? st.param(k + 1) : std::span<const T>();
    if (st.m.small[static_cast<size_t>(l)])
      layers::dense_forward_small<T>(y, st.in_rows(l, s0, n), st.param(k), b, d);
    else
      layers::dense_forward_t<T>(y, st.in_rows(l, s0, n), st.wt(l), b, d);
    if (l + 1 < L) layers::relu_forward<T>(y, y);
  }
}

// The loss head over samples [s0, s0 + n): returns their loss sum (the
// caller keeps one per chunk: chunk sums combine in chunk order), counts
// correct; softmax probabilities overwrite the logits (backward reads them).
template <class T>
double loss_rows(Step<T>& st, int s0, int n, std::int64_t* correct) {
  const ModelConfig& c = st.c();
  const size_t out = st.m.output_size();
  T* top = st.act(dense_layers(c)) + s0 * out;
  if (c.head == Head::softmax_ce)
    return layers::softmax_cross_entropy_forward<T>(std::span<T>(top, n * out),
                                                    std::span<const T>(top, n * out),
                                                    st.labels.subspan(s0, n), n,
                                                    static_cast<int>(out), correct);
  return layers::mse_forward<T>(std::span<const T>(top, n * out),
                                st.targets.subspan(s0 * out, n * out), n, static_cast<int>(out));
}

// Backward data path of samples [s0, s0 + n): every dact level down to the
// stack input.  Weight gradients wait for phase 3 (the conv block's, per
// chunk, for conv_backward_chunk).
// The loss head's gradient of samples [s0, s0 + n): dact of the top level.
template <class T>
void backward_top(Step<T>& st, int s0, int n) {
  const ModelConfig& c = st.c();
  const int L = dense_layers(c);
  const size_t out = st.m.output_size();
  const T scale = T(1) / static_cast<T>(st.batch);
  std::span<T> dtop(st.dact(L) + s0 * out, n * out);
  std::span<const T> top(st.act(L) + s0 * out, n * out);
  if (c.head == Head::softmax_ce)
    layers::softmax_cross_entropy_backward<T>(dtop, top, st.labels.subspan(s0, n), n,
                                              static_cast<int>(out), scale);
  else
    layers::mse_backward<T>(dtop, top, st.targets.subspan(s0 * out, n * out), n,
                            static_cast<int>(out), scale);
}

template <class T>
void backward_rows(Step<T>& st, int s0, int n) {
  const ModelConfig& c = st.c();
  const int L = dense_layers(c);
  backward_top(st, s0, n);
  for (int l = L - 1; l >= 0; --l) {
    if (l == 0 && !is_cnn(c)) continue;  // the input layer: no dx
    const layers::DenseDims d{n, c.widths[static_cast<size_t>(l)], c.widths[static_cast<size_t>(l) + 1]};
    std::span<T> dx(st.dact(l) + static_cast<size_t>(s0) * d.in, static_cast<size_t>(n) * d.in);
    const std::span<const T> dy(st.dact(l + 1) + static_cast<size_t>(s0) * d.out, static_cast<size_t>(n) * d.out);
    if (st.m.small[static_cast<size_t>(l)])
      layers::dense_backward_input_small<T>(dx, dy, st.param(kernel_index(c, l)), d);
    else
      layers::dense_backward_input_t<T>(dx, dy, st.wt(l), d);
    if (l > 0)  // through the ReLU that produced this layer's input
      layers::relu_backward<T>(dx, dx, st.in_rows(l, s0, n));
  }
}

// The conv block's gradient of chunk `chunk` (samples [s0, s0 + n)) into
// the chunk's own partial: each partial sums its samples from 0, and phase 3
// adds the partials in chunk order, whatever the thread count.
template <class T>
void conv_backward_chunk(Step<T>& st, int chunk, int s0, int n) {
  const ModelConfig& c = st.c();
  T* P = st.m.work.data() + st.m.partial + static_cast<size_t>(chunk) * st.m.partial_size;
  std::fill(P, P + st.m.partial_size, T(0));
  const size_t in = st.m.input_size(), w0 = static_cast<size_t>(c.widths[0]);
  const size_t nk = st.m.tensors[0].size;
  layers::conv3x3_relu_pool_backward<T>(
      std::span<T>(P, nk), std::span<T>(P + nk, st.m.tensors[1].size),
      std::span<const T>(st.dact(0) + s0 * w0, n * w0), std::span<const T>(st.act(0) + s0 * w0, n * w0),
      std::span<const std::uint8_t>(st.m.masks.data() + s0 * w0, n * w0),
      st.x.subspan(s0 * in, n * in), layers::ConvPoolDims{n, c.in_h, c.in_w, c.conv_c});
}

// Chunk c of a dense stack whose layers are all small, on one thread: per
// block of K samples (layers::small_block) the stack runs feature-major from
// the input to the loss and back, each level going back to rows only where
// rows are read (the activations and their gradients for phase 3 and the
// loss head).  The values are those of forward_rows / loss_rows /
// backward_rows exactly (same kernels' arithmetic; the ReLUs folded in).
template <class T>
void small_stack_chunk(Step<T>& st, int chunk, bool backward, std::int64_t* correct) {
  Model<T>& m = st.m;
  const ModelConfig& c = st.c();
  const int L = dense_layers(c), K = layers::small_block<T>();
  const int s0 = chunk * kChunk, n = std::min(kChunk, st.batch - s0), blocks = (n + K - 1) / K;
  auto width = [&](int k) { return c.widths[static_cast<size_t>(k)]; };
  auto blk = [&](int k, int b) {  // level k of block b: (width, K)
    return m.work.data() + m.blocks[static_cast<size_t>(k)] + static_cast<size_t>(b) * width(k) * K;
  };
  auto bias = [&](int l) { return c.bias ? st.param(kernel_index(c, l) + 1).data() : nullptr; };
  for (int b = 0; b < blocks; ++b) {
    const int r0 = s0 + b * K, rows = std::min(K, n - b * K);
    layers::rows_to_block(blk(0, b), st.x.data() + static_cast<size_t>(r0) * width(0), rows, width(0), width(0));
    for (int l = 0; l < L; ++l) {
      layers::dense_forward_block(blk(l + 1, b), blk(l, b), st.param(kernel_index(c, l)).data(), bias(l),
                                  width(l), width(l + 1), l + 1 < L);
      layers::block_to_rows(st.act(l + 1) + static_cast<size_t>(r0) * width(l + 1), blk(l + 1, b), rows,
                            width(l + 1), width(l + 1));
    }
  }
  m.chunk_loss[static_cast<size_t>(chunk)] = loss_rows(st, s0, n, correct);
  if (!backward) return;
  backward_top(st, s0, n);
  T* d0 = m.work.data() + m.blocks[static_cast<size_t>(L) + 1];
  T* d1 = d0 + static_cast<size_t>(*std::max_element(c.widths.begin(), c.widths.end())) * K;
  for (int b = 0; b < blocks; ++b) {
    const int r0 = s0 + b * K, rows = std::min(K, n - b * K);
    layers::rows_to_block(d0, st.dact(L) + static_cast<size_t>(r0) * width(L), rows, width(L), width(L));
    for (int l = L - 1; l >= 1; --l) {
      layers::dense_backward_input_block(d1, static_cast<const T*>(d0), st.param(kernel_index(c, l)).data(),
                                         width(l), width(l + 1), static_cast<const T*>(blk(l, b)));
      layers::block_to_rows(st.dact(l) + static_cast<size_t>(r0) * width(l), d1, rows, width(l), width(l));
      std::swap(d0, d1);
    }
  }
}

// Phase 3, one task: rows of a dense kernel gradient, a bias gradient, or
// the conv partials (overwriting; grads need no separate zeroing).
template <class T>
void grad_task(Step<T>& st, const typename Model<T>::RowTask& t, int chunks) {
  Model<T>& m = st.m;
  const ModelConfig& c = st.c();
  if (t.layer < 0) {
    const size_t P = m.partial_size;
    const T* part = m.work.data() + m.partial;
    T* g = m.grads.data() + m.tensors[0].offset;  // conv kernel then bias, contiguous
    std::copy(part, part + P, g);
    for (int ch = 1; ch < chunks; ++ch)
      for (size_t j = 0; j < P; ++j) g[j] += part[static_cast<size_t>(ch) * P + j];
    return;
  }
  const size_t k = kernel_index(c, t.layer);
  const layers::DenseDims d{st.batch, c.widths[static_cast<size_t>(t.layer)],
                            c.widths[static_cast<size_t>(t.layer) + 1]};
  std::span<const T> dy(st.dact(t.layer + 1), static_cast<size_t>(st.batch) * d.out);
  if (t.i0 < 0) {
    const auto& B = m.tensors[k + 1];
    std::span<T> db(m.grads.data() + B.offset, B.size);
    std::fill(db.begin(), db.end(), T(0));
    layers::dense_backward_bias<T>(db, dy, d);
    return;
  }
  const auto& W = m.tensors[k];
  std::span<T> dW(m.grads.data() + W.offset, W.size);
  std::fill(dW.begin() + static_cast<size_t>(t.i0) * d.out, dW.begin() + static_cast<size_t>(t.i1) * d.out, T(0));
  layers::dense_backward_weight_rows<T>(dW, dy, st.in_rows(t.layer, 0, st.batch), d, t.i0, t.i1);
}

template <class T>
void check_batch(const Model<T>& m, std::span<const T> x, std::span<const std::int32_t> labels,
                 std::span<const T> targets, int batch) {
  if (batch < 1 || batch > m.max_batch)
    throw std::invalid_argument("batch " + std::to_string(batch) + " outside [1, max_batch = " +
                                std::to_string(m.max_batch) + "]");
  if (x.size() < static_cast<size_t>(batch) * m.input_size())
    throw std::invalid_argument("x holds " + std::to_string(x.size()) + " values, batch * input_size = " +
                                std::to_string(static_cast<size_t>(batch) * m.input_size()));
  if (m.config.head == Head::softmax_ce) {
    if (labels.size() < static_cast<size_t>(batch))
      throw std::invalid_argument("labels smaller than the batch");
    for (int n = 0; n < batch; ++n)
      if (labels[static_cast<size_t>(n)] < 0 || static_cast<size_t>(labels[static_cast<size_t>(n)]) >= m.output_size())
        throw std::invalid_argument("label " + std::to_string(labels[static_cast<size_t>(n)]) +
                                    " outside [0, " + std::to_string(m.output_size()) + ")");
  } else if (targets.size() < static_cast<size_t>(batch) * m.output_size()) {
    throw std::invalid_argument("targets smaller than batch * output_size");
  }
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
Model<T> make_model(const ModelConfig& config, int max_batch) {
  if (max_batch < 1) throw std::invalid_argument("max_batch must be >= 1");
  if (config.widths.size() < 2) throw std::invalid_argument("model needs at least one dense layer");
  if (is_cnn(config) && (config.in_c != 1 ||
                         config.widths[0] != (config.in_h - 2) / 2 * ((config.in_w - 2) / 2) * config.conv_c))
    throw std::invalid_argument("cnn: only Cin = 1 and widths[0] = pooled size are wired");
  Model<T> m;
  m.config = config;
  m.max_batch = max_batch;
  size_t off = 0;
  // rows, cols: the last two axes of the Keras shape (0, 0 for a bias).
  auto add = [&](std::string name, size_t size, int fan_in, int fan_out, bool bias,
                 size_t rows, size_t cols) {
    m.tensors.push_back({name, off, size, fan_in, fan_out, bias});
    m.tensor_offsets.push_back(off);
    m.factor_dims.push_back({rows, cols});
    m.tensor_names.push_back(std::move(name));
    off += size;
  };
  if (is_cnn(config)) {
    const int k = 3 * 3 * config.in_c;
    const size_t cin = static_cast<size_t>(config.in_c), cout = static_cast<size_t>(config.conv_c);
    add("conv.kernel", static_cast<size_t>(k) * config.conv_c, k, 3 * 3 * config.conv_c, false,
        cin, cout);  // (3, 3, Cin, Cout)
    add("conv.bias", cout, k, 3 * 3 * config.conv_c, true, 0, 0);
  }
  const int L = dense_layers(config);
  for (int l = 0; l < L; ++l) {
    const int fi = config.widths[static_cast<size_t>(l)], fo = config.widths[static_cast<size_t>(l) + 1];
    // Names seed the initializers (derive_seed): changing one changes the init.
    add("dense" + std::to_string(l) + ".kernel", static_cast<size_t>(fi) * fo, fi, fo, false,
        static_cast<size_t>(fi), static_cast<size_t>(fo));  // (in, out)
    if (config.bias)
      add("dense" + std::to_string(l) + ".bias", static_cast<size_t>(fo), fi, fo, true, 0, 0);
  }
  m.params.assign(off, T(0));
  m.grads.assign(off, T(0));

  const int chunks = chunks_for(max_batch);
  size_t w = 0;
  const size_t B = static_cast<size_t>(chunks) * kChunk;
  for (int k = 0; k <= L; ++k) {
    const size_t width = static_cast<size_t>(config.widths[static_cast<size_t>(k)]);
    const bool stored = k > 0 || is_cnn(config);  // level 0 of an MLP is the caller's x
    m.act.push_back(stored ? w : npos);
    w += stored ? B * width : 0;
    m.dact.push_back(stored ? w : npos);
    w += stored ? B * width : 0;
  }
  for (int l = 0; l < L; ++l) {  // W^T of every layer but the small ones (they read W)
    const int fi = config.widths[static_cast<size_t>(l)], fo = config.widths[static_cast<size_t>(l) + 1];
    m.small.push_back(fi <= layers::kSmallMax && fo <= layers::kSmallMax);
    if (m.small.back()) {
      m.wt.push_back(npos);
      continue;
    }
    m.wt.push_back(w);
    w += static_cast<size_t>(fi) * fo;
    for (int i0 = 0; i0 < fi; i0 += kRowBlock) m.wt_tasks.push_back({l, i0, std::min(fi, i0 + kRowBlock)});
  }
  m.all_small = !is_cnn(config) && std::all_of(m.small.begin(), m.small.end(), [](bool b) { return b; });
  if (m.all_small) {  // per level a chunk's blocks, then two gradient blocks
    for (int k = 0; k <= L; ++k) {
      m.blocks.push_back(w);
      w += static_cast<size_t>(config.widths[static_cast<size_t>(k)]) * kChunk;
    }
    m.blocks.push_back(w);
    w += 2 * static_cast<size_t>(*std::max_element(config.widths.begin(), config.widths.end())) * kChunk;
  }
  if (is_cnn(config)) {
    m.partial = w;
    m.partial_size = m.tensors[0].size + m.tensors[1].size;
    w += static_cast<size_t>(chunks) * m.partial_size;
    m.masks.assign(B * static_cast<size_t>(config.widths[0]), 0);
    m.grad_tasks.push_back({-1, 0, 0});
  }
  for (int l = 0; l < L; ++l) {
    const int fi = config.widths[static_cast<size_t>(l)];
    for (int i0 = 0; i0 < fi; i0 += kRowBlock) m.grad_tasks.push_back({l, i0, std::min(fi, i0 + kRowBlock)});
    if (config.bias) m.grad_tasks.push_back({l, -1, 0});
  }
  m.work.assign(w, T(0));
  m.macs_per_sample = train_macs_per_sample(config);
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

// Phase 1: W^T of every dense kernel, task t of wt_tasks.
template <class T>
void transpose_task(Step<T>& st, int t) {
  Model<T>& m = st.m;
  const auto& task = m.wt_tasks[static_cast<size_t>(t)];
  const int fi = m.config.widths[static_cast<size_t>(task.layer)];
  const int fo = m.config.widths[static_cast<size_t>(task.layer) + 1];
  layers::transpose_rows<T>(std::span<T>(m.work.data() + m.wt[static_cast<size_t>(task.layer)],
                                         static_cast<size_t>(fi) * fo),
                            st.param(kernel_index(m.config, task.layer)), fi, fo, task.i0, task.i1);
}

// Runs the phases of one step.  team: one parallel region whose
// worksharing loops end in the barriers the phases need; phase 2 runs per
// chunk (forward, loss, backward, conv gradient).  No team: no OpenMP
// construct at all (even a one-thread region with its loops costs ~1.5 us, a
// third of a small model's step) and, for a dense stack, each layer over the
// whole batch at once (a quarter of the kernel calls).  The loss sums stay
// per chunk and every element is computed the same way: same bits.
template <class T>
void run_phases(Step<T>& st, bool team, bool backward, bool count_correct) {
  Model<T>& m = st.m;
  const int batch = st.batch, chunks = chunks_for(batch);
  const int nwt = static_cast<int>(m.wt_tasks.size());
  const int ngrad = backward ? static_cast<int>(m.grad_tasks.size()) : 0;
  const bool conv = is_cnn(m.config);
  auto chunk = [&](int c) {
    const int s0 = c * kChunk, n = std::min(kChunk, batch - s0);
    std::int64_t* cor = count_correct ? &m.chunk_correct[static_cast<size_t>(c)] : nullptr;
    if (cor) *cor = 0;
    forward_rows(st, s0, n);
    m.chunk_loss[static_cast<size_t>(c)] = loss_rows(st, s0, n, cor);
    if (!backward) return;
    backward_rows(st, s0, n);
    if (conv) conv_backward_chunk(st, c, s0, n);
  };
  if (!team) {
    for (int t = 0; t < nwt; ++t) transpose_task(st, t);
    if (conv) {  // chunk by chunk: its activations stay in cache from forward to backward
      for (int c = 0; c < chunks; ++c) chunk(c);
    } else if (m.all_small) {
      for (int c = 0; c < chunks; ++c)
        small_stack_chunk(st, c, backward, count_correct ? &m.chunk_correct[static_cast<size_t>(c)] : nullptr);
    } else {
      forward_rows(st, 0, batch);
      for (int c = 0; c < chunks; ++c) {
        const int s0 = c * kChunk, n = std::min(kChunk, batch - s0);
        std::int64_t* cor = count_correct ? &m.chunk_correct[static_cast<size_t>(c)] : nullptr;
        if (cor) *cor = 0;
        m.chunk_loss[static_cast<size_t>(c)] = loss_rows(st, s0, n, cor);
      }
      if (backward) backward_rows(st, 0, batch);
    }
    for (int t = 0; t < ngrad; ++t) grad_task(st, m.grad_tasks[static_cast<size_t>(t)], chunks);
    return;
  }
#pragma omp parallel
  {
#pragma omp for schedule(static)
    for (int t = 0; t < nwt; ++t) transpose_task(st, t);  // phase 1: W^T
#pragma omp for schedule(static)
    for (int c = 0; c < chunks; ++c) chunk(c);  // phase 2: chunks
#pragma omp for schedule(dynamic, 1)
    for (int t = 0; t < ngrad; ++t)  // phase 3: weight gradients over the batch
      grad_task(st, m.grad_tasks[static_cast<size_t>(t)], chunks);
  }
}

template <class T>
double forward_backward(Model<T>& m, std::span<const T> x, std::span<const std::int32_t> labels,
                        std::span<const T> targets, int batch) {
  check_batch(m, x, labels, targets, batch);
  Step<T> st{m, x, labels, targets, batch};
  const bool team = batch * m.macs_per_sample >= m.min_parallel_macs && omp_get_max_threads() > 1;
  run_phases(st, team, true, false);
  double loss = 0;
  for (int c = 0; c < chunks_for(batch); ++c) loss += m.chunk_loss[static_cast<size_t>(c)];
  return loss / batch;
}

template <class T>
EvalSums evaluate(Model<T>& m, std::span<const T> x, std::span<const std::int32_t> labels,
                  std::span<const T> targets, int batch) {
  check_batch(m, x, labels, targets, batch);
  Step<T> st{m, x, labels, targets, batch};
  const bool team = batch * forward_macs_per_sample(m.config) >= m.min_parallel_macs &&
                    omp_get_max_threads() > 1;
  run_phases(st, team, false, true);
  EvalSums s;
  for (int c = 0; c < chunks_for(batch); ++c) {
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

double train_macs_per_sample(const ModelConfig& c) {
  double macs = 2 * forward_macs_per_sample(c);  // forward + every weight gradient
  const size_t first = is_cnn(c) ? 0 : 1;         // input gradients below the first layer
  for (size_t l = first; l + 1 < c.widths.size(); ++l)
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
