#pragma once
// Shared plumbing of the libFuzzer harnesses (tests/fuzz/fuzz_*.cpp).
//
// Each harness defines LLVMFuzzerTestOneInput.  Under LRBENCH_FUZZ it is
// linked with libFuzzer; in the normal and sanitizer builds it is linked with
// replay_main.cpp, which runs it over the committed seeds and regression
// inputs (ctest label fuzz).
//
// A harness lets through only the exceptions the code under test documents
// for bad input (DataError, SpecError, ...): anything else escaping is a bug
// (a crash for libFuzzer), because the CLI would map it to the wrong exit
// status or print an internal message.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace lrb::fuzz {

// A private folder for this process's scratch files (under /dev/shm when it
// exists, else TMPDIR or /tmp), created on first use and removed at exit.
const std::filesystem::path& scratch_dir();

// Writes `bytes` to `path` (creating its folder), replacing what was there.
void write_file(const std::filesystem::path& path, std::string_view bytes);

// Empties `dir` (created if missing).
void reset_dir(const std::filesystem::path& dir);

// Sends std::cout and std::cerr of this process nowhere (the commands a
// harness drives print their reports); call once.
void silence_standard_streams();

// Reports a broken invariant: prints `what` and aborts (a crash to libFuzzer).
[[noreturn]] void fail(const std::string& what);

// fail(what) unless `ok`: the harnesses' invariant checks.
inline void check(bool ok, const char* what) {
  if (!ok) fail(what);
}

// `raw` as one gzip member (fast level: the harnesses write what the readers
// inflate, so mutations reach the formats behind zlib).
std::string gzip_member(std::string_view raw);

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

}  // namespace lrb::fuzz
