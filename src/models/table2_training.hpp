// Training of the Table 2 models in double precision, by backpropagation or through their
// synthetic-gradient (SG) modules, with Adam and a loss-plateau stopping rule.
#pragma once

#include "models/table2_model.hpp"

#include <cstdint>
#include <vector>

namespace sgverify {

// Stop at step t (a multiple of `window`, t ≥ 2·window) when |L(t) − L(t − window)| ≤ tolerance,
// or after max_steps steps. The loss is recorded every `record_every` steps for the curves.
// NOTE: the rule looks at the loss only, so a long plateau (a deep linear network near a saddle)
// also stops a run. "Converged" means that the loss stalled, not that the gradient vanished.
struct StoppingRule {
  std::int64_t window = 1000;
  double tolerance = 1e-7;
  std::int64_t max_steps = 100'000;
  std::int64_t record_every = 100;
};

struct TrainingRun {
  std::vector<std::int64_t> recorded_steps;
  std::vector<double> recorded_losses;
  double final_loss = 0;
  std::int64_t steps = 0;
  bool converged = false;  // the stopping rule fired before max_steps
  bool diverged = false;   // a non-finite loss
  Matrix<double> end_to_end;
};

// Weights with standard Gaussian entries (drawn by the suite's deterministic generator) divided by
// √(fan-in), and zero SG modules.
Table2Params<double> make_table2_start(const Table2Architecture& architecture, std::uint64_t seed);

// Trains from `start`. With synthetic false every layer follows ∂L/∂W_i (backpropagation) and the
// SG modules are unused. With synthetic true the layers follow the SG-driven gradients and every
// SG module follows ∂E_j/∂(C, D, c). Every step updates all of them from the same state.
TrainingRun train_table2(const Table2Data<double>& data, const Table2Architecture& architecture, const Table2Params<double>& start,
                         bool synthetic, const AdamSettings& adam, const StoppingRule& rule);

}  // namespace sgverify
