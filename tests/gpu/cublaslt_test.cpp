// cuBLASLt baselines on our buffers: block-scaled (heuristic and enumerated) validated against the
// FP32 reference, per-tensor against a reference with unit scales, and failure modes the
// validation must catch (unwritten output, transposed scale layout).
#include <gtest/gtest.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <tuple>

#include "core/validation_metrics.hpp"
#include "gpu_test_support.hpp"
#include "runtime/cublaslt_algo_search.hpp"
#include "runtime/cublaslt_fp8_gemm.hpp"
#include "runtime/support_compare.hpp"

namespace gemmtune {
namespace {

using testing::make_problem;
using TestProblem = testing::Problem;

/// Poisons D, runs `gemm`, compares the first M rows with the reference.
ValidationMetrics run_and_compare(const CublasLtFp8Gemm& gemm, const TestProblem& p, const float* reference,
                                  cudaStream_t stream) {
  poison_output(p.d.get(), p.d.size_bytes(), stream);
  gemm.run(stream);
  return compare_output(p.d.as<uint16_t>(), reference, p.inputs.m, p.inputs.n, stream);
}

class BlockHeuristic : public ::testing::TestWithParam<std::tuple<int, int, int>> {};

TEST_P(BlockHeuristic, MatchesReference) {
  GT_SKIP_WITHOUT_GPU();
  const auto [m, n, k] = GetParam();
  const CudaStream stream;
  const TestProblem p = make_problem(m, n, k, 1234, stream.get());
  CublasLtFp8Gemm gemm(p.inputs.operands(), p.d.as<uint16_t>(), CublasLtGemmOptions{});
  std::string why;
  const std::optional<AlgoRecord> record = gemm.select_heuristic(&why);
  ASSERT_TRUE(record.has_value()) << why;
  const ValidationMetrics metrics = run_and_compare(gemm, p, p.reference.as<float>(), stream.get());
  EXPECT_LT(metrics.diff, 1e-5);
  const ValidationVerdict verdict = judge_validation(metrics, kDequantizedReferenceThresholds);
  EXPECT_TRUE(verdict.passed) << verdict.reason << " with " << to_string(*record);
}

// M = 1 and 100 exercise the padding to a multiple of 4; K = 400 a partial last scale block.
INSTANTIATE_TEST_SUITE_P(Shapes, BlockHeuristic,
                         ::testing::Values(std::make_tuple(1, 256, 512), std::make_tuple(4, 384, 1024),
                                           std::make_tuple(64, 2112, 7168), std::make_tuple(100, 200, 400),
                                           std::make_tuple(128, 4096, 7168), std::make_tuple(256, 7168, 2048)));

TEST(CublasLt, HeuristicRecordReplaysExactly) {
  GT_SKIP_WITHOUT_GPU();
  const CudaStream stream;
  const TestProblem p = make_problem(128, 2112, 7168, 77, stream.get());
  CublasLtFp8Gemm heuristic(p.inputs.operands(), p.d.as<uint16_t>(), CublasLtGemmOptions{});
  const std::optional<AlgoRecord> record = heuristic.select_heuristic(nullptr);
  ASSERT_TRUE(record.has_value());
  heuristic.run(stream.get());
  stream.synchronize();
  const auto expected = p.d.download<uint16_t>();

  const nlohmann::json stored = *record;  // through JSON, as an export would
  CublasLtFp8Gemm replay(p.inputs.operands(), p.d.as<uint16_t>(), CublasLtGemmOptions{});
  std::string why;
  ASSERT_TRUE(replay.select(stored.get<AlgoRecord>(), &why)) << why;
  EXPECT_TRUE(replay.selected().same_config(*record));
  const ValidationMetrics metrics = run_and_compare(replay, p, p.reference.as<float>(), stream.get());
  EXPECT_TRUE(judge_validation(metrics, kDequantizedReferenceThresholds).passed);
  EXPECT_EQ(p.d.download<uint16_t>(), expected) << "replayed " << to_string(*record) << " differs bitwise";
}

// NOTE: cublasLtMatmulAlgoCheck accepting a configuration does not make its output correct: on
// the H200 (cuBLASLt 13.1) some block-scaled configurations (e.g. tile 7, stages 36, cluster 2x1)
// wrote non-finite values. So every enumerated configuration the sweep times is validated first,
// and this test asserts that the validator tells them apart and that correct ones exist.
TEST(CublasLt, EnumeratedConfigurationsAreCheckedAndSomeAreCorrect) {
  GT_SKIP_WITHOUT_GPU();
  const CudaStream stream;
  const TestProblem p = make_problem(128, 2112, 7168, 5, stream.get());
  CublasLtFp8Gemm gemm(p.inputs.operands(), p.d.as<uint16_t>(), CublasLtGemmOptions{});
  const AlgoSearchResult search = search_algos(gemm, AlgoSearchSpace{}, {});
  ASSERT_GE(search.valid.size(), 1u);
  EXPECT_GE(search.checked_count, static_cast<int64_t>(search.valid.size()));
  RecordProperty("valid_configurations", static_cast<int>(search.valid.size()));
  RecordProperty("checked_configurations", static_cast<int>(search.checked_count));
  int correct = 0, incorrect = 0;
  for (size_t i = 0; i < 8 && i < search.valid.size(); ++i) {
    const AlgoRecord& record = search.valid[i * search.valid.size() / 8];
    std::string why;
    ASSERT_TRUE(gemm.select(record, &why)) << to_string(record) << ": " << why;
    const ValidationMetrics metrics = run_and_compare(gemm, p, p.reference.as<float>(), stream.get());
    const ValidationVerdict verdict = judge_validation(metrics, kDequantizedReferenceThresholds);
    (verdict.passed ? correct : incorrect) += 1;
    if (!verdict.passed) {
      EXPECT_GT(metrics.nonfinite_count + (metrics.diff > 1e-5 ? 1 : 0), 0) << to_string(record);
      std::printf("cuBLASLt %s rejected: %s\n", to_string(record).c_str(), verdict.reason.c_str());
    }
  }
  std::printf("enumerated cuBLASLt: %d of %d sampled configurations correct\n", correct,
              correct + incorrect);
  EXPECT_GE(correct, 1);
}

// The sweep finds cuBLASLt's accepted configurations by a walk through one-field changes
// (runtime/cublaslt_algo_search.hpp); this checks it against the full Cartesian product (~15 s
// per shape) on a small-M shape, where split-K is accepted, and a large one, where it is not.
// Space: the 7 cluster shapes of the product as first measured (26,969,313 checks).
TEST(CublasLtAlgoSearch, WalkFindsTheCartesianSet) {
  GT_SKIP_WITHOUT_GPU();
  const CudaStream stream;
  AlgoSearchSpace space;
  space.cluster_shape_ids = {CUBLASLT_CLUSTER_SHAPE_AUTO,  CUBLASLT_CLUSTER_SHAPE_1x1x1, CUBLASLT_CLUSTER_SHAPE_2x1x1,
                             CUBLASLT_CLUSTER_SHAPE_1x2x1, CUBLASLT_CLUSTER_SHAPE_2x2x1, CUBLASLT_CLUSTER_SHAPE_4x1x1,
                             CUBLASLT_CLUSTER_SHAPE_1x4x1};
  for (const auto& [m, n, k] : {std::tuple{64, 2112, 7168}, std::tuple{4096, 7168, 2048}}) {
    const TestProblem p = make_problem(m, n, k, 9, stream.get());
    CublasLtFp8Gemm gemm(p.inputs.operands(), p.d.as<uint16_t>(), CublasLtGemmOptions{});
    const AlgoSearchResult product = enumerate_algos(gemm, space);
    // No seeds beyond the walk's own scan: the heuristic must not be needed to find the set.
    const AlgoSearchResult walk = search_algos(gemm, space, {});
    std::set<std::string> in_product, in_walk;
    for (const AlgoRecord& r : product.valid) in_product.insert(to_string(r));
    for (const AlgoRecord& r : walk.valid) in_walk.insert(to_string(r));
    std::printf("%dx%dx%d: product %zu valid of %lld checked in %.2f s; walk %zu valid of %lld in %.3f s\n", m, n,
                k, in_product.size(), static_cast<long long>(product.checked_count), product.seconds,
                in_walk.size(), static_cast<long long>(walk.checked_count), walk.seconds);
    EXPECT_GE(in_product.size(), 1u);
    EXPECT_EQ(in_walk, in_product) << m << "x" << n << "x" << k;
    EXPECT_LT(walk.checked_count * 10, product.checked_count);
  }
}

// Issue 11's padded alternative: does cuBLASLt offer a batched block-scaled FP8 GEMM? The same
// problem unbatched must get an algorithm (the descriptors are sound); batched, the heuristic
// must answer with an algorithm or NOT_SUPPORTED, and the test prints which.
TEST(CublasLt, BatchedBlockScalesGetAClearAnswer) {
  GT_SKIP_WITHOUT_GPU();
  const CudaStream stream;
  const TestProblem p = make_problem(1024, 1024, 1024, 77, stream.get());
  std::string why;
  CublasLtFp8Gemm single(p.inputs.operands(), p.d.as<uint16_t>(), CublasLtGemmOptions{});
  ASSERT_TRUE(single.select_heuristic(&why).has_value()) << why;
  CublasLtFp8Gemm batched(p.inputs.operands(), p.d.as<uint16_t>(), CublasLtGemmOptions{.batch_count = 2});
  why.clear();
  const bool offered = batched.select_heuristic(&why).has_value();
  EXPECT_TRUE(offered || why.find("NOT_SUPPORTED") != std::string::npos) << why;
  std::printf("[ probe    ] cuBLASLt %s batched block-scaled FP8 (2 x 1024^3): %s\n",
              offered ? "offers" : "does not offer", offered ? "heuristic returned an algorithm" : why.c_str());
}

TEST(CublasLt, PerTensorMatchesUnitScaleReference) {
  GT_SKIP_WITHOUT_GPU();
  const int m = 64, n = 512, k = 1024;
  const CudaStream stream;
  const TestProblem p = make_problem(m, n, k, 3, stream.get());
  // The per-tensor GEMM with unit scales computes sum A*B: the dequantized reference with all-ones scales.
  DeviceBuffer ones_a(p.inputs.sa.size_bytes()), ones_b(p.inputs.sb.size_bytes());
  ones_a.upload(std::vector<float>(ones_a.size_bytes() / sizeof(float), 1.0f));
  ones_b.upload(std::vector<float>(ones_b.size_bytes() / sizeof(float), 1.0f));
  GemmOperands unit = p.inputs.operands();
  unit.sa = ones_a.as<float>();
  unit.sb = ones_b.as<float>();
  DeviceBuffer reference(static_cast<size_t>(m) * n * sizeof(float));
  run_reference_dequantized(unit, reference.as<float>(), stream.get());
  CublasLtFp8Gemm gemm(p.inputs.operands(), p.d.as<uint16_t>(),
                       CublasLtGemmOptions{.scaling = CublasLtScaling::kPerTensor});
  std::string why;
  ASSERT_TRUE(gemm.select_heuristic(&why).has_value()) << why;
  const ValidationMetrics metrics = run_and_compare(gemm, p, reference.as<float>(), stream.get());
  const ValidationVerdict verdict = judge_validation(metrics, kDequantizedReferenceThresholds);
  EXPECT_TRUE(verdict.passed) << verdict.reason;
}

TEST(Validation, OutputNeverWrittenFails) {
  GT_SKIP_WITHOUT_GPU();
  const int m = 64, n = 256;
  const CudaStream stream;
  const TestProblem p = make_problem(m, n, 512, 8, stream.get());
  poison_output(p.d.get(), p.d.size_bytes(), stream.get());  // then a "kernel" that writes nothing
  const ValidationMetrics metrics = compare_output(p.d.as<uint16_t>(), p.reference.as<float>(), m, n, stream.get());
  EXPECT_EQ(metrics.nonfinite_count, int64_t{m} * n);
  EXPECT_EQ(metrics.poison_count, int64_t{m} * n);
  EXPECT_FALSE(judge_validation(metrics, kDequantizedReferenceThresholds).passed);
}

TEST(Validation, MissingRowsFail) {
  GT_SKIP_WITHOUT_GPU();
  const int m = 64, n = 256;
  const CudaStream stream;
  // K = 128: one scale block, so sA's leading dimension (64 vs 60) does not matter for the rows written.
  const TestProblem p = make_problem(m, n, 128, 8, stream.get());
  GemmOperands short_m = p.inputs.operands();  // a GEMM that stops 4 rows early
  short_m.m = m - 4;
  short_m.m_pad4 = m - 4;
  CublasLtFp8Gemm gemm(short_m, p.d.as<uint16_t>(), CublasLtGemmOptions{});
  ASSERT_TRUE(gemm.select_heuristic(nullptr).has_value());
  const ValidationMetrics metrics = run_and_compare(gemm, p, p.reference.as<float>(), stream.get());
  EXPECT_EQ(metrics.poison_count, int64_t{4} * n);
  EXPECT_FALSE(judge_validation(metrics, kDequantizedReferenceThresholds).passed);
}

TEST(Validation, TransposedWeightScalesFail) {
  GT_SKIP_WITHOUT_GPU();
  const int m = 64, n = 512, k = 512;  // sB is 4 x 4: its transpose fits the same buffer
  const CudaStream stream;
  const TestProblem p = make_problem(m, n, k, 13, stream.get());
  ASSERT_EQ(p.inputs.sb_ld, 4);
  const auto sb = p.inputs.sb.download<float>();
  std::vector<float> transposed(sb.size());
  for (int nb = 0; nb < 4; ++nb) {
    for (int kb = 0; kb < 4; ++kb) transposed[kb * 4 + nb] = sb[nb * 4 + kb];
  }
  DeviceBuffer sb_t(p.inputs.sb.size_bytes());
  sb_t.upload(transposed);
  GemmOperands wrong = p.inputs.operands();
  wrong.sb = sb_t.as<float>();
  CublasLtFp8Gemm gemm(wrong, p.d.as<uint16_t>(), CublasLtGemmOptions{});
  ASSERT_TRUE(gemm.select_heuristic(nullptr).has_value());
  const ValidationMetrics metrics = run_and_compare(gemm, p, p.reference.as<float>(), stream.get());
  EXPECT_EQ(metrics.nonfinite_count, 0);
  EXPECT_GT(metrics.diff, 1e-2);
  EXPECT_FALSE(judge_validation(metrics, kDequantizedReferenceThresholds).passed);
}

TEST(CublasLt, LargestShapeValidatesAndReferenceTakesSeconds) {
  GT_SKIP_WITHOUT_GPU();
  const int m = 16384, n = 36864, k = 7168;
  const CudaStream stream;
  const GemmInputs in = generate_inputs(m, n, k, InputOptions{.seed = 99}, stream.get());
  DeviceBuffer reference(static_cast<size_t>(m) * n * sizeof(float));
  DeviceBuffer d(in.output_bytes());
  CudaEvent start, stop;
  start.record(stream.get());
  run_reference_dequantized(in.operands(), reference.as<float>(), stream.get());
  stop.record(stream.get());
  stop.synchronize();
  const double reference_s = stop.elapsed_ms_since(start) / 1000.0;
  RecordProperty("reference_seconds", std::to_string(reference_s));
  EXPECT_LT(reference_s, 10.0);
  CublasLtFp8Gemm gemm(in.operands(), d.as<uint16_t>(), CublasLtGemmOptions{});
  ASSERT_TRUE(gemm.select_heuristic(nullptr).has_value());
  poison_output(d.get(), d.size_bytes(), stream.get());
  gemm.run(stream.get());
  const ValidationMetrics metrics = compare_output(d.as<uint16_t>(), reference.as<float>(), m, n, stream.get());
  const ValidationVerdict verdict = judge_validation(metrics, kDequantizedReferenceThresholds);
  EXPECT_TRUE(verdict.passed) << verdict.reason;
}

}  // namespace
}  // namespace gemmtune
