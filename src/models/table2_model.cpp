#include "models/table2_model.hpp"

#include <fmt/format.h>

#include <algorithm>
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

// Mean log loss of two softmax outputs, and B = mean r x̄ᵀ, B_Y = mean r yᵀ. Only the logit
// difference d = f_1 − f_2 matters: ℓ = softplus(d) − t_1 d and r = (σ(d) − t_1)·(1, −1), so one
// pass over the samples computes d and one more computes B, half the work of a general softmax.
template <class T>
T two_class_log_loss(const Matrix<T>& F, const Table2Data<T>& data, Matrix<T>& B, Matrix<T>& B_y) {
  if constexpr (std::is_floating_point_v<T>) {
    const RowVector<T> difference = (F.row(0) - F.row(1)) * data.X;
    RowVector<T> residual(difference.size());
    T total = 0;
    for (Eigen::Index s = 0; s < difference.size(); ++s) {
      const T d = difference(s);
      const T softplus = std::max(d, T(0)) + std::log1p(std::exp(-std::abs(d)));
      total += softplus - data.t(0, s) * d;
      residual(s) = std::exp(d - softplus) - data.t(0, s);  // σ(d) = exp(d − softplus(d))
    }
    const T count = T(static_cast<long>(data.samples()));
    const RowVector<T> first = residual * data.X.transpose() / count;
    const RowVector<T> first_y = residual * data.Y.transpose() / count;
    B.resize(2, first.size());
    B.row(0) = first;
    B.row(1) = -first;
    B_y.resize(2, first_y.size());
    B_y.row(0) = first_y;
    B_y.row(1) = -first_y;
    return total / count;
  } else {
    assert(false && "the log loss needs a floating-point scalar");
    return T(0);
  }
}

// The lowest layer trained through SG module `module`: the one above the next lower SG.
int first_layer_of_module(const Table2Architecture& architecture, std::size_t module) {
  return module == 0 ? 1 : architecture.sg_layers[module - 1] + 1;
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
  const auto W = [&](int i) -> const Matrix<T>& { return params.W[static_cast<std::size_t>(i - 1)]; };
  const auto at = [](int i) { return static_cast<std::size_t>(i); };

  // Suffix products P_i = W_L⋯W_{i+1} (P_L = I is stored empty) and F = P_0.
  std::vector<Matrix<T>> P(at(L + 1));
  for (int i = L; i >= 1; --i) P[at(i - 1)] = i == L ? W(L) : Matrix<T>(P[at(i)] * W(i));
  Table2Gradients<T> result;
  result.end_to_end = P[0];
  const Matrix<T>& F = result.end_to_end;

  // B = mean r x̄ᵀ and B_Y = mean r yᵀ.
  Matrix<T> B, B_y;
  if (architecture.loss == Table2Loss::mse) {
    const Matrix<T> Fxx = F * data.xx;
    result.loss = (Fxx * F.transpose()).trace() - T(2) * (F * data.xt).trace() + data.tt;
    B = T(2) * (Fxx - data.xt.transpose());
    B_y = T(2) * (F * data.xy - data.ty);
  } else if (F.rows() == 2) {
    result.loss = two_class_log_loss(F, data, B, B_y);
  } else {
    Matrix<T> residual;
    result.loss = softmax_residual<T>(Matrix<T>(F * data.X), data.t, residual);
    const T count = T(static_cast<long>(data.samples()));
    B = residual * data.X.transpose() / count;
    B_y = residual * data.Y.transpose() / count;
  }

  // ∂L/∂W_i = P_iᵀ B M_{i-1}ᵀ = P_iᵀ v_{i-1}ᵀ with v_i = M_i Bᵀ carried upward: O(o·d_i·d_{i-1}) a layer.
  result.true_gradient.resize(at(L));
  Matrix<T> v = B.transpose();
  for (int i = 1; i <= L; ++i) {
    result.true_gradient[at(i - 1)] = i == L ? Matrix<T>(v.transpose()) : Matrix<T>(P[at(i)].transpose() * v.transpose());
    v = Matrix<T>(W(i) * v);
  }
  result.sg_gradient = result.true_gradient;
  if (!with_sg) return result;

  // Moments of the activations, carried upward: Σ_i = M_i xx M_iᵀ, the cross moment
  // W_i Σ_{i-1} = M_i xx M_{i-1}ᵀ, μ_i = mean h_i and K_i = mean h_i yᵀ (index i; Σ_0 = xx).
  std::vector<Matrix<T>> sigma{data.xx}, cross{Matrix<T>()}, mu{Matrix<T>(data.xx.col(constant))}, K{data.xy};
  std::vector<Matrix<T>> M_transposed_B{B.transpose()};  // M_i Bᵀ, for ∂E_j/∂C
  for (int i = 1; i <= L; ++i) {
    cross.push_back(W(i) * sigma.back());
    sigma.push_back(cross.back() * W(i).transpose());
    mu.push_back(W(i) * mu.back());
    K.push_back(W(i) * K.back());
    M_transposed_B.push_back(W(i) * M_transposed_B.back());
  }
  const Matrix<T> mean_label = data.xy.row(constant).transpose();  // mean y

  for (std::size_t module = 0; module < architecture.sg_layers.size(); ++module) {
    const int j = architecture.sg_layers[module];
    const SgModule<T>& sg = params.sg[module];
    // ∂E_j/∂C = mean (ĝ − g) h_jᵀ = C Σ_j + c μ_jᵀ + D K_jᵀ − P_jᵀ B M_jᵀ, and likewise for c and D
    // with mean ĝ = C μ_j + c + D mean y and mean g = P_jᵀ B e_1.
    const Matrix<T> P_transposed = j == L ? Matrix<T>::Identity(F.rows(), F.rows()) : Matrix<T>(P[at(j)].transpose());
    SgModule<T> gradient;
    gradient.C = sg.C * sigma[at(j)] + sg.c * mu[at(j)].transpose() + sg.D * K[at(j)].transpose() - P_transposed * M_transposed_B[at(j)].transpose();
    gradient.c = sg.C * mu[at(j)] + sg.c + sg.D * mean_label - P_transposed * B.col(constant);
    gradient.D = sg.C * K[at(j)] + sg.c * mean_label.transpose() + sg.D * data.yy - P_transposed * B_y;
    result.sg_loss_gradient.push_back(std::move(gradient));

    // Layer i of the block: Q_iᵀ (C Q_i W_i Σ_{i-1} + c μ_{i-1}ᵀ + D K_{i-1}ᵀ) with Q_i = W_j⋯W_{i+1}.
    Matrix<T> Q;  // empty while Q_i = I
    for (int i = j; i >= first_layer_of_module(architecture, module); --i) {
      const Matrix<T> through = Q.size() == 0 ? cross[at(i)] : Matrix<T>(Q * cross[at(i)]);
      const Matrix<T> pushed = sg.C * through + sg.c * mu[at(i - 1)].transpose() + sg.D * K[at(i - 1)].transpose();
      result.sg_gradient[at(i - 1)] = Q.size() == 0 ? pushed : Matrix<T>(Q.transpose() * pushed);
      Q = Q.size() == 0 ? W(i) : Matrix<T>(Q * W(i));
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
