// Scalar types of the suite and everything that differs between them.
//
// The algorithms are templated on the scalar and use only +, -, *, / and the functions of
// ScalarTraits<T>. Comparisons go through ScalarTraits<T>::less, because comparing two
// overlapping mpfi_float intervals with operator< calls std::terminate.
#pragma once

#include <boost/multiprecision/gmp.hpp>
#include <boost/multiprecision/mpfi.hpp>
#include <boost/multiprecision/mpfr.hpp>
#include <boost/multiprecision/eigen.hpp>

#include <Eigen/Core>

#include <cmath>
#include <limits>
#include <string>

namespace sgverify {

using Rational = boost::multiprecision::mpq_rational;
using Interval = boost::multiprecision::mpfi_float;
using Mpfr = boost::multiprecision::mpfr_float;

template <class T>
using Matrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>;
template <class T>
using Vector = Eigen::Matrix<T, Eigen::Dynamic, 1>;
template <class T>
using RowVector = Eigen::Matrix<T, 1, Eigen::Dynamic>;

// Level of evidence of a computation, weakest last.
enum class Evidence { exact, certified, numerical };

// Result of a comparison that an interval may be unable to decide.
enum class Decision { yes, no, unknown };

std::string to_string(Evidence evidence);

// Exact decimal-free text of a rational: "p/q", or "p" when q = 1.
std::string rational_to_string(const Rational& value);

// Conversions rounded to nearest (GMP's mpq_get_d truncates instead).
double rational_to_double(const Rational& value);
long double rational_to_long_double(const Rational& value);

template <class T>
struct ScalarTraits;

template <>
struct ScalarTraits<Rational> {
  static constexpr Evidence evidence = Evidence::exact;
  static Rational from_rational(const Rational& value) { return value; }
  static Rational to_rational(const Rational& value) { return value; }
  static double to_double(const Rational& value) { return rational_to_double(value); }
  static double upper_double(const Rational& value) { return to_double(value); }
  static double width(const Rational&) { return 0.0; }
  static std::string to_string(const Rational& value) { return rational_to_string(value); }
  static Decision less(const Rational& a, const Rational& b) { return a < b ? Decision::yes : Decision::no; }
  static Decision is_zero(const Rational& value) { return value == 0 ? Decision::yes : Decision::no; }
  static bool is_finite(const Rational&) { return true; }
  static Rational minimum(const Rational& a, const Rational& b) { return a < b ? a : b; }
  static Vector<Rational> power_of_two_rescaled(const Vector<Rational>& v) { return v; }
  // The largest dyadic rational with at most 64 significant bits that is ≤ value (value > 0).
  // It keeps a step size below its bound while stopping its bit length from compounding.
  static Rational round_down_short(const Rational& value);
};

template <>
struct ScalarTraits<Interval> {
  static constexpr Evidence evidence = Evidence::certified;
  // mpfi_set_q rounds outward, so the interval contains the rational.
  static Interval from_rational(const Rational& value) { return Interval(value); }
  // The midpoint, exactly: both bounds are binary floating-point numbers.
  static Rational to_rational(const Interval& value) {
    return (Rational(lower(value)) + Rational(upper(value))) / 2;
  }
  static double to_double(const Interval& value) { return median(value).convert_to<double>(); }
  // An upper bound of the interval as a double, rounded upwards.
  static double upper_double(const Interval& value) {
    double bound = upper(value).convert_to<double>();
    if (Mpfr(bound) < upper(value)) bound = std::nextafter(bound, std::numeric_limits<double>::infinity());
    return bound;
  }
  static double width(const Interval& value) { return boost::multiprecision::width(value).convert_to<double>(); }
  static std::string to_string(const Interval& value) {
    return "[" + lower(value).str(0, std::ios_base::scientific) + "," +
           upper(value).str(0, std::ios_base::scientific) + "]";
  }
  // Decided only when the intervals do not overlap.
  static Decision less(const Interval& a, const Interval& b) {
    if (upper(a) < lower(b)) return Decision::yes;
    if (lower(a) >= upper(b)) return Decision::no;
    return Decision::unknown;
  }
  static Decision is_zero(const Interval& value) {
    if (lower(value) == 0 && upper(value) == 0) return Decision::yes;
    if (lower(value) > 0 || upper(value) < 0) return Decision::no;
    return Decision::unknown;
  }
  static bool is_finite(const Interval& value) {
    return boost::multiprecision::isfinite(lower(value)) && boost::multiprecision::isfinite(upper(value));
  }
  // MPFR's exponent range (about ±2^62) makes underflow of a rescaled quantity impossible here.
  static Vector<Interval> power_of_two_rescaled(const Vector<Interval>& v) { return v; }
  static Interval round_down_short(const Interval& value) { return value; }
  // Encloses min(a, b) for every pair of points of the two intervals.
  static Interval minimum(const Interval& a, const Interval& b) {
    const Mpfr low = lower(a) < lower(b) ? Mpfr(lower(a)) : Mpfr(lower(b));
    const Mpfr high = upper(a) < upper(b) ? Mpfr(upper(a)) : Mpfr(upper(b));
    return Interval(low, high);
  }
};

// Shared traits of the floating-point scalars (double, long double, mpfr_float).
template <class T>
struct FloatingTraits {
  static constexpr Evidence evidence = Evidence::numerical;
  static double to_double(const T& value) { return static_cast<double>(value); }
  static double upper_double(const T& value) { return to_double(value); }
  static double width(const T&) { return 0.0; }
  static Decision less(const T& a, const T& b) { return a < b ? Decision::yes : Decision::no; }
  static Decision is_zero(const T& value) { return value == 0 ? Decision::yes : Decision::no; }
  static T minimum(const T& a, const T& b) { return a < b ? a : b; }
  static T round_down_short(const T& value) { return value; }
  // v times the power of two that brings its largest entry to [1/2, 1); v itself when it is 0.
  // The scaling is exact (each entry gets its own ldexp, so subnormal entries scale too), and
  // scale-invariant ratios such as the line-search step then neither underflow nor overflow.
  static Vector<T> power_of_two_rescaled(const Vector<T>& v) {
    using std::abs, std::frexp, std::isfinite, std::ldexp;
    T largest = 0;
    for (Eigen::Index i = 0; i < v.size(); ++i) largest = std::max<T>(largest, abs(v(i)));
    if (largest == 0 || !isfinite(largest)) return v;
    int exponent = 0;
    frexp(largest, &exponent);
    return v.unaryExpr([exponent](const T& entry) { return ldexp(entry, -exponent); });
  }
};

template <>
struct ScalarTraits<double> : FloatingTraits<double> {
  static double from_rational(const Rational& value) { return rational_to_double(value); }
  static Rational to_rational(double value) { return Rational(value); }
  static std::string to_string(double value);
  static bool is_finite(double value) { return std::isfinite(value); }
};

template <>
struct ScalarTraits<long double> : FloatingTraits<long double> {
  static long double from_rational(const Rational& value) { return rational_to_long_double(value); }
  static Rational to_rational(long double value);
  static std::string to_string(long double value);
  static bool is_finite(long double value) { return std::isfinite(value); }
};

template <>
struct ScalarTraits<Mpfr> : FloatingTraits<Mpfr> {
  // MPFR's exponent range (about ±2^62) makes underflow of a rescaled quantity impossible here.
  static Vector<Mpfr> power_of_two_rescaled(const Vector<Mpfr>& v) { return v; }
  // mpfr_set_q at the current default precision, rounded to nearest.
  static Mpfr from_rational(const Rational& value) { return Mpfr(value); }
  static Rational to_rational(const Mpfr& value) { return Rational(value); }
  static double to_double(const Mpfr& value) { return value.convert_to<double>(); }
  static double upper_double(const Mpfr& value) { return to_double(value); }
  static std::string to_string(const Mpfr& value) { return value.str(0, std::ios_base::scientific); }
  static bool is_finite(const Mpfr& value) { return boost::multiprecision::isfinite(value); }
};

// Square root of a non-negative quantity as a double, for display and for tolerances.
// An interval gives the root of its upper bound, so the result is an upper bound too.
template <class T>
double sqrt_upper_double(const T& squared) {
  const double value = ScalarTraits<T>::upper_double(squared);
  return value <= 0 ? 0.0 : std::sqrt(value);
}

}  // namespace sgverify
