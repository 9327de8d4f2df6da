// Instantiation of the Theorem 1 iteration for double and long double.
#include "models/theorem1_impl.hpp"

namespace sgverify {
template Theorem1Run run_theorem1<double>(const Theorem1Problem&, const RowVector<Rational>&, const Theorem1Config&);
template Theorem1Run run_theorem1<long double>(const Theorem1Problem&, const RowVector<Rational>&, const Theorem1Config&);
template RowVector<Rational> least_squares_weights_cod<double>(const Theorem1Problem&, const RowVector<Rational>&);
template RowVector<Rational> least_squares_weights_cod<long double>(const Theorem1Problem&, const RowVector<Rational>&);
}  // namespace sgverify
