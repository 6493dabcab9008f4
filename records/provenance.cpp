#include "records/provenance.hpp"

#include <unistd.h>
#include <zlib.h>

#include <Eigen/Core>
#include <boost/version.hpp>
#include <ctime>
#include <fstream>
#include <thread>

#include "core/buildinfo/buildinfo.hpp"
#include "core/isa/isa.hpp"

namespace lrb::records {

std::string cpu_model() {
  std::ifstream f("/proc/cpuinfo");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("model name", 0) != 0) continue;
    const auto colon = line.find(':');
    if (colon != std::string::npos) return line.substr(line.find_first_not_of(' ', colon + 1));
  }
  return "unknown";
}

std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

nlohmann::json provenance(int threads) {
  char host[256] = "unknown";
  gethostname(host, sizeof host - 1);
  return {
      {"lrbench_version", buildinfo::version()},
      {"commit", buildinfo::commit()},
      {"compiler", buildinfo::compiler()},
      {"cxx_flags", buildinfo::cxx_flags()},
      {"build_type", buildinfo::build_type()},
      {"cpu", cpu_model()},
      {"logical_cores", std::thread::hardware_concurrency()},
      {"threads", threads},
      {"isa", isa::name(isa::active())},  // kernel path (core/isa); results do not depend on it
      {"host", host},
      {"date_utc", utc_now()},
      {"libraries",
       {{"eigen", std::to_string(EIGEN_WORLD_VERSION) + "." + std::to_string(EIGEN_MAJOR_VERSION) +
                      "." + std::to_string(EIGEN_MINOR_VERSION)},
        {"boost", std::to_string(BOOST_VERSION / 100000) + "." +
                      std::to_string(BOOST_VERSION / 100 % 1000) + "." +
                      std::to_string(BOOST_VERSION % 100)},
        {"zlib", zlibVersion()},
        {"nlohmann_json", std::to_string(NLOHMANN_JSON_VERSION_MAJOR) + "." +
                              std::to_string(NLOHMANN_JSON_VERSION_MINOR) + "." +
                              std::to_string(NLOHMANN_JSON_VERSION_PATCH)}}},
  };
}

}  // namespace lrb::records
