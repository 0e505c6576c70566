// AlgoRecord: the JSON form results and exports store cuBLASLt configurations in.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/cublaslt_algo_record.hpp"
#include "core/error.hpp"

namespace gemmtune {
namespace {

AlgoRecord sample_record() {
  return AlgoRecord{.algo_id = 66, .tile_id = 20, .stages_id = 35, .cluster_shape_id = 3, .custom_option = 7,
                    .split_k = 2, .reduction_scheme = 4, .cta_swizzling = 1, .inner_shape_id = 0,
                    .workspace_bytes = 1u << 20, .waves_count = 1.25f};
}

TEST(AlgoRecord, JsonRoundTripKeepsEveryField) {
  const AlgoRecord r = sample_record();
  const nlohmann::json j = r;
  const AlgoRecord back = j.get<AlgoRecord>();
  EXPECT_TRUE(back.same_config(r));
  EXPECT_EQ(back.workspace_bytes, r.workspace_bytes);
  EXPECT_FLOAT_EQ(back.waves_count, r.waves_count);
  // And through text, as files store it.
  const AlgoRecord reparsed = parse_algo_record(nlohmann::json::parse(j.dump()), "f.json", "$.algo");
  EXPECT_TRUE(reparsed.same_config(r));
}

TEST(AlgoRecord, SameConfigIgnoresDerivedFields) {
  AlgoRecord a = sample_record();
  AlgoRecord b = a;
  b.workspace_bytes = 0;
  b.waves_count = 9.0f;
  EXPECT_TRUE(a.same_config(b));
  b.custom_option = 1;
  EXPECT_FALSE(a.same_config(b));
}

TEST(AlgoRecord, LabelNamesTheConfiguration) {
  EXPECT_EQ(to_string(sample_record()), "algo66_tile20_stages35_cluster3_opt7_splitk2_red4_swz1");
}

TEST(AlgoRecord, ParseErrorsNameFileAndPath) {
  nlohmann::json j = sample_record();
  j.erase("tile_id");
  try {
    static_cast<void>(parse_algo_record(j, "baselines.json", "$.rows[3].algo"));
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), kExitUsage);
    EXPECT_NE(std::string(e.what()).find("baselines.json: $.rows[3].algo.tile_id: missing"), std::string::npos)
        << e.what();
  }
  j = sample_record();
  j["cluster_shape_id"] = 70000;  // does not fit uint16_t
  EXPECT_THROW(static_cast<void>(parse_algo_record(j, "f", "$")), Error);
  j = sample_record();
  j["split_k"] = 0;
  EXPECT_THROW(static_cast<void>(parse_algo_record(j, "f", "$")), Error);
  j = sample_record();
  j["algo_id"] = "66";
  EXPECT_THROW(static_cast<void>(parse_algo_record(j, "f", "$")), Error);
}

}  // namespace
}  // namespace gemmtune
