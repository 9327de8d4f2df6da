// SVG plots drawn by gnuplot (Debian's gnuplot-nox), with the data inline in the script.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace sgverify {

// One curve: (x, y) points and a legend title.
struct Series {
  std::string title;
  std::vector<double> x, y;
};

struct PlotSpec {
  std::string title, x_label, y_label;
  bool log_x = false, log_y = true;
  std::vector<Series> series;
};

// The text as a single-quoted gnuplot string.
std::string quote_gnuplot(const std::string& text);

// Runs a gnuplot script whose first lines set an SVG terminal and the output `output`, then
// `body`; the file appears atomically. Throws std::runtime_error when gnuplot is missing or fails.
void render_gnuplot_svg(const std::string& body, const std::filesystem::path& output, int width, int height);

// Writes the plot to `output` (an .svg path) atomically. Throws std::runtime_error when
// gnuplot is missing or fails; the message names setup.sh as the fix.
void plot_svg(const PlotSpec& spec, const std::filesystem::path& output);

}  // namespace sgverify
