#include "suites/context.hpp"

namespace lrb::suites {

std::shared_ptr<const data::ImageDataset> DatasetCache::images(
    const std::filesystem::path& dir, const std::function<data::ImageDataset(const std::filesystem::path&)>& load) {
  std::lock_guard lock(mu_);
  auto& slot = images_[dir.string()];
  if (!slot) {
    try {
      slot = std::make_shared<const data::ImageDataset>(load(dir));
    } catch (...) {
      images_.erase(dir.string());
      throw;
    }
  }
  return slot;
}

}  // namespace lrb::suites
