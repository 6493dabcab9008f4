# Generates lrbench_buildinfo: a tiny library that tells results files what
# produced them.  Configure-time facts (compiler, flags, build type) come from
# CMake; the git commit is re-read at every build by a script target, and the
# generated file is only rewritten when it changed, so no-op builds stay no-op.
set(LRBENCH_BUILDINFO_DIR ${CMAKE_BINARY_DIR}/generated)
string(TOUPPER "${CMAKE_BUILD_TYPE}" _bt)
set(LRBENCH_CXX_FLAGS_ALL "${CMAKE_CXX_FLAGS} ${CMAKE_CXX_FLAGS_${_bt}} -Wall -Wextra ${LRBENCH_ARCH_FLAGS} -ffp-contract=off")
string(STRIP "${LRBENCH_CXX_FLAGS_ALL}" LRBENCH_CXX_FLAGS_ALL)
configure_file(${CMAKE_SOURCE_DIR}/cmake/buildinfo_static.cpp.in
               ${LRBENCH_BUILDINFO_DIR}/buildinfo_static.cpp @ONLY)

add_custom_target(lrbench_commit_stamp
  BYPRODUCTS ${LRBENCH_BUILDINFO_DIR}/buildinfo_commit.cpp
  COMMAND ${CMAKE_COMMAND} -DSRC=${CMAKE_SOURCE_DIR}
          -DOUT=${LRBENCH_BUILDINFO_DIR}/buildinfo_commit.cpp
          -P ${CMAKE_SOURCE_DIR}/cmake/write_commit.cmake
  COMMENT "Recording git commit")

add_library(lrbench_buildinfo STATIC
  ${LRBENCH_BUILDINFO_DIR}/buildinfo_static.cpp
  ${LRBENCH_BUILDINFO_DIR}/buildinfo_commit.cpp)
add_dependencies(lrbench_buildinfo lrbench_commit_stamp)
target_include_directories(lrbench_buildinfo PUBLIC ${CMAKE_SOURCE_DIR})
