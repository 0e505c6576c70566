#pragma once
/// The distributions gemmtune draws its timing and validation inputs from: the one owner of the
/// names for the CLI, the worker protocol, run folders and the support kernel
/// (kernels/support_inputs.cuh implements them).
///
/// Why a choice: at the 700 W power cap the SM clock, and so a large GEMM's time, depends on how
/// many bits the operands toggle in the tensor cores; two kernels timed on differently distributed
/// inputs are not timed the same way. DeepGEMM's tests and the anchors' scripts time on
/// `torch.randn` inputs cast per block (normal), and so does gemmtune by default
/// (kDefaultInputDistribution).
///   uniform: element u in [-1, 1) times a factor exp(U(-4, 4)) per scale block.
///   normal:  element N(0, 1) (Box-Muller) times the same per-block factor.
/// Both are quantized the same way (block amax -> 448), so only the e4m3 codes' spread differs.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gemmtune {

/// Values match GemmtuneSupportQuantizeParams::distribution (kernels/support_params.h).
enum class InputDistribution { kUniform = 0, kNormal = 1 };

/// What `run` and `sweep` time and validate on unless told otherwise: normal, the anchors'
/// DeepGEMM inputs. NOTE: before 31b7b5e the default was uniform while the DeepGEMM side of
/// every comparison drew torch.randn. At >= 1900 MHz under the cap the data changes a large
/// GEMM's time (both kernels 1.7-3% faster on uniform, 7f3a7dd:results/2026-11-24-burst-clocks/1517-…),
/// so those comparisons gave our side the faster data.
inline constexpr InputDistribution kDefaultInputDistribution = InputDistribution::kNormal;

/// "uniform" or "normal".
[[nodiscard]] const char* to_string(InputDistribution distribution);
/// The distribution named `name`, or nothing for an unknown name.
[[nodiscard]] std::optional<InputDistribution> parse_input_distribution(std::string_view name);
/// Every distribution's name, for CLI validation and error messages.
[[nodiscard]] std::vector<std::string> input_distribution_names();

}  // namespace gemmtune
