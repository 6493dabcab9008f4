#include "fuzz_util.hpp"

#include <unistd.h>
#include <zlib.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <streambuf>
#include <system_error>

namespace lrb::fuzz {

namespace fs = std::filesystem;

namespace {

fs::path make_scratch_dir() {
  std::error_code ec;
  fs::path base = "/dev/shm";
  if (!fs::is_directory(base, ec)) {
    const char* tmp = std::getenv("TMPDIR");
    base = tmp != nullptr && *tmp != '\0' ? tmp : "/tmp";
  }
  std::string templ = (base / "lrbench-fuzz-XXXXXX").string();
  if (::mkdtemp(templ.data()) == nullptr) fail("cannot create a scratch folder under " + base.string());
  return templ;
}

struct Scratch {
  fs::path dir = make_scratch_dir();
  ~Scratch() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
};

// A stream buffer that swallows everything.
struct NullBuffer : std::streambuf {
  int overflow(int c) override { return traits_type::not_eof(c); }
  std::streamsize xsputn(const char*, std::streamsize n) override { return n; }
};

}  // namespace

const fs::path& scratch_dir() {
  static Scratch s;
  return s.dir;
}

void write_file(const fs::path& path, std::string_view bytes) {
  if (path.has_parent_path()) fs::create_directories(path.parent_path());
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) fail("cannot write scratch file " + path.string());
  const bool ok = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
  if (std::fclose(f) != 0 || !ok) fail("cannot write scratch file " + path.string());
}

void reset_dir(const fs::path& dir) {
  std::error_code ec;
  fs::remove_all(dir, ec);
  fs::create_directories(dir);
}

void silence_standard_streams() {
  // Never destroyed: the standard streams are flushed after static objects are
  // destroyed (ios_base::Init's destructor), so their buffer must outlive those.
  static NullBuffer* const null = new NullBuffer;
  std::cout.rdbuf(null);
  std::cerr.rdbuf(null);
}

std::string gzip_member(std::string_view raw) {
  z_stream z{};
  if (deflateInit2(&z, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) fail("deflateInit2");
  std::string out(deflateBound(&z, raw.size()), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(raw.data()));
  z.avail_in = static_cast<uInt>(raw.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  if (deflate(&z, Z_FINISH) != Z_STREAM_END) fail("deflate");
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

void fail(const std::string& what) {
  std::fprintf(stderr, "fuzz harness: %s\n", what.c_str());
  std::abort();
}

}  // namespace lrb::fuzz
