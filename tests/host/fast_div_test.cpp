// FastDivisor (kernels/support_fast_div.h), the persistent schedule's division by launch-time
// values: equal to `/` over the divisors and dividends a tile schedule can meet.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>

#include "kernels/support_fast_div.h"

namespace {

void expect_divides_like_cpu(int d, int n) {
  const FastDivisor f(d);
  ASSERT_EQ(f.div(n), n / d) << n << " / " << d;
}

TEST(FastDivisor, EveryDivisorUpTo4096OnEveryDividendUpTo65536) {
  for (int d = 1; d <= 4096; ++d) {
    for (int n = 0; n <= 65536; n += (d < 64 ? 1 : 7)) expect_divides_like_cpu(d, n);
  }
}

TEST(FastDivisor, DividendsNearTheirMultiplesAndNearTwoToThe31) {
  for (int d : {1, 2, 3, 5, 7, 24, 56, 96, 132, 193, 1000, 4095, 65537, 1 << 20, (1 << 30) + 3,
                2147483647}) {
    for (int64_t q : {int64_t{0}, int64_t{1}, int64_t{2}, int64_t{1000}, int64_t{1} << 20}) {
      for (int delta = -2; delta <= 2; ++delta) {
        const int64_t n = q * d + delta;
        if (n >= 0 && n <= 2147483647) expect_divides_like_cpu(d, static_cast<int>(n));
      }
    }
    expect_divides_like_cpu(d, 2147483647);
    expect_divides_like_cpu(d, 2147483646);
  }
}

TEST(FastDivisor, RandomDivisorsAndDividends) {
  std::mt19937 rng(20261124);
  std::uniform_int_distribution<int> divisor(1, 2147483647), dividend(0, 2147483647);
  for (int i = 0; i < 2000000; ++i) expect_divides_like_cpu(divisor(rng), dividend(rng));
}

}  // namespace
