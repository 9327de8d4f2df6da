// Wall-clock and CPU timings of the proof audit of Theorem 1 of Czarnecki et al., "Understanding
// Synthetic Gradients and Decoupled Neural Interfaces" (ICML 2017): proofs::audit_theorem1 over
// 1000 instances drawn with seed 1, one whole audit per case and one iteration each.
//
// The all_claims cases audit every T1.* claim, once with exact steps shared between steps of
// equal hypotheses and once with the reference path that recomputes them for every step. The
// other cases split that time:
// - one_step audits T1.sg-gradient alone: instance generation and one exact step per instance.
// - convergence audits T1.global-solution alone: instance generation and, per instance, the
//   double-precision run of up to convergence_steps steps that decides both convergence claims.
// - convergence_half does the same with half as many steps, which separates the cost per step of
//   those runs from their fixed cost.
// - generate_instances only draws the instances.
//
// Counters: items_per_second is instances per second. refuted, confirmed and inconclusive count
// the claims with that verdict, and convergence_steps is the horizon of the convergence runs.
// samples is the total sample count of the generated instances. The label is a digest of every
// claim's summary record (id, verdict, level, instance count, worst value and detail) and of its
// count of instances outside the hypotheses. So two cases with equal digests reported the same
// results, barring a hash collision.
#include "proofs/theorem1_audit.hpp"

#include <benchmark/benchmark.h>

#include <fmt/format.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace sgverify {
namespace {

constexpr std::int64_t audit_instances = 1000;
constexpr std::uint64_t audit_seed = 1;

// The audit's default horizon of the convergence runs.
constexpr std::int64_t default_convergence_steps = proofs::AuditOptions{}.convergence_steps;

struct AuditCase {
  std::string claim;  // one claim id, or empty for all
  bool share_exact_steps = true;
  std::int64_t convergence_steps = default_convergence_steps;
};

// A digest of the claims' summary records. The C++ standard promises equal std::hash values only
// within one execution of a program, so compare digests from one run of the benchmark binary.
std::string results_digest(const std::vector<proofs::ClaimAudit>& audits) {
  std::string records;
  for (const proofs::ClaimAudit& audit : audits)
    records += fmt::format("{} {}\n", to_json(audit.result).dump(), audit.not_applicable);
  return fmt::format("{:016x}", std::hash<std::string>{}(records));
}

void audit_theorem1_case(benchmark::State& state, const AuditCase& bench_case) {
  proofs::AuditOptions options;
  options.instances = audit_instances;
  options.seed = audit_seed;
  options.claim = bench_case.claim;
  options.share_exact_steps = bench_case.share_exact_steps;
  options.convergence_steps = bench_case.convergence_steps;

  std::vector<proofs::ClaimAudit> audits;
  for (auto _ : state) audits = proofs::audit_theorem1(options, {});

  int refuted = 0, confirmed = 0, inconclusive = 0;
  for (const proofs::ClaimAudit& audit : audits) {
    if (audit.result.verdict == Verdict::refuted) ++refuted;
    if (audit.result.verdict == Verdict::confirmed) ++confirmed;
    if (audit.result.verdict == Verdict::inconclusive) ++inconclusive;
  }
  state.counters["refuted"] = refuted;
  state.counters["confirmed"] = confirmed;
  state.counters["inconclusive"] = inconclusive;
  state.counters["convergence_steps"] = static_cast<double>(options.convergence_steps);
  state.SetItemsProcessed(state.iterations() * audit_instances);
  state.SetLabel(fmt::format("{} claims, digest {}", audits.size(), results_digest(audits)));
}

void generate_instances(benchmark::State& state) {
  std::size_t samples = 0;
  for (auto _ : state) {
    samples = 0;
    for (std::int64_t index = 0; index < audit_instances; ++index)
      samples += static_cast<std::size_t>(proofs::generate_audit_instance(audit_seed, index).data.samples());
  }
  state.SetItemsProcessed(state.iterations() * audit_instances);
  state.counters["samples"] = static_cast<double>(samples);
}

// One iteration each, because one audit takes seconds and is deterministic for a seed, so more
// iterations would only repeat the same work.
void time_one_audit(benchmark::internal::Benchmark* bench) {
  bench->Iterations(1)->Unit(benchmark::kSecond)->UseRealTime();
}

BENCHMARK_CAPTURE(audit_theorem1_case, all_claims_shared, AuditCase{"", true})->Apply(time_one_audit);
BENCHMARK_CAPTURE(audit_theorem1_case, all_claims_unshared, AuditCase{"", false})->Apply(time_one_audit);
BENCHMARK_CAPTURE(audit_theorem1_case, one_step, AuditCase{"T1.sg-gradient"})->Apply(time_one_audit);
BENCHMARK_CAPTURE(audit_theorem1_case, convergence, AuditCase{"T1.global-solution"})->Apply(time_one_audit);
BENCHMARK_CAPTURE(audit_theorem1_case, convergence_half, AuditCase{"T1.global-solution", true, default_convergence_steps / 2})->Apply(time_one_audit);
BENCHMARK(generate_instances)->Apply(time_one_audit);

}  // namespace
}  // namespace sgverify

BENCHMARK_MAIN();
