// Wall-clock timing of the Corollary 1 run of Czarnecki et al., "Understanding Synthetic Gradients
// and Decoupled Neural Interfaces" (ICML 2017): depth 10, width 32, S = 200, 10^4 iterations in
// double, with the SG (schedule-consistent, spectral Jacobian norm) and by backpropagation.
// The data, the start and the rates (eps = nu = 2^-20) are built before the timed loop.
#include "models/deep_linear.hpp"

#include <benchmark/benchmark.h>

namespace sgverify {
namespace {

void run_corollary1_case(benchmark::State& state, bool synthetic) {
  DeepLinearConfig config;
  config.arithmetic = ArithmeticSpec{ArithmeticKind::double_precision, 0};
  config.architecture.widths = {32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 1};
  config.architecture.sg_layer = 5;
  config.synthetic = synthetic;
  config.eps = Rational(1, 1 << 20);
  config.nu = Rational(1, 1 << 20);
  config.steps = 10000;
  config.record_step = [](std::int64_t k) { return k == 0; };
  const DeepLinearProblem problem = make_deep_linear_problem(32, 1, 200, 1);
  const DeepLinearState<Rational> start = make_deep_linear_start(config.architecture, 1);
  for (auto _ : state) {
    const DeepLinearRun run = run_deep_linear(problem, start, config);
    benchmark::DoNotOptimize(run.final_gradient_norm);
  }
  state.SetItemsProcessed(state.iterations() * config.steps);
}

BENCHMARK_CAPTURE(run_corollary1_case, sg_depth10_width32_samples200, true)->Unit(benchmark::kSecond)->Iterations(1);
BENCHMARK_CAPTURE(run_corollary1_case, backprop_depth10_width32_samples200, false)->Unit(benchmark::kSecond)->Iterations(1);

}  // namespace
}  // namespace sgverify

BENCHMARK_MAIN();
