// Table 2 of Czarnecki et al., "Understanding Synthetic Gradients and Decoupled Neural Interfaces"
// (ICML 2017): the models' gradients against exact and finite-difference references, the
// structured path against the plain one, Adam against a hand-computed step, and a repeated run.
#include "claims/table2.hpp"
#include "data/rng.hpp"
#include "models/table2_model.hpp"
#include "models/table2_training.hpp"

#include <catch2/catch.hpp>
#include <rapidcheck.h>

#include <cmath>
#include <type_traits>

namespace sgverify::testing {
namespace {

// Entries of the generated instances lie on the grid 2^-4, so exact rationals stay short.
constexpr unsigned instance_grid_bits = 4;
// Central-difference step and agreement tolerance in long double (64-bit mantissa, ε ≈ 1e-19):
// the truncation error is O(h²) ≈ 1e-12 times the third derivative, and rounding adds about
// ε/h ≈ 1e-13, so 1e-9 relative leaves a wide margin.
constexpr long double difference_step = 1e-6L;
constexpr long double difference_tolerance = 1e-9L;
// Structured against plain path in long double: the same sums in another order.
constexpr long double path_tolerance = 1e-15L;

struct Instance {
  Table2Architecture architecture;
  Matrix<Rational> features;
  RowVector<Rational> labels;
  Table2Params<Rational> params;
};

// A tiny model with SGs: shallow (SG on the output), deep with an SG after every hidden layer, or
// deep with one SG in the middle. Weights and SG parameters are Gaussian on the grid 2^-4.
Instance make_instance(std::uint64_t seed, int shape, Table2Loss loss) {
  Random random(seed);
  const Eigen::Index dim = 2, samples = 5;
  Instance instance;
  if (shape == 0) instance.architecture = make_shallow_architecture(dim, loss);
  if (shape == 1) instance.architecture = make_deep_architecture(dim, 3, 2, {1, 2, 3}, loss);
  if (shape == 2) instance.architecture = make_deep_architecture(dim, 3, 3, {2}, loss);
  const auto gaussian_matrix = [&](Eigen::Index rows, Eigen::Index cols) {
    Matrix<Rational> matrix(rows, cols);
    for (Eigen::Index r = 0; r < rows; ++r)
      for (Eigen::Index c = 0; c < cols; ++c) matrix(r, c) = random.gaussian(instance_grid_bits);
    return matrix;
  };
  instance.features = gaussian_matrix(dim, samples);
  instance.labels.resize(samples);
  for (Eigen::Index s = 0; s < samples; ++s) instance.labels(s) = random.below(2) == 0 ? 1 : -1;
  const auto& widths = instance.architecture.widths;
  for (std::size_t i = 1; i < widths.size(); ++i) instance.params.W.push_back(gaussian_matrix(widths[i], widths[i - 1]));
  for (const int j : instance.architecture.sg_layers) {
    const Eigen::Index width = widths[static_cast<std::size_t>(j)];
    instance.params.sg.push_back(SgModule<Rational>{gaussian_matrix(width, width), gaussian_matrix(width, 2), gaussian_matrix(width, 1)});
  }
  return instance;
}

template <class T>
Matrix<T> convert_matrix(const Matrix<Rational>& matrix) {
  return matrix.unaryExpr([](const Rational& value) { return static_cast<T>(value); });
}

template <class T>
Table2Params<T> convert_params(const Table2Params<Rational>& params) {
  Table2Params<T> result;
  for (const Matrix<Rational>& W : params.W) result.W.push_back(convert_matrix<T>(W));
  for (const SgModule<Rational>& sg : params.sg)
    result.sg.push_back(SgModule<T>{convert_matrix<T>(sg.C), convert_matrix<T>(sg.D), convert_matrix<T>(sg.c)});
  return result;
}

template <class T>
Table2Data<T> data_of(const Instance& instance) {
  return make_table2_data<T>(convert_matrix<T>(instance.features), RowVector<T>(convert_matrix<T>(instance.labels)),
                             instance.architecture.loss);
}

// The SG loss E_j = mean ½‖ĝ − g‖² of module `module`, computed sample by sample with its own
// forward and backward pass (the reference for ∂E_j/∂(C, D, c)). The true gradients g are taken at
// `weights`, so they do not depend on the SG parameters.
template <class T>
T sg_loss(const Table2Data<T>& data, const Table2Architecture& architecture, const Table2Params<T>& params, std::size_t module) {
  const int L = architecture.layers();
  std::vector<Matrix<T>> H{data.X};
  for (int i = 1; i <= L; ++i) H.push_back(params.W[static_cast<std::size_t>(i - 1)] * H.back());
  Matrix<T> G;
  if (architecture.loss == Table2Loss::mse) {
    G = T(2) * (H.back() - data.t);
  } else if constexpr (std::is_floating_point_v<T>) {
    G.resize(H.back().rows(), H.back().cols());
    for (Eigen::Index s = 0; s < G.cols(); ++s) {
      const Matrix<T> exponentials = H.back().col(s).array().exp().matrix();
      G.col(s) = exponentials / exponentials.sum() - data.t.col(s);
    }
  }
  const int j = architecture.sg_layers[module];
  for (int i = L; i > j; --i) G = Matrix<T>(params.W[static_cast<std::size_t>(i - 1)].transpose() * G);
  const SgModule<T>& sg = params.sg[module];
  const Matrix<T> predicted = sg.C * H[static_cast<std::size_t>(j)] + sg.D * data.Y + sg.c * RowVector<T>::Ones(data.samples());
  return Matrix<T>(predicted - G).squaredNorm() / T(2) / T(static_cast<long>(data.samples()));
}

template <class T>
void require_equal_gradients(const Table2Gradients<T>& a, const Table2Gradients<T>& b) {
  RC_ASSERT(a.loss == b.loss);
  for (std::size_t i = 0; i < a.true_gradient.size(); ++i) RC_ASSERT(a.true_gradient[i] == b.true_gradient[i]);
  for (std::size_t i = 0; i < a.sg_gradient.size(); ++i) RC_ASSERT(a.sg_gradient[i] == b.sg_gradient[i]);
  for (std::size_t m = 0; m < a.sg_loss_gradient.size(); ++m) {
    RC_ASSERT(a.sg_loss_gradient[m].C == b.sg_loss_gradient[m].C);
    RC_ASSERT(a.sg_loss_gradient[m].D == b.sg_loss_gradient[m].D);
    RC_ASSERT(a.sg_loss_gradient[m].c == b.sg_loss_gradient[m].c);
  }
  RC_ASSERT(a.end_to_end == b.end_to_end);
}

long double relative_gap(const Matrix<long double>& a, const Matrix<long double>& b) {
  return (a - b).norm() / (1 + b.norm());
}

TEST_CASE("table2 structured path equals plain path exactly") {
  REQUIRE(rc::check("for MSE the moment-based gradients equal per-sample backpropagation in rationals", [] {
    const auto seed = *rc::gen::inRange<std::uint64_t>(1, 100000);
    const int shape = *rc::gen::inRange(0, 3);
    RC_CLASSIFY(shape == 0, "shallow");
    RC_CLASSIFY(shape == 1, "deep, SG after every layer");
    RC_CLASSIFY(shape == 2, "deep, one SG");
    const Instance instance = make_instance(seed, shape, Table2Loss::mse);
    const Table2Data<Rational> data = data_of<Rational>(instance);
    require_equal_gradients(compute_table2_gradients(data, instance.architecture, instance.params),
                            compute_table2_gradients_plain(data, instance.architecture, instance.params));
  }));
}

TEST_CASE("table2 structured path equals plain path for log loss") {
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    for (int shape = 0; shape < 3; ++shape) {
      const Instance instance = make_instance(seed, shape, Table2Loss::log);
      const Table2Data<long double> data = data_of<long double>(instance);
      const Table2Params<long double> params = convert_params<long double>(instance.params);
      const auto fast = compute_table2_gradients(data, instance.architecture, params);
      const auto plain = compute_table2_gradients_plain(data, instance.architecture, params);
      INFO("seed " << seed << ", " << instance.architecture.describe());
      CHECK(std::abs(fast.loss - plain.loss) <= path_tolerance * (1 + std::abs(plain.loss)));
      for (std::size_t i = 0; i < plain.true_gradient.size(); ++i) {
        CHECK(relative_gap(fast.true_gradient[i], plain.true_gradient[i]) <= path_tolerance);
        CHECK(relative_gap(fast.sg_gradient[i], plain.sg_gradient[i]) <= path_tolerance);
      }
      for (std::size_t m = 0; m < plain.sg_loss_gradient.size(); ++m) {
        CHECK(relative_gap(fast.sg_loss_gradient[m].C, plain.sg_loss_gradient[m].C) <= path_tolerance);
        CHECK(relative_gap(fast.sg_loss_gradient[m].D, plain.sg_loss_gradient[m].D) <= path_tolerance);
        CHECK(relative_gap(fast.sg_loss_gradient[m].c, plain.sg_loss_gradient[m].c) <= path_tolerance);
      }
    }
  }
}

// The MSE loss is quadratic in each single weight (the network is linear in every layer), and
// E_j is quadratic in (C, D, c), so a central difference equals the derivative exactly.
TEST_CASE("table2 MSE gradients equal exact central differences") {
  const Rational step(1, 8);
  for (std::uint64_t seed = 1; seed <= 6; ++seed) {
    for (int shape = 0; shape < 3; ++shape) {
      const Instance instance = make_instance(seed, shape, Table2Loss::mse);
      const Table2Data<Rational> data = data_of<Rational>(instance);
      const auto gradients = compute_table2_gradients(data, instance.architecture, instance.params);
      INFO("seed " << seed << ", " << instance.architecture.describe());
      for (std::size_t layer = 0; layer < instance.params.W.size(); ++layer) {
        for (Eigen::Index r = 0; r < instance.params.W[layer].rows(); ++r) {
          for (Eigen::Index c = 0; c < instance.params.W[layer].cols(); ++c) {
            Table2Params<Rational> up = instance.params, down = instance.params;
            up.W[layer](r, c) += step;
            down.W[layer](r, c) -= step;
            const Rational slope = (table2_loss_plain(data, instance.architecture, up) - table2_loss_plain(data, instance.architecture, down)) / (2 * step);
            CHECK(slope == gradients.true_gradient[layer](r, c));
          }
        }
      }
      for (std::size_t module = 0; module < instance.params.sg.size(); ++module) {
        Table2Params<Rational> up = instance.params, down = instance.params;
        up.sg[module].C(0, 0) += step;
        down.sg[module].C(0, 0) -= step;
        CHECK((sg_loss(data, instance.architecture, up, module) - sg_loss(data, instance.architecture, down, module)) / (2 * step) ==
              gradients.sg_loss_gradient[module].C(0, 0));
        up = down = instance.params;
        up.sg[module].D(0, 1) += step;
        down.sg[module].D(0, 1) -= step;
        CHECK((sg_loss(data, instance.architecture, up, module) - sg_loss(data, instance.architecture, down, module)) / (2 * step) ==
              gradients.sg_loss_gradient[module].D(0, 1));
        up = down = instance.params;
        up.sg[module].c(0, 0) += step;
        down.sg[module].c(0, 0) -= step;
        CHECK((sg_loss(data, instance.architecture, up, module) - sg_loss(data, instance.architecture, down, module)) / (2 * step) ==
              gradients.sg_loss_gradient[module].c(0, 0));
      }
    }
  }
}

TEST_CASE("table2 gradients match long double finite differences") {
  for (const Table2Loss loss : {Table2Loss::mse, Table2Loss::log}) {
    for (std::uint64_t seed = 1; seed <= 4; ++seed) {
      for (int shape = 0; shape < 3; ++shape) {
        const Instance instance = make_instance(seed, shape, loss);
        const Table2Data<long double> data = data_of<long double>(instance);
        const Table2Params<long double> params = convert_params<long double>(instance.params);
        const auto gradients = compute_table2_gradients(data, instance.architecture, params);
        INFO(to_string(loss) << ", seed " << seed << ", " << instance.architecture.describe());
        for (std::size_t layer = 0; layer < params.W.size(); ++layer) {
          for (Eigen::Index r = 0; r < params.W[layer].rows(); ++r) {
            for (Eigen::Index c = 0; c < params.W[layer].cols(); ++c) {
              Table2Params<long double> up = params, down = params;
              up.W[layer](r, c) += difference_step;
              down.W[layer](r, c) -= difference_step;
              const long double slope =
                  (table2_loss_plain(data, instance.architecture, up) - table2_loss_plain(data, instance.architecture, down)) / (2 * difference_step);
              const long double gradient = gradients.true_gradient[layer](r, c);
              CHECK(std::abs(slope - gradient) <= difference_tolerance * (1 + std::abs(gradient)));
            }
          }
        }
        for (std::size_t module = 0; module < params.sg.size(); ++module) {
          for (Eigen::Index r = 0; r < params.sg[module].C.rows(); ++r) {
            Table2Params<long double> up = params, down = params;
            up.sg[module].C(r, 0) += difference_step;
            down.sg[module].C(r, 0) -= difference_step;
            const long double slope =
                (sg_loss(data, instance.architecture, up, module) - sg_loss(data, instance.architecture, down, module)) / (2 * difference_step);
            const long double gradient = gradients.sg_loss_gradient[module].C(r, 0);
            CHECK(std::abs(slope - gradient) <= difference_tolerance * (1 + std::abs(gradient)));
          }
        }
      }
    }
  }
}

TEST_CASE("table2 SG-driven gradient is exact for an exact SG") {
  // With MSE on the output of a shallow model, ∂ℓ/∂f = 2(f − t) = 2W x̄ − 2t. The SG with C = 2,
  // D = (−2, 2) (so D y = −2t), c = 0 predicts it exactly, so the SG-driven gradient equals the
  // true gradient and E has zero gradient.
  const Instance instance = make_instance(3, 0, Table2Loss::mse);
  Table2Params<Rational> params = instance.params;
  params.sg[0] = SgModule<Rational>{Matrix<Rational>::Constant(1, 1, 2), Matrix<Rational>(1, 2), Matrix<Rational>::Zero(1, 1)};
  params.sg[0].D << -2, 2;
  const auto gradients = compute_table2_gradients(data_of<Rational>(instance), instance.architecture, params);
  CHECK(gradients.sg_gradient[0] == gradients.true_gradient[0]);
  CHECK(gradients.sg_loss_gradient[0].C.isZero());
  CHECK(gradients.sg_loss_gradient[0].D.isZero());
  CHECK(gradients.sg_loss_gradient[0].c.isZero());
}

TEST_CASE("adam matches hand-computed steps") {
  // lr 3e-5, β1 0.9, β2 0.999, ε 1e-8, θ_0 = 1.
  // Step 1, g = 0.5: m = 0.05, v = 0.00025, m̂ = 0.5, v̂ = 0.25, θ_1 = 1 − 3e-5·0.5/(0.5 + 1e-8).
  // Step 2, g = −1: m = −0.055, v = 0.00124975, m̂ = −0.055/0.19, v̂ = 0.00124975/0.001999,
  // θ_2 = θ_1 + 3e-5·(0.055/0.19)/(√(0.00124975/0.001999) + 1e-8).
  const long double theta_1 = 0.9999700000005999999880000002399999952L;
  const long double theta_2 = 0.9999809831062721696808432213073804103478L;
  // The settings are doubles, so β1 = 0.9 carries a relative error of up to 2^-53 ≈ 1.1e-16.
  constexpr long double adam_tolerance = 1e-15L;
  Matrix<long double> theta = Matrix<long double>::Constant(1, 1, 1);
  AdamMoments<long double> moments;
  adam_update(theta, Matrix<long double>(Matrix<long double>::Constant(1, 1, 0.5L)), moments, 1, AdamSettings{});
  CHECK(std::abs(moments.m(0, 0) - 0.05L) <= adam_tolerance);
  CHECK(std::abs(moments.v(0, 0) - 0.00025L) <= adam_tolerance);
  CHECK(std::abs(theta(0, 0) - theta_1) <= adam_tolerance);
  adam_update(theta, Matrix<long double>(Matrix<long double>::Constant(1, 1, -1)), moments, 2, AdamSettings{});
  CHECK(std::abs(moments.m(0, 0) + 0.055L) <= adam_tolerance);
  CHECK(std::abs(moments.v(0, 0) - 0.00124975L) <= adam_tolerance);
  CHECK(std::abs(theta(0, 0) - theta_2) <= adam_tolerance);
}

TEST_CASE("table2 run repeats bit for bit") {
  Table2Settings settings;
  settings.cells = select_table2_cells({"linear2-shallow", "noisy2-deep", "random100-shallow-log"});
  settings.datasets = 2;
  settings.threads = 2;
  settings.rule.max_steps = 2000;
  const auto first = run_table2(settings, nullptr);
  const auto second = run_table2(settings, nullptr);
  REQUIRE(first.size() == 5);
  REQUIRE(second.size() == first.size());
  for (std::size_t c = 0; c < first.size(); ++c) {
    INFO(first[c].cell.id());
    CHECK(first[c].mean == second[c].mean);
    CHECK(first[c].deviation == second[c].deviation);
    for (std::size_t p = 0; p < first[c].pairs.size(); ++p) {
      CHECK(first[c].pairs[p].backprop.final_loss == second[c].pairs[p].backprop.final_loss);
      CHECK(first[c].pairs[p].synthetic.final_loss == second[c].pairs[p].synthetic.final_loss);
      CHECK(first[c].pairs[p].synthetic.steps == second[c].pairs[p].synthetic.steps);
    }
    // The runs trained: the final backpropagation loss is below the loss at the start.
    CHECK(first[c].pairs[0].backprop.final_loss < first[c].pairs[0].backprop.recorded_losses.front());
  }
}

}  // namespace
}  // namespace sgverify::testing
