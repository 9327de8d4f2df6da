// Theorem 2 of Czarnecki et al., "Understanding Synthetic Gradients and Decoupled Neural
// Interfaces" (ICML 2017, arXiv:1703.00522), supplementary material: if f is continuous on a
// finite-dimensional normed space and ‖f(x)‖ < ‖x‖ for x ≠ 0, then fⁿ(x) → 0 for every x.
//
// This file contains the generators of strictly norm-decreasing maps, the explicit constructions
// that show each hypothesis is needed, and one checker per claim. Every checker takes a state
// (a map, a start and a horizon) and returns a verdict record, so that a test can plant a
// state that satisfies the claim and a perturbed one that does not.
//
// Exactness: a "norm measure" is compared instead of the norm. It is the norm itself for ℓ1,
// ℓ∞ and the pair norm, and the squared norm for ℓ2, so it is rational on rational vectors and
// orders vectors exactly as the norm does.
#pragma once

#include "claims/verdict.hpp"
#include "data/rng.hpp"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace sgverify::proofs {

// Norms of ℝⁿ. `pair` is the sum norm ‖u‖₁ + ‖v‖∞ of x = (u, v) with u, v ∈ ℝᵐ, n = 2m.
enum class NormKind { l1, l2, linf, pair };

std::string to_string(NormKind norm);
// Parses l1, l2, linf or pair; throws InputError on anything else.
NormKind parse_norm_kind(const std::string& text);

// ‖x‖ for ℓ1, ℓ∞ and pair, ‖x‖² for ℓ2.
template <class T>
T norm_measure(const Vector<T>& x, NormKind norm);

// The norm, as a double, from a norm measure.
double norm_from_measure(double measure, NormKind norm);

// The scalar factor φ(x) of a generated map f(x) = φ(x)·Q·core(x). Every φ is continuous with
// 0 < φ ≤ 1. `inverse` and `slow` tend to 1 as x → 0, so the map contracts less and less near 0.
enum class Factor {
  none,      // φ = 1, used only with a strictly norm-decreasing core
  constant,  // φ = c, 0 < c < 1: geometric decay
  inverse,   // φ = 1/(1 + k‖x‖₁): exact, ‖x‖ then decays like 1/n
  slow,      // φ = (1 + r)/(1 + 2r) with r = ‖x‖: bit lengths double a step, so MPFR only
};

// The core of a generated map: ‖core(x)‖ ≤ ‖x‖, with equality only for the identity.
enum class Core {
  identity,
  coordinatewise,  // xᵢ ↦ xᵢ/(1 + |xᵢ|), strictly norm-decreasing under every norm here
  linear,          // x ↦ Mx with operator norm of M below 1 (for pair, a block-triangular M)
};

std::string to_string(Factor factor);
std::string to_string(Core core);

// A continuous map f(x) = φ(x)·Q·core(x) on ℝⁿ with ‖f(x)‖ < ‖x‖ for x ≠ 0, where Q is a
// linear isometry of the norm: a rational rotation (Cayley transform) for ℓ2, a signed
// permutation for ℓ1 and ℓ∞, and block-wise signed permutations for pair. Proof of strictness:
// ‖f(x)‖ = φ(x)·‖core(x)‖ ≤ ‖x‖, and either φ < 1 or the core is strict for x ≠ 0.
struct ContractionMap {
  NormKind norm = NormKind::l2;
  Factor factor = Factor::inverse;
  Core core = Core::identity;
  Rational factor_parameter = 1;  // c of `constant`, k of `inverse`
  Matrix<Rational> Q;             // the isometry
  Matrix<Rational> M;             // the linear core, empty otherwise

  Eigen::Index dim() const { return Q.rows(); }
  // True when the map sends rational vectors to rational vectors (every factor but `slow`).
  bool is_rational() const { return factor != Factor::slow; }
  // True when exact orbits stay short. The coordinatewise core gives each entry its own
  // denominator. A rotation that mixes entries, or the factor 1/(1 + k‖x‖₁) that sums them,
  // then multiplies those denominators, so the bit length grows geometrically. Such maps are
  // iterated in MPFR.
  bool is_exactly_iterable() const {
    return is_rational() && !(core == Core::coordinatewise && (norm == NormKind::l2 || factor == Factor::inverse));
  }
  std::string name() const;

  Vector<Rational> apply(const Vector<Rational>& x) const;
  Vector<Mpfr> apply(const Vector<Mpfr>& x) const;
};

// Draws a map for the norm: the factor, the core, the rotation and the parameters.
// With `rational_only`, `slow` is never drawn.
ContractionMap generate_contraction_map(Random& random, NormKind norm, Eigen::Index dim, bool rational_only);

// A start with small integer and half-integer entries, not zero.
Vector<Rational> generate_start(Random& random, Eigen::Index dim);

// A map on rational vectors, as the constructions use it.
using RationalMap = std::function<Vector<Rational>(const Vector<Rational>&)>;

// The verdict of one checker on one state. `margin` is threshold minus value, so a negative
// margin means the checked inequality fails. `applicable` is false when the state does not
// meet the hypotheses of the claim, and the caller counts such states apart.
struct CheckVerdict {
  Verdict verdict = Verdict::inconclusive;
  Evidence evidence = Evidence::exact;
  double margin = 0;
  std::string detail;
  bool applicable = true;
  std::vector<double> norms;  // ‖xₙ‖ along the orbit, for the plots
};

// Combines the verdicts of one claim over its instances with combine_results. Unless the claim
// is refuted, the detail is `summary` and the worst value the smallest margin. With no verdict
// the claim is inconclusive with 0 instances.
ClaimResult combine_verdicts(const std::string& id, const std::string& statement, const std::vector<CheckVerdict>& verdicts,
                             const std::string& summary);

// A state for the orbit checkers: a map, a start, a norm and a horizon.
struct OrbitState {
  RationalMap f;
  Vector<Rational> x0;
  NormKind norm = NormKind::l1;
  std::int64_t steps = 100;
};

// Relative tolerance of the T2.limit decision: the orbit counts as converged at the first n
// with ‖xₙ‖ ≤ limit_tolerance·‖x₀‖, a factor that takes x/(1+‖x‖) about 100/‖x₀‖ steps.
inline const Rational limit_tolerance(1, 100);

// T2.limit on one orbit, exactly. Hypothesis along the orbit: ‖x_{n+1}‖ < ‖xₙ‖ while xₙ ≠ 0.
// Confirmed when ‖xₙ‖ ≤ limit_tolerance·‖x₀‖ within the horizon, refuted when the orbit returns
// exactly to x₀ ≠ 0 (a cycle, which never tends to 0), inconclusive otherwise, also when the
// bit length of an iterate exceeds max_orbit_bits.
inline constexpr std::size_t max_orbit_bits = 1'000'000;
CheckVerdict check_limit(const OrbitState& state);

// The same decision for any generated map, in MPFR at the current default precision: numerical,
// and refuted only when the rounded orbit returns exactly to x₀.
CheckVerdict check_limit_mpfr(const ContractionMap& map, const Vector<Rational>& x0, std::int64_t steps);

// T2.hypothesis-at-zero: the printed hypothesis "‖f(x)‖ < ‖x‖ for every x" fails at x = 0 for
// every f, because it reads ‖f(0)‖ < 0. Confirmed when it fails at 0 and the reading "for x ≠ 0"
// is true at every sample point, so that this reading is the one the theorem can mean.
CheckVerdict check_hypothesis_at_zero(const RationalMap& f, NormKind norm, const std::vector<Vector<Rational>>& samples, Eigen::Index dim);

// T2.needs-continuity: the orbit is strictly norm-decreasing and every ‖xₙ‖ > lower_bound > 0,
// so it stays away from 0. The map of `discontinuous_map` also has a jump (checked apart).
CheckVerdict check_stays_away(const OrbitState& state, const Rational& lower_bound);

// f(x) = x/2 for ‖x‖ ≤ 1 and x·(1 + ‖x‖)/(2‖x‖) for ‖x‖ > 1 (ℓ1, ℓ∞ or pair). It is strictly
// norm-decreasing ((1 + r)/2 < r for r > 1) and maps {‖x‖ > 1} into itself, so from ‖x₀‖ > 1
// the norms are 1 + (‖x₀‖ − 1)/2ⁿ > 1. It jumps at the unit sphere: f(x) has norm ½ there but
// norm > 1 just outside.
RationalMap discontinuous_map(NormKind norm);

// T2.needs-strictness: a continuous map with ‖f(x)‖ ≤ ‖x‖ whose orbit keeps ‖xₙ‖ = ‖x₀‖ ≠ 0.
CheckVerdict check_norm_preserved(const OrbitState& state);

// The weighted shift on ℓ²: f(e_i) = cᵢ e_{i+1} with cᵢ = i(i+2)/(i+1)² < 1 (i from 1), so
// ‖f(x)‖ < ‖x‖ for x ≠ 0, f is linear with ‖f‖ ≤ 1, and ∏_{i=1}^{n} cᵢ = (n+2)/(2(n+1)) > ½.
// Rational weight c_i of coordinate i (1-based).
Rational shift_weight(std::int64_t i);

// The shift applied to a truncation of ℓ² to the first x.size() coordinates. `weights(i)` is
// the weight of coordinate i + 1. The caller keeps the last coordinate zero, so the truncation
// is the ℓ² orbit itself.
Vector<Rational> apply_shift(const Vector<Rational>& weights, const Vector<Rational>& x);

// T2.needs-finite-dimension on one start with finite support: follows the shift for `steps`
// steps on a truncation long enough to hold the whole orbit and checks exactly that every
// step decreases the norm and ‖fⁿ(x₀)‖² ≥ lower_bound_squared·‖x₀‖². `weights` has the weights
// of the truncation (dimension x0.size() + steps + 1 after padding).
// Calls `progress` with n after step n.
CheckVerdict check_shift_bounded_below(const Vector<Rational>& weights, const Vector<Rational>& x0, std::int64_t steps,
                                       const Rational& lower_bound_squared, const std::function<void(std::int64_t)>& progress = {});

// The first `count` shift weights.
Vector<Rational> shift_weights(Eigen::Index count);

// T2.no-uniform-rate: for each q in `rates`, the ratio ‖x_{n+1}‖/‖xₙ‖ exceeds q from some step
// on and stays above it to the horizon, so no bound C·qⁿ holds. For f(x) = x/(1 + ‖x‖) under ℓ1
// or ℓ∞ the check also compares every norm with the closed form ‖x₀‖/(1 + n‖x₀‖).
CheckVerdict check_slower_than_geometric(const OrbitState& state, const std::vector<Rational>& rates, bool closed_form);

// The rates q of check_slower_than_geometric.
std::vector<Rational> geometric_rates();

// The T2.* claims over generated maps and the constructions, for `instances` random maps.
struct Theorem2Outcome {
  std::vector<ClaimResult> claims;
  // One orbit per plotted curve: its title and norms.
  struct Curve {
    std::string title;
    std::vector<double> norms;
  };
  std::vector<Curve> representative_orbits;
  std::vector<Curve> counterexample_orbits;  // one per construction, in claim order
  std::vector<std::int64_t> not_applicable;  // per claim, instances outside the hypotheses
};

Theorem2Outcome run_theorem2_claims(std::uint64_t seed, std::int64_t instances);

// A construction that a trace names, rebuilt from its parameters and checked again. Returns the
// claim id it backs and the verdict of its checker. Throws InputError for unknown names and the
// parameters that check_construction_input rejects. Calls `progress` with n after each step n
// of the orbit, so that a caller can stop a long check by throwing.
struct ConstructionCheck {
  std::string claim;
  CheckVerdict verdict;
};
ConstructionCheck check_construction(const std::string& name, NormKind norm, const Vector<Rational>& x0, std::int64_t steps,
                                     const std::function<void(std::int64_t)>& progress = {});

// Throws InputError unless the construction exists and accepts the norm, the start and the horizon
// (1 to 5000 steps). It costs no orbit step.
void check_construction_input(const std::string& name, NormKind norm, const Vector<Rational>& x0, std::int64_t steps);

// The claim that the construction `name` backs, such as T2.needs-strictness for isometry; empty
// for a name that is no construction.
std::string construction_claim(const std::string& name);

// The constructions written as traces: name, norm, start and horizon.
struct ConstructionSpec {
  std::string claim;
  std::string name;
  NormKind norm;
  Vector<Rational> x0;
  std::int64_t steps;
};
std::vector<ConstructionSpec> theorem2_constructions();

}  // namespace sgverify::proofs
