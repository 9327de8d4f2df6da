// Instantiation of the Corollary 1 deep linear model for Mpfr, in a file of its own to keep builds parallel.
#include "models/deep_linear_impl.hpp"

namespace sgverify {
SGVERIFY_DEEP_LINEAR_INSTANTIATE(Mpfr)
}  // namespace sgverify
