#pragma once
/// NVTX ranges in one `gemmtune` domain with registered strings, so Nsight Systems and
/// `ncu --nvtx --nvtx-include "gemmtune@..."` can select gemmtune's phases. Header-only (NVTX3).
/// NOTE: it lives in core because both the sweep (host only) and the runtime mark ranges; it
/// needs the toolkit's NVTX3 headers, no CUDA library, so its users add the toolkit's include
/// directory (CMakeLists.txt) and core's own sources never include it.
#include <nvtx3/nvToolsExt.h>

#include <string>

namespace gemmtune {

/// The `gemmtune` NVTX domain, created once.
[[nodiscard]] inline nvtxDomainHandle_t nvtx_domain() {
  static const nvtxDomainHandle_t domain = nvtxDomainCreateA("gemmtune");
  return domain;
}

/// A push/pop range in the gemmtune domain; `name` is registered (interned) by NVTX.
class NvtxRange {
 public:
  explicit NvtxRange(const std::string& name) {
    nvtxEventAttributes_t attributes{};
    attributes.version = NVTX_VERSION;
    attributes.size = NVTX_EVENT_ATTRIB_STRUCT_SIZE;
    attributes.messageType = NVTX_MESSAGE_TYPE_REGISTERED;
    attributes.message.registered = nvtxDomainRegisterStringA(nvtx_domain(), name.c_str());
    nvtxDomainRangePushEx(nvtx_domain(), &attributes);
  }
  ~NvtxRange() { nvtxDomainRangePop(nvtx_domain()); }
  NvtxRange(const NvtxRange&) = delete;
  NvtxRange& operator=(const NvtxRange&) = delete;
};

}  // namespace gemmtune
