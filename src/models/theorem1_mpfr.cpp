// Instantiation of the Theorem 1 iteration for Mpfr, in a file of its own to keep builds parallel.
#include "models/theorem1_impl.hpp"

namespace sgverify {
template Theorem1Run run_theorem1<Mpfr>(const Theorem1Problem&, const RowVector<Rational>&, const Theorem1Config&);
template RowVector<Rational> least_squares_weights_cod<Mpfr>(const Theorem1Problem&, const RowVector<Rational>&);
}  // namespace sgverify
