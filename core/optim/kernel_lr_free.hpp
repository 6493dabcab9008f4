#pragma once
// The kernels of update_lr_free.cpp (lr_free_optimizers.hpp), called by
// update().  Internal to core/optim.  lr: this step's LR; b1: beta1 after any
// momentum override.  Each advances state.lr_free; update() counts state.step.
#include "core/optim/kernel.hpp"

namespace lrb::optim::detail {

template <class T>
void sgd_schedule_free(const Pass<T>& ps, OptimizerState<T>& st, const SgdScheduleFreeHyper& h,
                       double lr);
template <class T>
void adamw_schedule_free(const Pass<T>& ps, OptimizerState<T>& st,
                         const AdamwScheduleFreeHyper& h, double lr);
template <class T>
void d_adapt_adam(const Pass<T>& ps, OptimizerState<T>& st, const DAdaptAdamHyper& h, double lr,
                  double b1);
template <class T>
void d_adapt_sgd(const Pass<T>& ps, OptimizerState<T>& st, const DAdaptSgdHyper& h, double lr);
template <class T>
void prodigy(const Pass<T>& ps, OptimizerState<T>& st, const ProdigyHyper& h, double lr,
             double b1);

// The state's scalars at the start (d = d0, ...).
LrFreeState initial_lr_free_state(const Optimizer& opt);

}  // namespace lrb::optim::detail
