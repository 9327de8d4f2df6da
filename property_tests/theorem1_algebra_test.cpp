// The algebraic steps of the Theorem 1 proof, checked exactly over random rational instances:
// T1.sg-gradient, T1.matrix-form, T1.invariant-subspace, T1.p-update and T1.e-update.
#include "generators.hpp"
#include "models/theorem1_impl.hpp"

#include <catch2/catch.hpp>

namespace sgverify::testing {
namespace {

struct OneStep {
  RowVector<Rational> W;
  Vector<Rational> omega;
};

// One step of the library's iteration from (W, ω) with fixed μ and ν, along the given path.
OneStep library_step(const Theorem1Problem& problem, const RowVector<Rational>& W, const Vector<Rational>& omega,
                     const Rational& mu, const Rational& nu, Theorem1Path path) {
  Theorem1Config config;
  config.arithmetic = ArithmeticSpec{ArithmeticKind::exact, 0};
  config.mu = MuSchedule{MuSchedule::Kind::fixed, mu};
  config.nu = NuSchedule{false, nu};
  config.path = path;
  config.start = Theorem1Start{W, omega};
  config.steps = 1;
  const Theorem1Run run = run_theorem1<Rational>(problem, W, config);
  return {run.final_W, run.final_omega};
}

// E(ω) = ½‖Aω‖² with A = [pᵀ | −yᵀ | 1ᵀ], computed sample by sample.
Rational sg_error(const RowVector<Rational>& p, const RowVector<Rational>& y, const Vector<Rational>& omega) {
  Rational sum(0);
  for (Eigen::Index s = 0; s < p.size(); ++s) {
    const Rational xi = omega(0) * p(s) - omega(1) * y(s) + omega(2);
    sum += xi * xi;
  }
  return sum / 2;
}

Matrix<Rational> matrix_A(const RowVector<Rational>& p, const RowVector<Rational>& y) {
  Matrix<Rational> A(p.size(), 3);
  A.col(0) = p.transpose();
  A.col(1) = -y.transpose();
  A.col(2).setConstant(Rational(1));
  return A;
}

TEST_CASE("T1.sg-gradient: component sums equal A^T xi and the derivative of E") {
  REQUIRE(rc::check("the partial derivatives of E are the paper's sums and equal A^T A omega", [](const RationalInstance& instance) {
    const Dataset data = instance.dataset();
    const Matrix<Rational> augmented = data.augmented();
    const RowVector<Rational> p = instance.W() * augmented;
    const Vector<Rational> omega = instance.omega();
    const auto [alpha, beta, gamma] = std::tuple(omega(0), omega(1), omega(2));

    Vector<Rational> sums = Vector<Rational>::Zero(3);
    for (Eigen::Index s = 0; s < p.size(); ++s) {
      const Rational inner = alpha * p(s) - beta * data.y(s) + gamma;
      sums(0) += inner * p(s);
      sums(1) -= inner * data.y(s);
      sums(2) += inner;
    }
    const Matrix<Rational> A = matrix_A(p, data.y);
    const Vector<Rational> matrix_gradient = A.transpose() * (A * omega);
    for (int i = 0; i < 3; ++i) RC_ASSERT(sums(i) == matrix_gradient(i));

    // E is quadratic in ω, so the central difference with any step h is its exact derivative.
    const Rational h(1, 3);
    for (int i = 0; i < 3; ++i) {
      Vector<Rational> forward = omega, backward = omega;
      forward(i) += h;
      backward(i) -= h;
      const Rational derivative = (sg_error(p, data.y, forward) - sg_error(p, data.y, backward)) / (2 * h);
      RC_ASSERT(derivative == sums(i));
    }

    // The library's gradient, along both paths.
    const Theorem1Problem problem(data);
    for (const Theorem1Path path : {Theorem1Path::moments, Theorem1Path::samples}) {
      const Theorem1Moments<Rational> moments(problem, path);
      const Theorem1Quantities<Rational> quantities(moments, instance.W(), omega, path);
      for (int i = 0; i < 3; ++i) RC_ASSERT(quantities.gradient(i) == sums(i));
      RC_ASSERT(quantities.xi_squared == 2 * sg_error(p, data.y, omega));
    }
    RC_CLASSIFY(instance.dim + 1 > instance.samples, "rank-deficient X");
  }));
}

TEST_CASE("T1.matrix-form: component-wise updates equal the library's step") {
  REQUIRE(rc::check("the paper's component-wise step equals the matrix-form step on both paths", [](const RationalInstance& instance) {
    const Dataset data = instance.dataset();
    const Matrix<Rational> augmented = data.augmented();
    const RowVector<Rational> W = instance.W();
    const Vector<Rational> omega = instance.omega();
    const Rational mu = instance.mu(), nu = instance.nu();
    const RowVector<Rational> p = W * augmented;
    const auto [alpha, beta, gamma] = std::tuple(omega(0), omega(1), omega(2));

    RowVector<Rational> next_W = W;
    Vector<Rational> next_omega = omega;
    for (Eigen::Index s = 0; s < p.size(); ++s) {
      const Rational synthetic = (alpha + 1) * p(s) - (beta + 1) * data.y(s) + gamma;
      next_W -= mu * synthetic * augmented.col(s).transpose();
      const Rational inner = alpha * p(s) - beta * data.y(s) + gamma;
      next_omega(0) -= nu * inner * p(s);
      next_omega(1) += nu * inner * data.y(s);
      next_omega(2) -= nu * inner;
    }

    const Theorem1Problem problem(data);
    for (const Theorem1Path path : {Theorem1Path::moments, Theorem1Path::samples}) {
      const OneStep step = library_step(problem, W, omega, mu, nu, path);
      for (Eigen::Index i = 0; i < W.size(); ++i) RC_ASSERT(step.W(i) == next_W(i));
      for (int i = 0; i < 3; ++i) RC_ASSERT(step.omega(i) == next_omega(i));
    }
  }));
}

TEST_CASE("T1.invariant-subspace: omega = 0 stays 0") {
  REQUIRE(rc::check("omega_k = 0 implies omega_{k+1} = 0 for any mu and nu", [](const RationalInstance& instance) {
    const Theorem1Problem problem(instance.dataset());
    const Vector<Rational> zero = Vector<Rational>::Zero(3);
    for (const Theorem1Path path : {Theorem1Path::moments, Theorem1Path::samples}) {
      const OneStep step = library_step(problem, instance.W(), zero, instance.mu(), instance.nu(), path);
      for (int i = 0; i < 3; ++i) RC_ASSERT(step.omega(i) == 0);
    }
  }));
}

TEST_CASE("T1.p-update and T1.e-update: predictions and errors follow B") {
  REQUIRE(rc::check("p_{k+1} = p_k - mu p_k B + mu y B - mu omega^T A^T B and e_{k+1} = e_k - mu B e_k + mu B xi_k",
                    [](const RationalInstance& instance) {
                      const Dataset data = instance.dataset();
                      const Matrix<Rational> augmented = data.augmented();
                      const Matrix<Rational> B = augmented.transpose() * augmented;
                      const RowVector<Rational> W = instance.W();
                      const Vector<Rational> omega = instance.omega();
                      const Rational mu = instance.mu();
                      const RowVector<Rational> p = W * augmented;
                      const Matrix<Rational> A = matrix_A(p, data.y);
                      const Vector<Rational> xi = A * omega;

                      const Theorem1Problem problem(data);
                      const OneStep step = library_step(problem, W, omega, mu, instance.nu(), Theorem1Path::moments);
                      const RowVector<Rational> next_p = step.W * augmented;
                      const RowVector<Rational> expected_p = p - mu * p * B + mu * data.y * B - mu * omega.transpose() * A.transpose() * B;
                      for (Eigen::Index s = 0; s < p.size(); ++s) RC_ASSERT(next_p(s) == expected_p(s));

                      const Vector<Rational> e = (data.y - p).transpose();
                      const Vector<Rational> next_e = (data.y - next_p).transpose();
                      const Vector<Rational> expected_e = e - mu * B * e + mu * B * xi;
                      for (Eigen::Index s = 0; s < e.size(); ++s) RC_ASSERT(next_e(s) == expected_e(s));
                    }));
}

TEST_CASE("library step detects a perturbed update") {
  // Guard against vacuous properties: a step with μ changed by 1/1024 must differ from the
  // component-wise reference when the SG output is nonzero.
  Dataset data;
  data.X.resize(1, 2);
  data.X << Rational(1), Rational(2);
  data.y.resize(2);
  data.y << Rational(1), Rational(-1);
  data.feature_names = {"x1"};
  const Theorem1Problem problem(data);
  RowVector<Rational> W(2);
  W << Rational(1, 2), Rational(0);
  Vector<Rational> omega(3);
  omega << Rational(0), Rational(0), Rational(0);
  const OneStep exact = library_step(problem, W, omega, Rational(1, 8), Rational(1, 8), Theorem1Path::moments);
  const OneStep perturbed = library_step(problem, W, omega, Rational(1, 8) + Rational(1, 1024), Rational(1, 8), Theorem1Path::moments);
  CHECK(exact.W != perturbed.W);
}

}  // namespace
}  // namespace sgverify::testing
