# Writes OUTPUT, a header defining GEMMTUNE_GIT_REV, at every build (the gemmtune_git_rev target):
# FIXED when given (a tree copied without .git), else the source tree's short HEAD revision with
# "-dirty" when tracked files differ from it, so a binary built before a commit does not pass for
# that commit's parent. Rewrites the header only when its text changes: an unchanged revision
# recompiles nothing.
#   cmake -DSOURCE_DIR=... -DOUTPUT=... [-DFIXED=rev] -P git_rev.cmake
if(FIXED)
  set(rev "${FIXED}")
else()
  execute_process(COMMAND git rev-parse --short=12 HEAD WORKING_DIRECTORY ${SOURCE_DIR}
                  OUTPUT_VARIABLE rev RESULT_VARIABLE rc OUTPUT_STRIP_TRAILING_WHITESPACE
                  ERROR_QUIET)
  if(NOT rc EQUAL 0 OR NOT rev)
    set(rev "unknown")
  else()
    execute_process(COMMAND git status --porcelain --untracked-files=no
                    WORKING_DIRECTORY ${SOURCE_DIR} OUTPUT_VARIABLE changes ERROR_QUIET)
    if(changes)
      string(APPEND rev "-dirty")
    endif()
  endif()
endif()
set(text "#define GEMMTUNE_GIT_REV \"${rev}\"\n")
set(old "")
if(EXISTS ${OUTPUT})
  file(READ ${OUTPUT} old)
endif()
if(NOT old STREQUAL text)
  file(WRITE ${OUTPUT} "${text}")
endif()
