#include "report/plot.hpp"

#include "io/atomic_file.hpp"

#include <fmt/format.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <fcntl.h>
#include <spawn.h>
#include <stdexcept>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace sgverify {

std::string quote_gnuplot(const std::string& text) {
  std::string quoted = "'";
  // A line break would end the command, and the rest of the text would run as gnuplot code.
  for (const char c : text) quoted += c == '\'' ? std::string("''") : c == '\n' || c == '\r' ? std::string(" ") : std::string(1, c);
  return quoted + "'";
}

namespace {

// Smallest value drawn on a log axis: well above the subnormal doubles.
constexpr double smallest_log_value = 1e-300;

// Runs gnuplot on the script file `script` and sends what it draws to the file `svg`. No output
// path reaches gnuplot as text. The script path is absolute, so gnuplot cannot read it as an
// option (a folder named "-rel"). The SVG goes to gnuplot's standard output, which this process
// opens, so a path with a quote or a line break needs no gnuplot quoting.
int run_gnuplot(const std::filesystem::path& script, const std::filesystem::path& svg) {
  const std::string program = "gnuplot";
  const std::string script_path = std::filesystem::absolute(script).string();
  char* argv[] = {const_cast<char*>(program.c_str()), const_cast<char*>(script_path.c_str()), nullptr};
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, svg.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  pid_t child = 0;
  const int spawn_error = posix_spawnp(&child, program.c_str(), &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawn_error != 0) return -1;
  int status = 0;
  if (waitpid(child, &status, 0) < 0) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

void render_gnuplot_svg(const std::string& body, const std::filesystem::path& output, int width, int height) {
  const std::filesystem::path temporary_svg = output.string() + ".tmp." + std::to_string(::getpid()) + ".svg";
  const std::filesystem::path script = output.string() + ".tmp." + std::to_string(::getpid()) + ".gp";
  std::string text = fmt::format("set terminal svg size {},{} dynamic font 'sans,12' background rgb 'white'\n", width, height);
  text += body + "\nunset output\n";
  write_file_atomically(script, text);

  const int status = run_gnuplot(script, temporary_svg);
  std::error_code ignored;
  std::filesystem::remove(script, ignored);
  std::error_code size_error;
  const std::uintmax_t size = std::filesystem::file_size(temporary_svg, size_error);
  if (status != 0 || size_error || size == 0) {
    std::filesystem::remove(temporary_svg, ignored);
    throw std::runtime_error("gnuplot failed to draw " + path_for_messages(output).string() +
                             (status == -1 ? ": gnuplot was not found; run ./setup.sh to install it" : ": exit status " + std::to_string(status)));
  }
  std::filesystem::rename(temporary_svg, output);
}

void plot_svg(const PlotSpec& spec, const std::filesystem::path& output) {
  std::string text;
  std::vector<std::size_t> drawable_counts(spec.series.size(), 0);
  for (std::size_t i = 0; i < spec.series.size(); ++i) {
    text += fmt::format("$series{} << EOD\n", i);
    const Series& series = spec.series[i];
    for (std::size_t j = 0; j < series.x.size(); ++j) {
      const double y = series.y[j];
      // A log axis cannot show 0 or negative values, and gnuplot rejects subnormal ones as a
      // range; it skips points marked "?".
      const bool drawable = std::isfinite(y) && std::isfinite(series.x[j]) && (!spec.log_y || y > smallest_log_value) &&
                            (!spec.log_x || series.x[j] > 0);
      if (drawable) ++drawable_counts[i];
      if (drawable) text += fmt::format("{:.17g} {:.17g}\n", series.x[j], y);
      else text += fmt::format("{:.17g} ?\n", series.x[j]);
    }
    text += "EOD\n";
  }
  text += "set title " + quote_gnuplot(spec.title) + " noenhanced\n";
  text += "set xlabel " + quote_gnuplot(spec.x_label) + " noenhanced\n";
  text += "set ylabel " + quote_gnuplot(spec.y_label) + " noenhanced\n";
  text += "set grid\nset key outside right top noenhanced\n";
  if (spec.log_y) text += "set format y '%.0e'\n";
  if (spec.log_x) text += "set logscale x\n";
  if (spec.log_y) text += "set logscale y\n";
  // gnuplot fails on a series with no drawable point, so such series are left out, and a plot
  // with none at all shows a note instead.
  std::vector<std::string> parts;
  for (std::size_t i = 0; i < spec.series.size(); ++i) {
    if (drawable_counts[i] > 0) parts.push_back(fmt::format("$series{} using 1:2 with lines linewidth 2 title {}", i, quote_gnuplot(spec.series[i].title)));
  }
  if (parts.empty()) {
    text += "unset logscale\nset format y '%g'\nset xrange [0:1]\nset yrange [0:1]\n";
    text += "set label 1 'no positive finite values to draw' at graph 0.5, 0.5 center\n";
    parts.push_back("-1 notitle");
  }
  text += "plot ";
  for (std::size_t i = 0; i < parts.size(); ++i) text += (i > 0 ? ", " : "") + parts[i];
  text += "\n";
  render_gnuplot_svg(text, output, 900, 520);
}

}  // namespace sgverify
