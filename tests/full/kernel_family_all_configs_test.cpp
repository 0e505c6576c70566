// Every config the legality model calls legal for dsv3-quick (default space) compiles cleanly.
// Thousands of kernels: minutes on many cores, so it has its own label ("full") and is not part
// of the README's test command; run it with `ctest --test-dir build -L full`.
#include "../nvrtc/kernel_family_check.hpp"

namespace gemmtune::jit {
namespace {

TEST(KernelFamilyFull, EveryLegalDsv3QuickConfigCompilesWithoutSpills) {
  test::expect_compiles_cleanly(test::legal_dsv3_quick_configs());
}

}  // namespace
}  // namespace gemmtune::jit
