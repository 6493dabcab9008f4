#pragma once
// What produced a result: filled in by cmake/BuildInfo.cmake at build time.
namespace lrb::buildinfo {
const char* version();     // lrbench version, e.g. "0.1.0"
const char* commit();      // git commit of the source tree, "-dirty" if modified
const char* compiler();    // e.g. "GNU 12.2.0"
const char* cxx_flags();   // the full flag set the kernels were compiled with
const char* build_type();  // e.g. "Release"
}  // namespace lrb::buildinfo
