// Counterexample traces of the Corollary 1 claims: one JSON line holding the instance (data,
// architecture, rates) and the state in exact rationals, the claim, and the verdict a replay must
// reproduce. Kind: corollary1-counterexample.
#pragma once

#include "claims/verdict.hpp"
#include "proofs/corollary1.hpp"

#include <filesystem>
#include <string>

namespace sgverify {

inline const char* const corollary1_trace_kind = "corollary1-counterexample";

std::string corollary1_trace_text(const proofs::Corollary1Instance& instance, const ClaimResult& claim);

// True when the file's first line is a trace of kind corollary1-counterexample.
bool is_corollary1_trace(const std::filesystem::path& path);

// Rebuilds the instance, checks the claim again exactly and prints the outcome; returns 0 when
// the recorded verdict is reproduced and 1 when not. Throws InputError on a malformed trace, and
// when the replay runs longer than `time_limit` seconds (checked between its steps; 0: no limit).
int replay_corollary1_trace(const std::filesystem::path& path, double time_limit = 0);

// Checks the trace as the replay does, without the exact check, and prints its claim, verdict,
// detail and instance; returns 0. Throws InputError on a malformed trace.
int show_corollary1_trace(const std::filesystem::path& path);

}  // namespace sgverify
