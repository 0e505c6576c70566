// NOTE: the revision comes from a header this file alone includes (written at every build by
// cmake/git_rev.cmake), so a new commit recompiles one file instead of every file of the core layer.
#include "core/build_info.hpp"

#include "gemmtune_git_rev.h"

namespace gemmtune {

const char* build_git_rev() { return GEMMTUNE_GIT_REV; }

}  // namespace gemmtune
