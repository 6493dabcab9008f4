#include "records/address.hpp"

#include "datasets/sha256.hpp"

namespace lrb::records {

std::string budget_key(const Budget& b) {
  return std::string(b.quick ? "quick" : "full") + (b.seeds > 0 ? "-seeds" + std::to_string(b.seeds) : "");
}

std::string address_of_identity(const json& numerics, const json& suite, const json& config, const json& seed,
                                const json& params) {
  const json id = {{"numerics", numerics}, {"suite", suite}, {"config", config}, {"seed", seed}, {"params", params}};
  const std::string text = id.dump();
  return data::sha256_hex(
      std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
}

json identity_json(const RunSpec& run) {
  return json{{"numerics", kNumericsVersion}, {"suite", run.suite}, {"config", run.config},
              {"seed", run.seed}, {"params", run.params}};
}

std::string run_address(const RunSpec& run) {
  return address_of_identity(kNumericsVersion, run.suite, run.config, run.seed, run.params);
}

}  // namespace lrb::records
