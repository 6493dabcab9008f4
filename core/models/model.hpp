#pragma once
// Models as hand-wired sequences of layer calls over one parameter arena,
// one gradient arena and one work arena (STYLE.md 1-2).  No layer objects,
// no virtual calls: forward_backward() is the whole network, top to bottom.
//
//   cnn001   Conv 32 3x3 valid + ReLU on (28, 28, 1) -> MaxPool 2x2
//            -> Flatten (13*13*32 = 5408, Keras' HWC order) -> Dense 10
//            -> softmax cross-entropy            (tutorial 001, Keras layout)
//   mlp004   Dense 20->10 ReLU -> Dense 10 ReLU -> Dense 1, MSE  (tutorial 004)
//   linear   Dense in->1 (bias optional), MSE              (tutorials 002/003)
//   mlp      Dense widths[0]->...->widths[-1], ReLU between, MSE or softmax CE
//
// Determinism at any thread count: a batch is cut into chunks of kChunk
// samples whose boundaries do not depend on the thread count.  Each chunk
// runs forward and backward sequentially into its own partial gradient
// arena; the partials are then summed in chunk order (parallel over
// parameters, each parameter's sum serial).  Losses are summed the same way.
// No float reduction ever depends on scheduling, so 1, 2 or 16 threads give
// the same bits.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/memory/buffer.hpp"
#include "core/spec/spec.hpp"

namespace lrb::models {

constexpr int kChunk = 8;  // samples per deterministic work unit

enum class Head { mse, softmax_ce };

struct ModelConfig {
  std::string name;          // cnn001 | mlp004 | linear | mlp
  std::vector<int> widths;   // dense stack widths, input first (mlp004: 20,10,10,1)
  bool bias = true;
  int in_h = 0, in_w = 0, in_c = 0, conv_c = 0;  // cnn001 only
  Head head = Head::mse;
};

// "cnn001" | "mlp004" | "linear[:in=1,bias=true]" | "mlp:widths=[20,64,1],head=mse|softmax_ce"
ModelConfig model_from_spec(const spec::Spec& s);

// keras (Glorot-uniform kernels, zero biases) | pytorch (kaiming_uniform with
// a = sqrt(5): W, b ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in))) | he_normal |
// he_uniform | glorot_normal | glorot_uniform (zero biases) | zeros |
// normal:sigma=S (W ~ N(0, S^2), zero biases).  The *_normal ones are
// Keras' truncated normals (|z| <= 2, stddev corrected by 0.87962566).
struct InitSpec {
  std::string kind = "keras";
  double sigma = 0.01;
};
InitSpec init_from_spec(const spec::Spec& s);

struct TensorInfo {
  std::string name;     // "conv.kernel", "dense0.bias", ...
  size_t offset, size;  // in the parameter arena
  int fan_in, fan_out;  // for initializers (Keras' convention for conv)
  bool is_bias;
};

template <class T>
struct Model {
  ModelConfig config;
  int max_batch = 0;
  Buffer<T> params, grads;             // one arena each, same layout
  std::vector<TensorInfo> tensors;
  std::vector<size_t> tensor_offsets;  // tensors[i].offset, for per-tensor clipping
  Buffer<T> partials;                  // (chunks, params) per-chunk gradients
  Buffer<T> work;                      // activations of every chunk, sized for max_batch
  Buffer<std::uint8_t> masks;          // pool argmax (cnn001)
  std::vector<double> chunk_loss;      // per-chunk loss sums
  std::vector<std::int64_t> chunk_correct;

  size_t input_size() const;
  size_t output_size() const;
  size_t work_per_sample() const;      // activation floats per sample
};

template <class T>
Model<T> make_model(const ModelConfig& config, int max_batch);

// Per tensor, its own stream: derive_seed(seed, "init/" + tensor name, 0).
template <class T>
void init_params(Model<T>& model, const InitSpec& init, std::uint64_t seed);

// Zeroes grads; forward and backward over the batch; returns the mean loss.
// x (batch, input_size) row-major (cnn001: (B, 28, 28, 1) NHWC); labels for
// softmax_ce (else empty); targets (batch, output_size) for mse (else empty).
template <class T>
double forward_backward(Model<T>& model, std::span<const T> x,
                        std::span<const std::int32_t> labels, std::span<const T> targets,
                        int batch);

struct EvalSums {
  double loss_sum = 0;     // sum of per-sample losses
  std::int64_t correct = 0;
  std::int64_t count = 0;
};
// Forward only (batch <= max_batch).
template <class T>
EvalSums evaluate(Model<T>& model, std::span<const T> x, std::span<const std::int32_t> labels,
                  std::span<const T> targets, int batch);

// Multiply-adds per sample of one forward pass (FLOP = 2x), for benchmarks.
double forward_macs_per_sample(const ModelConfig& config);

}  // namespace lrb::models
