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
// Determinism at any thread count.  One step runs three parallel phases,
// each over work units whose boundaries depend on the batch only:
//   1. W^T of every dense kernel (row blocks).
//   2. Sample chunks of kChunk: forward, loss, and the backward data path
//      (dlogits -> dx -> ... -> the conv block's weight gradient into the
//      chunk's own partial buffer).  Activations live batch-wide in `work`.
//   3. Weight gradients of every dense layer over the WHOLE batch, parallel
//      over blocks of kernel rows: each element sums its B terms serially in
//      sample order.  The conv partials are summed in chunk order; losses too.
// No float reduction depends on scheduling, so 1, 2 or 16 threads give the
// same bits; no step allocates.
//
// Small steps (under min_parallel_macs, or one OpenMP thread) run the same
// phases on the calling thread with no OpenMP construct at all; a dense
// stack then runs each layer over the whole batch, and a stack of small
// layers block by block feature-major (layers::dense_forward_block).  Every
// element is computed by the same operations in the same order: same bits.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/memory/buffer.hpp"
#include "core/optim/framework_optimizers.hpp"  // FactorDims (a plain struct)
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
  // The last two axes of each tensor's Keras shape, for Adafactor's factored
  // second moment: conv kernel (3, 3, Cin, Cout) -> {Cin, Cout}; dense kernel
  // (in, out) -> {in, out}; biases (rank 1) -> {0, 0}.
  std::vector<optim::FactorDims> factor_dims;
  std::vector<std::string> tensor_names;  // tensors[i].name
  // One work arena, sized once for max_batch, views by offset:
  //   act[k], dact[k]  (max_batch, widths[k]) row-major: the dense stack's
  //                    level-k activation and its gradient.  Level 0 is the
  //                    stack input (cnn001: the pooled map (B, 13, 13, 32);
  //                    other models: the caller's x, so act[0] is unused).
  //   wt[l]            (widths[l+1], widths[l]): W^T of dense layer l, rebuilt
  //                    at the start of every step (npos for small layers,
  //                    which read W itself).
  //   partial          (chunks, conv params): per-chunk conv gradients.
  Buffer<T> work;
  std::vector<size_t> act, dact, wt;
  size_t partial = 0, partial_size = 0;  // conv params per chunk (0: none)
  Buffer<std::uint8_t> masks;            // (max_batch, 13, 13, 32) pool argmax (cnn001)
  std::vector<double> chunk_loss;        // per-chunk loss sums
  std::vector<std::int64_t> chunk_correct;
  struct RowTask {
    int layer, i0, i1;  // rows [i0, i1) of dense kernel `layer`; i0 = -1: its bias;
  };                    // layer = -1: sum the conv partials
  std::vector<RowTask> wt_tasks, grad_tasks;  // phases 1 and 3
  // Per dense layer: small (in, out <= layers::kSmallMax: forward and input
  // gradient by the *_small kernels, from W) or not (from W^T); same bits.
  std::vector<bool> small;
  bool all_small = false;         // a dense stack of small layers only
  //   blocks[k]        (all_small) level k of one chunk, feature-major blocks
  //                    (layers::small_block); blocks[L+1]: two gradient blocks
  std::vector<size_t> blocks;
  // Steps with fewer multiply-adds than this run on the calling thread alone,
  // without any OpenMP construct: a team's fork, three barriers and join cost
  // ~5 us even on idle cores, the time one core needs for ~3e5 multiply-adds
  // (mlp004 at batch 32 has 23k; cnn001 at batch 2, 1.1M, is worth a team).
  // The bits are the same either way; tests set 0 to force the team.
  double min_parallel_macs = 1e6;
  double macs_per_sample = 0;  // train_macs_per_sample(config)

  size_t input_size() const;
  size_t output_size() const;
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
// ... of forward_backward: forward, plus each kernel's weight gradient, plus
// the input gradient of every layer but the first.
double train_macs_per_sample(const ModelConfig& config);

}  // namespace lrb::models
