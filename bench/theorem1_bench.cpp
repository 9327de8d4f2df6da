// Wall-clock timings of the Theorem 1 iteration of Czarnecki et al., "Understanding Synthetic
// Gradients and Decoupled Neural Interfaces" (ICML 2017), in three arithmetics.
//
// Every case runs the regression family (seed 1, d = 2, noise sigma = 0.5) from the paper's start
// W = 0, omega = (-1, -1, 0), with mu fixed at 1/200 and the line-search nu. Only steps 0 and
// the last step are recorded, so the trace's text conversions stay out of the timing. The
// instance and W* are built before the timed loop. The conversion of the moments to the scalar
// type happens inside run_theorem1, so it is timed with the steps.
//
// Counters: items_per_second is steps per second, weights_error is ||W - W*|| after the last step.
#include "data/families.hpp"
#include "models/theorem1.hpp"

#include <benchmark/benchmark.h>

#include <string>

namespace sgverify {
namespace {

struct BenchCase {
  std::string arithmetic;  // a value of --arith
  Theorem1Path path;
  Eigen::Index samples;
  std::int64_t steps;
};

Theorem1Config make_bench_config(const Theorem1Problem& problem, const BenchCase& bench_case) {
  Theorem1Config config;
  config.arithmetic = parse_arithmetic(bench_case.arithmetic);
  config.mu = parse_mu_schedule("fixed:1/200");
  config.nu = parse_nu_schedule("line-search");
  config.path = bench_case.path;
  config.start = make_start(problem, Start::paper, 1);
  config.steps = bench_case.steps;
  config.record_step = [steps = bench_case.steps](std::int64_t k) { return k == 0 || k == steps; };
  return config;
}

void run_theorem1_case(benchmark::State& state, const BenchCase& bench_case) {
  FamilySpec spec;
  spec.family = Family::regression;
  spec.dim = 2;
  spec.samples = bench_case.samples;
  spec.noise = Rational(1, 2);
  spec.seed = 1;
  const Theorem1Problem problem(make_family_dataset(spec));
  const Theorem1Config config = make_bench_config(problem, bench_case);
  const RowVector<Rational> W_star = least_squares_weights_for(problem, config.start.W, config.arithmetic);

  // No benchmark::DoNotOptimize on the result, because in Google Benchmark 1.7.1 with g++ 12 its
  // "+m,r" asm constraint corrupts a double (https://github.com/google/benchmark/issues/903).
  // The compiler cannot drop the call anyway, because run_theorem1 is defined in another file.
  double weights_error = 0;
  for (auto _ : state) {
    const Theorem1Run run = run_theorem1(problem, W_star, config);
    if (run.steps_done != config.steps) {
      state.SkipWithError(("the run stopped early: " + run.stop_reason).c_str());
      break;
    }
    weights_error = run.trajectory.back().weights_error;
  }
  state.SetItemsProcessed(state.iterations() * config.steps);
  state.counters["weights_error"] = weights_error;
  state.SetLabel(config.arithmetic.name() + ", " + to_string(config.path) + ", S = " + std::to_string(bench_case.samples) + ", " +
                 std::to_string(config.steps) + " steps");
}

// Wall-clock time, as the NumPy baseline in bench/theorem1_numpy.py measures it.
BENCHMARK_CAPTURE(run_theorem1_case, double_samples, BenchCase{"double", Theorem1Path::samples, 100, 100'000})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(run_theorem1_case, double_moments, BenchCase{"double", Theorem1Path::moments, 100, 100'000})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(run_theorem1_case, mpfr256_moments, BenchCase{"mpfr:256", Theorem1Path::moments, 100, 10'000})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
// The bit lengths of exact rationals grow with every step, so the cost of a step grows too.
BENCHMARK_CAPTURE(run_theorem1_case, exact_moments, BenchCase{"exact", Theorem1Path::moments, 10, 6})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
}  // namespace sgverify

BENCHMARK_MAIN();
