#include "models/table2_training.hpp"

#include "data/rng.hpp"
#include "numeric/rational.hpp"

#include <cmath>

namespace sgverify {

Table2Params<double> make_table2_start(const Table2Architecture& architecture, std::uint64_t seed) {
  Random random(seed);
  Table2Params<double> params;
  for (int i = 1; i <= architecture.layers(); ++i) {
    const Eigen::Index rows = architecture.widths[static_cast<std::size_t>(i)];
    const Eigen::Index cols = architecture.widths[static_cast<std::size_t>(i - 1)];
    const double scale = 1.0 / std::sqrt(static_cast<double>(cols));
    Matrix<double> W(rows, cols);
    for (Eigen::Index r = 0; r < rows; ++r)
      for (Eigen::Index c = 0; c < cols; ++c) W(r, c) = rational_to_double(random.gaussian(16)) * scale;
    params.W.push_back(std::move(W));
  }
  for (const int j : architecture.sg_layers) {
    const Eigen::Index width = architecture.widths[static_cast<std::size_t>(j)];
    params.sg.push_back(SgModule<double>{Matrix<double>::Zero(width, width), Matrix<double>::Zero(width, 2), Matrix<double>::Zero(width, 1)});
  }
  return params;
}

TrainingRun train_table2(const Table2Data<double>& data, const Table2Architecture& architecture, const Table2Params<double>& start,
                         bool synthetic, const AdamSettings& adam, const StoppingRule& rule) {
  Table2Params<double> params = start;
  std::vector<AdamMoments<double>> weight_moments(params.W.size());
  std::vector<AdamMoments<double>> sg_moments(3 * params.sg.size());
  TrainingRun run;
  double window_start_loss = 0;

  for (std::int64_t step = 0;; ++step) {
    const Table2Gradients<double> gradients = compute_table2_gradients(data, architecture, params);
    const double loss = gradients.loss;
    if (step % rule.record_every == 0) {
      run.recorded_steps.push_back(step);
      run.recorded_losses.push_back(loss);
    }
    run.final_loss = loss;
    run.steps = step;
    run.end_to_end = gradients.end_to_end;
    if (!std::isfinite(loss)) {
      run.diverged = true;
      break;
    }
    if (step % rule.window == 0) {
      if (step >= 2 * rule.window && std::abs(loss - window_start_loss) <= rule.tolerance) {
        run.converged = true;
        break;
      }
      window_start_loss = loss;
    }
    if (step >= rule.max_steps) break;

    const std::int64_t t = step + 1;
    const std::vector<Matrix<double>>& layer_gradients = synthetic ? gradients.sg_gradient : gradients.true_gradient;
    for (std::size_t i = 0; i < params.W.size(); ++i) adam_update(params.W[i], layer_gradients[i], weight_moments[i], t, adam);
    if (!synthetic) continue;
    for (std::size_t m = 0; m < params.sg.size(); ++m) {
      adam_update(params.sg[m].C, gradients.sg_loss_gradient[m].C, sg_moments[3 * m], t, adam);
      adam_update(params.sg[m].D, gradients.sg_loss_gradient[m].D, sg_moments[3 * m + 1], t, adam);
      adam_update(params.sg[m].c, gradients.sg_loss_gradient[m].c, sg_moments[3 * m + 2], t, adam);
    }
  }
  if (run.recorded_steps.empty() || run.recorded_steps.back() != run.steps) {
    run.recorded_steps.push_back(run.steps);
    run.recorded_losses.push_back(run.final_loss);
  }
  return run;
}

}  // namespace sgverify
