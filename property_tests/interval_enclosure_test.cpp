// Interval trajectories must enclose a 2048-bit MPFR trajectory of the same instance.
#include "data/families.hpp"
#include "models/theorem1.hpp"

#include <catch2/catch.hpp>

#include <string>

namespace sgverify::testing {
namespace {

// Steps compared: enough for the enclosures to widen by many orders of magnitude.
constexpr std::int64_t compared_steps = 40;
constexpr unsigned reference_bits = 2048;

struct Bounds {
  Mpfr lower, upper;
};

// Parses "[lo,hi]" as ScalarTraits<Interval>::to_string writes it.
Bounds parse_interval_text(const std::string& text) {
  REQUIRE(text.size() > 2);
  REQUIRE(text.front() == '[');
  REQUIRE(text.back() == ']');
  const auto comma = text.find(',');
  REQUIRE(comma != std::string::npos);
  return {Mpfr(text.substr(1, comma - 1)), Mpfr(text.substr(comma + 1, text.size() - comma - 2))};
}

Theorem1Run run_in(const Theorem1Problem& problem, const Theorem1Config& base, const std::string& arithmetic) {
  Theorem1Config config = base;
  config.arithmetic = parse_arithmetic(arithmetic);
  config.path = default_path(config.arithmetic);
  const RowVector<Rational> W_star = least_squares_weights_exact(problem, config.start.W);
  return run_theorem1(problem, W_star, config);
}

void check_enclosure(const MuSchedule& mu, const NuSchedule& nu) {
  FamilySpec spec;
  spec.family = Family::regression;
  spec.noise = Rational(1, 2);
  spec.samples = 30;
  const Theorem1Problem problem(make_family_dataset(spec));
  Theorem1Config config;
  config.mu = mu;
  config.nu = nu;
  config.start = make_start(problem, Start::paper, 1);
  config.steps = compared_steps;

  const Theorem1Run interval = run_in(problem, config, "interval:256");
  const Theorem1Run reference = run_in(problem, config, "mpfr:" + std::to_string(reference_bits));
  REQUIRE(interval.stop_reason.empty());
  REQUIRE(interval.trajectory.size() == reference.trajectory.size());
  set_multiprecision_bits(reference_bits);  // parse both texts at the reference precision
  for (std::size_t k = 0; k < interval.trajectory.size(); ++k) {
    const RecordedStep& box = interval.trajectory[k];
    const RecordedStep& point = reference.trajectory[k];
    INFO("step " << box.k);
    std::vector<std::pair<std::string, std::string>> pairs;
    for (std::size_t i = 0; i < box.W.size(); ++i) pairs.emplace_back(box.W[i], point.W[i]);
    for (std::size_t i = 0; i < box.omega.size(); ++i) pairs.emplace_back(box.omega[i], point.omega[i]);
    for (const auto& [box_text, point_text] : pairs) {
      const Bounds bounds = parse_interval_text(box_text);
      const Mpfr value(point_text);
      INFO(box_text << " should contain " << point_text);
      CHECK(boost::multiprecision::isfinite(bounds.lower));
      CHECK(boost::multiprecision::isfinite(bounds.upper));
      CHECK(bounds.lower <= value);
      CHECK(value <= bounds.upper);
    }
  }
}

TEST_CASE("interval trajectory encloses mpfr:2048 with fixed mu") {
  check_enclosure(MuSchedule{MuSchedule::Kind::fixed, Rational(1, 200)}, NuSchedule{true, 0});
}

TEST_CASE("interval trajectory encloses mpfr:2048 with the bound schedule") {
  check_enclosure(MuSchedule{MuSchedule::Kind::bound_derived, Rational(1, 2)}, NuSchedule{true, 0});
}

}  // namespace
}  // namespace sgverify::testing
