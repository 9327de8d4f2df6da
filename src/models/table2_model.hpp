// The linear models of Table 2 (appendix D) of Czarnecki et al., "Understanding Synthetic
// Gradients and Decoupled Neural Interfaces" (ICML 2017): shallow and deep linear networks with
// MSE or log loss, trained by backpropagation or through linear synthetic-gradient (SG) modules.
//
// Notation (one sample a column): x̄ = [x; 1] (the constant gives the affine map its bias),
// y the one-hot label, t the target (MSE: t = y_1 − y_2 = ±1, one output; log loss: t = y, two
// outputs with softmax). Layers h_0 = x̄, h_i = W_i h_{i-1} for i = 1..L, output f = h_L.
// Per-sample loss ℓ = (f − t)² (MSE) or −Σ t log softmax(f) (log loss); L = mean over samples.
// The per-sample residual r = ∂ℓ/∂f is 2(f − t) or softmax(f) − t.
//
// An SG after layer j predicts ∂ℓ/∂h_j from the activation and the one-hot label:
//     ĝ = C h_j + D y + c,
// and is trained on E_j = mean ½‖ĝ − g‖² with g = ∂ℓ/∂h_j the true per-sample gradient. Layer i
// is trained on the prediction of the lowest SG at or above it (ĝ pushed through ∂h_j/∂W_i).
// Layers above every SG get the true gradient.
//
// The structured path never forms a hidden activation per sample. With P_i = W_L⋯W_{i+1},
// M_i = W_i⋯W_1 (so h_i = M_i x̄), the mean moments xx = mean x̄x̄ᵀ, xy = mean x̄yᵀ and
// B = mean r x̄ᵀ (for MSE, B = 2(F xx − mean t x̄ᵀ) with F = P_0):
//     ∂L/∂W_i = P_iᵀ B M_{i-1}ᵀ,   with M_{i-1}Bᵀ carried upward layer by layer,
//     ∂E_j/∂C = C Σ_j + c μ_jᵀ + D K_jᵀ − P_jᵀ B M_jᵀ,
// where Σ_j = M_j xx M_jᵀ, μ_j = mean h_j and K_j = mean h_j yᵀ are carried upward too, and the
// SG-driven gradient of W_i is Q_iᵀ (C Q_i W_i Σ_{i-1} + c μ_{i-1}ᵀ + D K_{i-1}ᵀ) with
// Q_i = W_j⋯W_{i+1}. For MSE a step costs O(w²(k+1) + L·w³) for hidden width w, whatever the
// sample count; the log loss adds one pass over the samples for the logits F x̄ and B.
#pragma once

#include "numeric/scalar_traits.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace sgverify {

enum class Table2Loss { mse, log };

std::string to_string(Table2Loss loss);  // "MSE" or "log loss"

// Widths d_0 = k + 1 (input with the constant), hidden widths, output (1 for MSE, 2 for log
// loss), and the layers j (1..L, increasing) after which an SG sits. j = L puts the SG on the
// output, so that every layer is trained through it.
struct Table2Architecture {
  std::vector<Eigen::Index> widths;
  std::vector<int> sg_layers;
  Table2Loss loss = Table2Loss::mse;

  int layers() const { return static_cast<int>(widths.size()) - 1; }
  std::string describe() const;  // "widths 3-10-...-1, SG after layers 1, 2"
};

// A shallow model (one layer, the SG on its output) or a deep one with `hidden_layers` hidden
// layers of width `width` and SGs after the given hidden layers.
Table2Architecture make_shallow_architecture(Eigen::Index input_dim, Table2Loss loss);
Table2Architecture make_deep_architecture(Eigen::Index input_dim, int hidden_layers, Eigen::Index width, std::vector<int> sg_layers,
                                          Table2Loss loss);

// One data set with its mean moments, in the scalar T.
template <class T>
struct Table2Data {
  Matrix<T> X;  // x̄ for every sample, (k + 1) × S, the last row is 1
  Matrix<T> Y;  // one-hot labels, 2 × S (row 0: label +1)
  Matrix<T> t;  // targets, 1 × S (MSE) or 2 × S (log loss)
  Matrix<T> xx, xy, xt, yy, ty;  // mean x̄x̄ᵀ, x̄yᵀ, x̄tᵀ, yyᵀ, tyᵀ
  T tt;                          // mean ‖t‖²

  Eigen::Index samples() const { return X.cols(); }
  Eigen::Index constant_row() const { return X.rows() - 1; }
};

// Builds x̄, one-hot labels, targets and moments from features (k × S) and labels ±1 (1 × S).
template <class T>
Table2Data<T> make_table2_data(const Matrix<T>& features, const RowVector<T>& labels, Table2Loss loss);

template <class T>
struct SgModule {
  Matrix<T> C, D, c;  // d_j × d_j, d_j × 2, d_j × 1
};

template <class T>
struct Table2Params {
  std::vector<Matrix<T>> W;    // W[i-1] = W_i, d_i × d_{i-1}
  std::vector<SgModule<T>> sg; // one per entry of sg_layers
};

// Everything one step of either method needs, at one state.
template <class T>
struct Table2Gradients {
  T loss;
  std::vector<Matrix<T>> true_gradient;  // ∂L/∂W_i
  std::vector<Matrix<T>> sg_gradient;    // the SG-driven gradient of W_i (true gradient above every SG)
  std::vector<SgModule<T>> sg_loss_gradient;  // ∂E_j/∂(C, D, c)
  Matrix<T> end_to_end;                  // F = W_L⋯W_1, the affine map the model computes
};

// The structured path described above.
template <class T>
Table2Gradients<T> compute_table2_gradients(const Table2Data<T>& data, const Table2Architecture& architecture, const Table2Params<T>& params);

// The plain path: every hidden activation of every sample, backpropagated sample by sample. Slow;
// it is the reference that tests compare the structured path against.
template <class T>
Table2Gradients<T> compute_table2_gradients_plain(const Table2Data<T>& data, const Table2Architecture& architecture,
                                                  const Table2Params<T>& params);

// The loss alone, by the plain path.
template <class T>
T table2_loss_plain(const Table2Data<T>& data, const Table2Architecture& architecture, const Table2Params<T>& params);

// Adam (Kingma and Ba, 2015) with bias correction: m ← β1 m + (1 − β1) g, v ← β2 v + (1 − β2) g²,
// θ ← θ − lr · m̂ / (√v̂ + ε) with m̂ = m / (1 − β1^t), v̂ = v / (1 − β2^t), t = 1, 2, ...
struct AdamSettings {
  double learning_rate = 3e-5;
  double beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8;
};

template <class T>
struct AdamMoments {
  Matrix<T> m, v;
};

// One Adam step of `parameter` with gradient `gradient`, `step` = t ≥ 1.
template <class T>
void adam_update(Matrix<T>& parameter, const Matrix<T>& gradient, AdamMoments<T>& moments, std::int64_t step, const AdamSettings& settings);

#define SGVERIFY_TABLE2_EXTERN(T)                                                                                                   \
  extern template Table2Data<T> make_table2_data<T>(const Matrix<T>&, const RowVector<T>&, Table2Loss);                           \
  extern template Table2Gradients<T> compute_table2_gradients<T>(const Table2Data<T>&, const Table2Architecture&,               \
                                                                 const Table2Params<T>&);                                       \
  extern template Table2Gradients<T> compute_table2_gradients_plain<T>(const Table2Data<T>&, const Table2Architecture&,         \
                                                                       const Table2Params<T>&);                                 \
  extern template T table2_loss_plain<T>(const Table2Data<T>&, const Table2Architecture&, const Table2Params<T>&);
SGVERIFY_TABLE2_EXTERN(double)
SGVERIFY_TABLE2_EXTERN(long double)
// Rationals support MSE only, because the log loss needs exp and log.
SGVERIFY_TABLE2_EXTERN(Rational)
extern template void adam_update<double>(Matrix<double>&, const Matrix<double>&, AdamMoments<double>&, std::int64_t, const AdamSettings&);
extern template void adam_update<long double>(Matrix<long double>&, const Matrix<long double>&, AdamMoments<long double>&, std::int64_t,
                                              const AdamSettings&);

}  // namespace sgverify
