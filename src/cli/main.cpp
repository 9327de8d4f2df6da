// sgverify: checks the convergence theorems and counterexamples of Czarnecki et al.,
// "Understanding Synthetic Gradients and Decoupled Neural Interfaces" (ICML 2017).
#include "cli/commands.hpp"
#include "io/input_error.hpp"

#include <iostream>
#include <utility>

int main(int argc, char** argv) {
  using namespace sgverify;
  CLI::App app{"sgverify: exact, interval and high-precision checks of the synthetic-gradient theorems of Czarnecki et al., "
               "\"Understanding Synthetic Gradients and Decoupled Neural Interfaces\" (ICML 2017, arXiv:1703.00522)."};
  app.footer("Exit status: 0 when the command ran (refuted claims are results, not failures), 1 on an internal failure or a trace that "
             "trace replay could not reproduce, 2 on an invalid flag value, file or data value, or a trace beyond the replay limits.");
  app.require_subcommand(1);
  if (argc > 0 && argv[0] != nullptr) invoked_program = argv[0];

  Theorem1Options theorem1_options;
  CLI::App* theorem1 = app.add_subcommand("theorem1", "Run the Theorem 1 iteration (linear regression with a linear SG module)");
  add_theorem1_options(*theorem1, theorem1_options);

  Corollary1Options corollary1_options;
  CLI::App* corollary1 = app.add_subcommand("corollary1", "Train the deep linear model of Corollary 1 through a linear SG and check the C1 claims");
  add_corollary1_options(*corollary1, corollary1_options);

  RunOptions run_options;
  CLI::App* run = app.add_subcommand("run", "The main job: a default set of Theorem 1 runs, written to a report folder");
  add_run_options(*run, run_options);

  AuditOptions audit_options;
  CLI::App* audit = app.add_subcommand("audit", "Check every step of a proof on generated instances, with shrunk counterexamples");
  add_audit_options(*audit, audit_options);

  Theorem2Options theorem2_options;
  CLI::App* theorem2 = app.add_subcommand("theorem2", "Check Theorem 2 (strictly norm-decreasing maps) and the constructions behind its hypotheses");
  add_theorem2_options(*theorem2, theorem2_options);

  CriticOptions critic_options;
  CLI::App* critic = app.add_subcommand("critic", "Appendix A: critics with zero critic loss and any gradient, checked exactly");
  add_critic_options(*critic, critic_options);

  CriticalPointsOptions critical_points_options;
  CLI::App* critical_points =
      app.add_subcommand("critical-points", "Appendix B: critical points that an SG adds to L(a, b) = sum |a x_i + b|, and Figure 6");
  add_critical_points_options(*critical_points, critical_points_options);

  Table2Options table2_options;
  CLI::App* table2 = app.add_subcommand("table2", "Appendix D, Table 2: synthetic gradients against backpropagation on the artificial data sets");
  add_table2_options(*table2, table2_options);

  TraceOptions trace_options;
  CLI::App* trace = app.add_subcommand("trace", "Show or replay a trace written by another command");
  add_trace_options(*trace, trace_options);

  // CLI11 reports an unknown first word only as "A subcommand is required", so name it here.
  if (argc > 1 && argv[1][0] != '-') {
    std::string known;
    bool found = false;
    for (const CLI::App* command : std::as_const(app).get_subcommands([](const CLI::App*) { return true; })) {
      found = found || command->get_name() == argv[1];
      known += (known.empty() ? "" : ", ") + command->get_name();
    }
    if (!found) {
      std::cerr << "sgverify: unknown command '" << shortened(argv[1]) << "': use one of " << known << "; see sgverify --help\n";
      return exit_bad_input;
    }
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& help) {
    return app.exit(help);
  } catch (const InvalidFlagValue& error) {
    // The message already names the flag, the value and the fix.
    std::cerr << "sgverify: " << visible_text(error.what()) << "\n";
    return exit_bad_input;
  } catch (const CLI::ExtrasError&) {
    // CLI11's own message lists the extra arguments in reverse order, so name them as typed.
    std::string extras;
    for (const std::string& argument : app.remaining(true)) extras += (extras.empty() ? "" : " ") + argument;
    std::string command;
    for (const CLI::App* current = &app; !current->get_subcommands().empty();) {
      current = current->get_subcommands().front();
      command += " " + current->get_name();
    }
    std::cerr << "sgverify: unexpected arguments '" << visible_text(extras) << "': sgverify" << command
              << " takes no such option or value; see sgverify" << command << " --help\n";
    return exit_bad_input;
  } catch (const CLI::ParseError& error) {
    std::cerr << "sgverify: " << visible_text(error.what()) << "; see sgverify --help\n";
    return exit_bad_input;
  }

  try {
    if (theorem1->parsed()) return run_theorem1_command(theorem1_options);
    if (corollary1->parsed()) return run_corollary1_command(corollary1_options);
    if (run->parsed()) return run_main_job(run_options);
    if (trace->parsed()) return run_trace_command(trace_options);
    if (critic->parsed()) return run_critic_command(critic_options);
    if (critical_points->parsed()) return run_critical_points_command(critical_points_options);
    if (audit->parsed()) return run_audit_command(audit_options);
    if (theorem2->parsed()) return run_theorem2_command(theorem2_options);
    if (table2->parsed()) return run_table2_command(table2_options);
  } catch (const InputError& error) {
    std::cerr << "sgverify: " << visible_text(error.what()) << "\n";
    return exit_bad_input;
  } catch (const std::exception& error) {
    std::cerr << "sgverify: internal failure: " << error.what() << "\n";
    return exit_failure;
  }
  return exit_failure;
}
