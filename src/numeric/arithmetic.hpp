// Choice of scalar type at run time ("exact", "interval:BITS", "mpfr:BITS", "double",
// "long-double") and dispatch to the templated algorithms.
#pragma once

#include "numeric/scalar_traits.hpp"

#include <string>

namespace sgverify {

enum class ArithmeticKind { exact, interval, mpfr, double_precision, long_double };

struct ArithmeticSpec {
  ArithmeticKind kind = ArithmeticKind::double_precision;
  unsigned bits = 0;  // significand bits of interval and mpfr; 0 for the others

  std::string name() const;
  Evidence evidence() const;
};

// The maximum BITS of mpfr:BITS and interval:BITS in any command. A command may set a lower
// limit, as theorem1 does.
inline constexpr unsigned max_arithmetic_bits = 1'000'000;

// Parses a value of --arith with at most `max_bits` bits; throws InputError naming the value and
// the range on anything else.
ArithmeticSpec parse_arithmetic(const std::string& text, unsigned max_bits = max_arithmetic_bits);

// Sets the process-wide default precision of mpfr_float and mpfi_float. Call it from one
// thread only, before creating values of those types.
void set_multiprecision_bits(unsigned bits);

// Calls visitor.template operator()<T>() with the scalar type of the spec, after setting the
// multiprecision default precision when the spec needs one.
template <class Visitor>
decltype(auto) visit_arithmetic(const ArithmeticSpec& spec, Visitor&& visitor) {
  switch (spec.kind) {
    case ArithmeticKind::exact:
      return visitor.template operator()<Rational>();
    case ArithmeticKind::interval:
      set_multiprecision_bits(spec.bits);
      return visitor.template operator()<Interval>();
    case ArithmeticKind::mpfr:
      set_multiprecision_bits(spec.bits);
      return visitor.template operator()<Mpfr>();
    case ArithmeticKind::long_double:
      return visitor.template operator()<long double>();
    case ArithmeticKind::double_precision:
      break;
  }
  return visitor.template operator()<double>();
}

}  // namespace sgverify
