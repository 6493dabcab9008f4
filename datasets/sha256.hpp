#pragma once
// Streaming SHA-256 over OpenSSL 3's EVP interface, hex output.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

namespace lrb::data {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(Sha256&&) noexcept;
  Sha256& operator=(Sha256&&) noexcept;
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void update(std::span<const std::uint8_t> bytes);
  std::string hex_digest();  // finalizes; call once

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// SHA-256 (lowercase hex) of a byte string.
std::string sha256_hex(std::span<const std::uint8_t> bytes);

}  // namespace lrb::data
