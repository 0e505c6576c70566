// NOTE: the revision is a compile definition of this file alone, so a new commit recompiles one
// file instead of every file of the core layer.
#include "core/build_info.hpp"

namespace gemmtune {

const char* build_git_rev() { return GEMMTUNE_GIT_REV; }

}  // namespace gemmtune
