// Table 2 (appendix D) of Czarnecki et al., "Understanding Synthetic Gradients and Decoupled Neural
// Interfaces" (ICML 2017): final loss with SGs minus final loss with backpropagation, averaged over
// data sets, for every (data family, model, loss) cell, run in parallel over data sets and cells.
#pragma once

#include "claims/verdict.hpp"
#include "data/families.hpp"
#include "models/table2_training.hpp"

#include <functional>
#include <string>
#include <vector>

namespace sgverify {

// SG placement in the deep models: one module after every hidden layer, or one after the
// middle hidden layer.
enum class SgPlacement { every, middle };

SgPlacement parse_sg_placement(const std::string& text);
std::string to_string(SgPlacement placement);

struct Table2Cell {
  Family family = Family::linear;
  Eigen::Index dim = 2;
  bool deep = false;
  Table2Loss loss = Table2Loss::mse;
  double paper = 0;  // the paper's entry

  std::string row_id() const;   // "noisy100-deep"
  std::string id() const;       // "noisy100-deep-mse" or "noisy100-deep-log"
  Eigen::Index samples() const { return dim == 2 ? 100 : 1000; }  // the paper's sample counts
};

// The 20 cells of the paper's table, row by row (MSE before log loss).
std::vector<Table2Cell> table2_cells();

// Selects cells by row ids ("noisy100-deep") or cell ids ("noisy100-deep-log"). Throws
// InputError naming an unknown id.
std::vector<Table2Cell> select_table2_cells(const std::vector<std::string>& ids);

struct Table2Settings {
  std::vector<Table2Cell> cells = table2_cells();
  int datasets = 10;
  int threads = 2;
  std::uint64_t seed = 1;
  int hidden_layers = 10;
  Eigen::Index width = 10;
  SgPlacement placement = SgPlacement::every;
  AdamSettings adam;
  StoppingRule rule;
  // A pair in which both runs converged is a different solution when the end-to-end maps (for log
  // loss, the logit differences) differ by more than this fraction of the backpropagation map in
  // Frobenius norm. It is also one when the final losses differ by more than different_loss.
  double different_map = 0.05;
  double different_loss = 1e-4;
};

Table2Architecture table2_architecture(const Table2Settings& settings, const Table2Cell& cell);

struct Table2Pair {
  int dataset = 0;
  std::uint64_t data_seed = 0;
  TrainingRun backprop, synthetic;
  double difference = 0;    // SG final loss minus backpropagation final loss
  double map_distance = 0;  // ‖F_sg − F_bp‖ / ‖F_bp‖, with F the part of the map that the loss depends on
  bool different = false;
  double seconds = 0;
};

struct Table2CellResult {
  Table2Cell cell;
  std::string architecture;
  std::vector<Table2Pair> pairs;
  double mean = 0, deviation = 0, minimum = 0, maximum = 0;  // of the differences; deviation is the sample standard deviation
  double backprop_loss = 0, synthetic_loss = 0;              // means of the final losses
  int different = 0, capped = 0;  // pairs marked different; pairs with a run that hit max_steps
  double seconds = 0;
};

// Runs every cell on `settings.datasets` seeded data sets with `settings.threads` threads.
// `progress` receives one line per finished pair (called from worker threads, serialised).
std::vector<Table2CellResult> run_table2(const Table2Settings& settings, const std::function<void(const std::string&)>& progress);

// The seed of data set `index` of a family and dimension: shared by every model and loss.
std::uint64_t table2_data_seed(std::uint64_t seed, Family family, Eigen::Index dim, int index);

// Whether a cell's mean difference is within max(1e-4, 2 standard errors) of the paper's entry,
// the test of the claim D.table2-paper-values.
bool agrees_with_paper(const Table2CellResult& result);

// The claims decided on the results (see the .cpp for each statement and tolerance).
std::vector<ClaimResult> decide_table2_claims(const std::vector<Table2CellResult>& results, const Table2Settings& settings);

}  // namespace sgverify
