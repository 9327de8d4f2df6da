// Wall-clock timing of one deep row of Table 2 of Czarnecki et al., "Understanding Synthetic
// Gradients and Decoupled Neural Interfaces" (ICML 2017): the noisy family with k = 100 and
// S = 1000, 10 hidden linear layers of width 10, log loss, an SG after every hidden layer, Adam with
// learning rate 3e-5, 2000 steps in double without early stopping. bench/table2_torch.py times
// the same computation in PyTorch.
#include "data/families.hpp"
#include "models/table2_training.hpp"
#include "numeric/rational.hpp"

#include <benchmark/benchmark.h>

namespace sgverify {
namespace {

constexpr std::int64_t benchmark_steps = 2000;

void run_table2_deep_log(benchmark::State& state, bool synthetic) {
  const Dataset dataset = make_family_dataset(FamilySpec{Family::noisy, 100, 1000, 0, 1});
  const auto convert = [](const Rational& value) { return rational_to_double(value); };
  const Table2Data<double> data = make_table2_data<double>(dataset.X.unaryExpr(convert), dataset.y.unaryExpr(convert), Table2Loss::log);
  const Table2Architecture architecture = make_deep_architecture(100, 10, 10, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, Table2Loss::log);
  const Table2Params<double> start = make_table2_start(architecture, 1);
  // A negative tolerance never stops a run early, so every iteration does all the steps.
  const StoppingRule rule{1000, -1.0, benchmark_steps, 1000};
  for (auto _ : state) {
    const TrainingRun run = train_table2(data, architecture, start, synthetic, AdamSettings{}, rule);
    benchmark::DoNotOptimize(run.final_loss);
  }
  state.SetItemsProcessed(state.iterations() * benchmark_steps);
}

void BM_Table2DeepLogBackprop(benchmark::State& state) { run_table2_deep_log(state, false); }
void BM_Table2DeepLogSyntheticGradients(benchmark::State& state) { run_table2_deep_log(state, true); }

BENCHMARK(BM_Table2DeepLogBackprop)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Table2DeepLogSyntheticGradients)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace sgverify

BENCHMARK_MAIN();
