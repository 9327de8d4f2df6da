#include "models/table2_model.hpp"

#include <fmt/format.h>

#include <cassert>
#include <cmath>
#include <type_traits>

namespace sgverify {

namespace {

constexpr Eigen::Index label_count = 2;  // one-hot width of the binary labels

// Residuals r = softmax(f) − t for every column of `logits`, and the mean log loss. Only
// floating-point scalars have exp and log, so rationals stop here.
template <class T>
T softmax_residual(const Matrix<T>& logits, const Matrix<T>& targets, Matrix<T>& residual) {
  if constexpr (std::is_floating_point_v<T>) {
    residual.resize(logits.rows(), logits.cols());
    T total = 0;
    for (Eigen::Index s = 0; s < logits.cols(); ++s) {
      const T largest = logits.col(s).maxCoeff();
      T normaliser = 0;
      for (Eigen::Index o = 0; o < logits.rows(); ++o) normaliser += std::exp(logits(o, s) - largest);
      const T log_normaliser = largest + std::log(normaliser);
      for (Eigen::Index o = 0; o < logits.rows(); ++o) {
        residual(o, s) = std::exp(logits(o, s) - log_normaliser) - targets(o, s);
        total -= targets(o, s) * (logits(o, s) - log_normaliser);
      }
    }
    return total / static_cast<T>(logits.cols());
  } else {
    assert(false && "the log loss needs a floating-point scalar");
    return T(0);
  }
}

// The lowest layer trained through SG module `module`: the one above the next lower SG.
int first_layer_of_module(const Table2Architecture& architecture, std::size_t module) {
  return module == 0 ? 1 : architecture.sg_layers[module - 1] + 1;
}

// Returns a M_iᵀ for the prefix products M (M_0 = I is stored empty).
template <class T>
Matrix<T> times_prefix_transpose(const Matrix<T>& a, const std::vector<Matrix<T>>& M, int i) {
  if (i == 0) return a;
  return a * M[static_cast<std::size_t>(i)].transpose();
}

}  // namespace

std::string to_string(Table2Loss loss) { return loss == Table2Loss::mse ? "MSE" : "log loss"; }

std::string Table2Architecture::describe() const {
  std::string text = "widths";
  for (std::size_t i = 0; i < widths.size(); ++i) text += (i == 0 ? " " : "-") + std::to_string(widths[i]);
  if (sg_layers.empty()) return text;
  text += sg_layers.size() == 1 ? ", SG after layer" : ", SG after layers";
  for (std::size_t m = 0; m < sg_layers.size(); ++m) text += (m == 0 ? " " : ", ") + std::to_string(sg_layers[m]);
  return text;
}

Table2Architecture make_shallow_architecture(Eigen::Index input_dim, Table2Loss loss) {
  return Table2Architecture{{input_dim + 1, loss == Table2Loss::mse ? 1 : label_count}, {1}, loss};
}

Table2Architecture make_deep_architecture(Eigen::Index input_dim, int hidden_layers, Eigen::Index width, std::vector<int> sg_layers,
                                          Table2Loss loss) {
  Table2Architecture architecture{{input_dim + 1}, std::move(sg_layers), loss};
  for (int i = 0; i < hidden_layers; ++i) architecture.widths.push_back(width);
  architecture.widths.push_back(loss == Table2Loss::mse ? 1 : label_count);
  return architecture;
}

template <class T>
Table2Data<T> make_table2_data(const Matrix<T>& features, const RowVector<T>& labels, Table2Loss loss) {
  const Eigen::Index samples = features.cols();
  Table2Data<T> data;
  data.X.resize(features.rows() + 1, samples);
  data.X.topRows(features.rows()) = features;
  data.X.row(features.rows()).setConstant(T(1));
  data.Y = Matrix<T>::Zero(label_count, samples);
  for (Eigen::Index s = 0; s < samples; ++s) data.Y(labels(s) > 0 ? 0 : 1, s) = T(1);
  data.t = loss == Table2Loss::mse ? Matrix<T>(data.Y.row(0) - data.Y.row(1)) : data.Y;

  const T count = T(static_cast<long>(samples));
  data.xx = data.X * data.X.transpose() / count;
  data.xy = data.X * data.Y.transpose() / count;
  data.xt = data.X * data.t.transpose() / count;
  data.yy = data.Y * data.Y.transpose() / count;
  data.ty = data.t * data.Y.transpose() / count;
  data.tt = data.t.squaredNorm() / count;
  return data;
}

template <class T>
Table2Gradients<T> compute_table2_gradients(const Table2Data<T>& data, const Table2Architecture& architecture, const Table2Params<T>& params) {
  const int L = architecture.layers();
  const bool with_sg = !architecture.sg_layers.empty();
  const Eigen::Index constant = data.constant_row();

  // Prefix products M_i = W_i⋯W_1 and, for the SG moments, M_i xx and M_i xy.
  // M_0 = I is never multiplied out: M_1 = W_1, and a product with M_0ᵀ is the matrix itself.
  std::vector<Matrix<T>> M{Matrix<T>()};
  std::vector<Matrix<T>> Mxx{data.xx}, Mxy{data.xy};
  for (int i = 1; i <= L; ++i) {
    const Matrix<T>& W = params.W[static_cast<std::size_t>(i - 1)];
    M.push_back(i == 1 ? W : Matrix<T>(W * M.back()));
    if (with_sg) {
      Mxx.push_back(W * Mxx.back());
      Mxy.push_back(W * Mxy.back());
    }
  }

  Table2Gradients<T> result;
  result.end_to_end = M.back();
  const Matrix<T>& F = result.end_to_end;

  // B = mean r x̄ᵀ and B_Y = mean r yᵀ.
  Matrix<T> B, B_y;
  if (architecture.loss == Table2Loss::mse) {
    const Matrix<T> Fxx = F * data.xx;
    result.loss = (Fxx * F.transpose()).trace() - T(2) * (F * data.xt).trace() + data.tt;
    B = T(2) * (Fxx - data.xt.transpose());
    B_y = T(2) * (F * data.xy - data.ty);
  } else {
    Matrix<T> residual;
    result.loss = softmax_residual<T>(Matrix<T>(F * data.X), data.t, residual);
    const T count = T(static_cast<long>(data.samples()));
    B = residual * data.X.transpose() / count;
    B_y = residual * data.Y.transpose() / count;
  }

  // δ_i = mean (∂ℓ/∂h_i) x̄ᵀ and its label counterpart, from the output down.
  std::vector<Matrix<T>> delta(static_cast<std::size_t>(L + 1)), delta_y(static_cast<std::size_t>(L + 1));
  delta[static_cast<std::size_t>(L)] = B;
  delta_y[static_cast<std::size_t>(L)] = B_y;
  result.true_gradient.resize(static_cast<std::size_t>(L));
  for (int i = L; i >= 1; --i) {
    const Matrix<T>& W = params.W[static_cast<std::size_t>(i - 1)];
    result.true_gradient[static_cast<std::size_t>(i - 1)] = times_prefix_transpose(delta[static_cast<std::size_t>(i)], M, i - 1);
    if (i > 1) {
      delta[static_cast<std::size_t>(i - 1)] = W.transpose() * delta[static_cast<std::size_t>(i)];
      delta_y[static_cast<std::size_t>(i - 1)] = W.transpose() * delta_y[static_cast<std::size_t>(i)];
    }
  }

  result.sg_gradient = result.true_gradient;
  for (std::size_t module = 0; module < architecture.sg_layers.size(); ++module) {
    const int j = architecture.sg_layers[module];
    const auto at = static_cast<std::size_t>(j);
    const SgModule<T>& sg = params.sg[module];
    // A = mean ĝ x̄ᵀ and A_Y = mean ĝ yᵀ.
    const Matrix<T> A = sg.C * Mxx[at] + sg.c * data.xx.row(constant) + sg.D * data.xy.transpose();
    const Matrix<T> A_y = sg.C * Mxy[at] + sg.c * data.xy.row(constant) + sg.D * data.yy;
    const Matrix<T> error = A - delta[at];
    SgModule<T> gradient;
    gradient.C = error * M[at].transpose();
    gradient.c = error.col(constant);
    gradient.D = A_y - delta_y[at];
    result.sg_loss_gradient.push_back(std::move(gradient));

    Matrix<T> alpha = A;
    for (int i = j; i >= first_layer_of_module(architecture, module); --i) {
      result.sg_gradient[static_cast<std::size_t>(i - 1)] = times_prefix_transpose(alpha, M, i - 1);
      alpha = Matrix<T>(params.W[static_cast<std::size_t>(i - 1)].transpose() * alpha);
    }
  }
  return result;
}

template <class T>
Table2Gradients<T> compute_table2_gradients_plain(const Table2Data<T>& data, const Table2Architecture& architecture,
                                                  const Table2Params<T>& params) {
  const int L = architecture.layers();
  const T count = T(static_cast<long>(data.samples()));
  std::vector<Matrix<T>> H{data.X};
  for (int i = 1; i <= L; ++i) H.push_back(params.W[static_cast<std::size_t>(i - 1)] * H.back());

  Table2Gradients<T> result;
  Matrix<T> residual;
  if (architecture.loss == Table2Loss::mse) {
    const Matrix<T> difference = H.back() - data.t;
    result.loss = difference.squaredNorm() / count;
    residual = T(2) * difference;
  } else {
    result.loss = softmax_residual<T>(H.back(), data.t, residual);
  }
  result.end_to_end = params.W.back();
  for (int i = L - 1; i >= 1; --i) result.end_to_end = Matrix<T>(result.end_to_end * params.W[static_cast<std::size_t>(i - 1)]);

  // G_i = ∂ℓ/∂h_i for every sample, from the output down.
  std::vector<Matrix<T>> G(static_cast<std::size_t>(L + 1));
  G[static_cast<std::size_t>(L)] = residual;
  result.true_gradient.resize(static_cast<std::size_t>(L));
  for (int i = L; i >= 1; --i) {
    result.true_gradient[static_cast<std::size_t>(i - 1)] = G[static_cast<std::size_t>(i)] * H[static_cast<std::size_t>(i - 1)].transpose() / count;
    if (i > 1) G[static_cast<std::size_t>(i - 1)] = params.W[static_cast<std::size_t>(i - 1)].transpose() * G[static_cast<std::size_t>(i)];
  }

  result.sg_gradient = result.true_gradient;
  for (std::size_t module = 0; module < architecture.sg_layers.size(); ++module) {
    const auto at = static_cast<std::size_t>(architecture.sg_layers[module]);
    const SgModule<T>& sg = params.sg[module];
    const Matrix<T> predicted = sg.C * H[at] + sg.D * data.Y + sg.c * RowVector<T>::Ones(data.samples());
    const Matrix<T> error = predicted - G[at];
    SgModule<T> gradient;
    gradient.C = error * H[at].transpose() / count;
    gradient.D = error * data.Y.transpose() / count;
    gradient.c = error.rowwise().sum() / count;
    result.sg_loss_gradient.push_back(std::move(gradient));

    Matrix<T> pushed = predicted;
    for (int i = architecture.sg_layers[module]; i >= first_layer_of_module(architecture, module); --i) {
      result.sg_gradient[static_cast<std::size_t>(i - 1)] = pushed * H[static_cast<std::size_t>(i - 1)].transpose() / count;
      pushed = Matrix<T>(params.W[static_cast<std::size_t>(i - 1)].transpose() * pushed);
    }
  }
  return result;
}

template <class T>
T table2_loss_plain(const Table2Data<T>& data, const Table2Architecture& architecture, const Table2Params<T>& params) {
  Matrix<T> output = data.X;
  for (int i = 1; i <= architecture.layers(); ++i) output = Matrix<T>(params.W[static_cast<std::size_t>(i - 1)] * output);
  if (architecture.loss == Table2Loss::mse) return Matrix<T>(output - data.t).squaredNorm() / T(static_cast<long>(data.samples()));
  Matrix<T> residual;
  return softmax_residual<T>(output, data.t, residual);
}

template <class T>
void adam_update(Matrix<T>& parameter, const Matrix<T>& gradient, AdamMoments<T>& moments, std::int64_t step, const AdamSettings& settings) {
  assert(step >= 1);
  if (moments.m.size() == 0) {
    moments.m = Matrix<T>::Zero(parameter.rows(), parameter.cols());
    moments.v = Matrix<T>::Zero(parameter.rows(), parameter.cols());
  }
  const T beta1 = settings.beta1, beta2 = settings.beta2;
  const T m_correction = T(1) - std::pow(beta1, static_cast<T>(step));
  const T v_correction = T(1) - std::pow(beta2, static_cast<T>(step));
  moments.m = beta1 * moments.m + (T(1) - beta1) * gradient;
  moments.v = beta2 * moments.v + (T(1) - beta2) * gradient.cwiseProduct(gradient);
  const T rate = settings.learning_rate;
  const T epsilon = settings.epsilon;
  parameter.array() -= rate * (moments.m.array() / m_correction) / ((moments.v.array() / v_correction).sqrt() + epsilon);
}

#define SGVERIFY_TABLE2_INSTANTIATE(T)                                                                                      \
  template Table2Data<T> make_table2_data<T>(const Matrix<T>&, const RowVector<T>&, Table2Loss);                           \
  template Table2Gradients<T> compute_table2_gradients<T>(const Table2Data<T>&, const Table2Architecture&,               \
                                                          const Table2Params<T>&);                                       \
  template Table2Gradients<T> compute_table2_gradients_plain<T>(const Table2Data<T>&, const Table2Architecture&,         \
                                                                const Table2Params<T>&);                                 \
  template T table2_loss_plain<T>(const Table2Data<T>&, const Table2Architecture&, const Table2Params<T>&);
SGVERIFY_TABLE2_INSTANTIATE(double)
SGVERIFY_TABLE2_INSTANTIATE(long double)
SGVERIFY_TABLE2_INSTANTIATE(Rational)
template void adam_update<double>(Matrix<double>&, const Matrix<double>&, AdamMoments<double>&, std::int64_t, const AdamSettings&);
template void adam_update<long double>(Matrix<long double>&, const Matrix<long double>&, AdamMoments<long double>&, std::int64_t,
                                       const AdamSettings&);

}  // namespace sgverify
