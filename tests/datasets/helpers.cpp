#include "helpers.hpp"

#include <unistd.h>
#include <zlib.h>

#include <atomic>
#include <fstream>
#include <iterator>
#include <stdexcept>

#include "datasets/error.hpp"
#include "datasets/rng.hpp"

namespace lrb::data::test {

namespace fs = std::filesystem;

TempDir::TempDir() {
  static std::atomic<int> counter{0};
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name = info ? std::string(info->test_suite_name()) + "." + info->name() : "tmp";
  for (char& c : name)
    if (c == '/') c = '_';
  path = fs::path(LRBENCH_BINARY_DIR) / "test-tmp" /
         (name + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
  fs::remove_all(path);
  fs::create_directories(path);
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path, ec);
}

void write_file(const fs::path& p, const Bytes& bytes) {
  std::ofstream f(p, std::ios::binary | std::ios::trunc);
  f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!f) throw std::runtime_error("cannot write " + p.string());
}

void write_text(const fs::path& p, const std::string& text) {
  write_file(p, Bytes(text.begin(), text.end()));
}

Bytes read_file(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(f), {});
}

Bytes idx_bytes(std::uint8_t type, const std::vector<std::uint32_t>& dims, const Bytes& payload) {
  Bytes b = {0, 0, type, static_cast<std::uint8_t>(dims.size())};
  for (std::uint32_t d : dims) {
    b.push_back(static_cast<std::uint8_t>(d >> 24));
    b.push_back(static_cast<std::uint8_t>(d >> 16));
    b.push_back(static_cast<std::uint8_t>(d >> 8));
    b.push_back(static_cast<std::uint8_t>(d));
  }
  b.insert(b.end(), payload.begin(), payload.end());
  return b;
}

Bytes idx_images(std::uint32_t count, std::uint32_t rows, std::uint32_t cols) {
  Rng r{12345};
  Bytes px(std::size_t{count} * rows * cols);
  for (auto& p : px) p = static_cast<std::uint8_t>(r.next() >> 56);
  return idx_bytes(0x08, {count, rows, cols}, px);
}

Bytes idx_labels(std::uint32_t count, int num_classes) {
  Bytes lab(count);
  for (std::uint32_t i = 0; i < count; ++i) lab[i] = static_cast<std::uint8_t>(i % num_classes);
  return idx_bytes(0x08, {count}, lab);
}

Bytes gzip(const Bytes& raw) {
  z_stream z{};
  if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    throw std::runtime_error("deflateInit2 failed");
  Bytes out(deflateBound(&z, raw.size()));
  z.next_in = const_cast<Bytef*>(raw.data());
  z.avail_in = static_cast<uInt>(raw.size());
  z.next_out = out.data();
  z.avail_out = static_cast<uInt>(out.size());
  if (deflate(&z, Z_FINISH) != Z_STREAM_END) throw std::runtime_error("deflate failed");
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

Bytes gzip_head_then_zeros(const Bytes& head, std::size_t zero_mib) {
  Bytes out = gzip(head);
  const Bytes member = gzip(Bytes(std::size_t{1} << 20, 0));
  out.reserve(out.size() + zero_mib * member.size());
  for (std::size_t i = 0; i < zero_mib; ++i) out.insert(out.end(), member.begin(), member.end());
  return out;
}

Bytes random_bytes(std::size_t n, std::uint64_t seed) {
  Rng r{seed};
  Bytes b(n);
  for (auto& x : b) x = static_cast<std::uint8_t>(r.next() >> 56);
  return b;
}

Bytes gunzip_file(const fs::path& p) {
  gzFile g = gzopen(p.string().c_str(), "rb");
  if (g == nullptr) throw std::runtime_error("gzopen failed: " + p.string());
  Bytes out;
  std::vector<std::uint8_t> buf(1 << 20);
  while (true) {
    const int k = gzread(g, buf.data(), static_cast<unsigned>(buf.size()));
    if (k < 0) throw std::runtime_error("gzread failed: " + p.string());
    if (k == 0) break;
    out.insert(out.end(), buf.begin(), buf.begin() + k);
  }
  gzclose(g);
  return out;
}

void expect_data_error(const std::function<void()>& fn,
                       std::initializer_list<std::string> fragments) {
  try {
    fn();
    ADD_FAILURE() << "expected lrb::data::DataError, nothing was thrown";
  } catch (const DataError& e) {
    const std::string msg = e.what();
    for (const auto& f : fragments)
      EXPECT_NE(msg.find(f), std::string::npos) << "message lacks \"" << f << "\": " << msg;
    EXPECT_NE(msg.find("hint: "), std::string::npos) << "message has no hint: " << msg;
    EXPECT_NE(msg.find("expected "), std::string::npos) << msg;
    EXPECT_NE(msg.find("found "), std::string::npos) << msg;
  } catch (const std::exception& e) {
    ADD_FAILURE() << "expected lrb::data::DataError, got another exception: " << e.what();
  }
}

}  // namespace lrb::data::test
