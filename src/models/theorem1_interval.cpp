// Instantiation of the Theorem 1 iteration for Interval, in a file of its own to keep builds parallel.
#include "models/theorem1_impl.hpp"

namespace sgverify {
template Theorem1Run run_theorem1<Interval>(const Theorem1Problem&, const RowVector<Rational>&, const Theorem1Config&);
}  // namespace sgverify
