#include "tools/lrbench/cli.hpp"

#include <iostream>

#include "core/spec/spec.hpp"

namespace lrb::cli {

bool parse_options(const std::string& command, const std::string& usage_line,
                   const std::string& description, const po::options_description& options,
                   const po::positional_options_description& positional,
                   const std::vector<std::string>& args, po::variables_map& vm) {
  po::options_description all;
  all.add(options);
  all.add_options()("help,h", "print this help and exit");
  try {
    po::store(po::command_line_parser(args).options(all).positional(positional).run(), vm);
    if (vm.count("help")) {
      std::cout << "usage: lrbench " << command << " " << usage_line << "\n\n"
                << description << "\n\n"
                << all << "\n";
      return false;
    }
    po::notify(vm);
  } catch (const po::error& e) {
    throw UsageError(e.what());
  }
  return true;
}

double parse_percentage(const std::string& flag, const std::string& text) {
  std::string t = text;
  if (!t.empty() && t.back() == '%') t.pop_back();
  const auto v = spec::to_double(t);
  if (!v || !(*v > 0.0 && *v < 100.0))
    throw UsageError(flag + " must be a percentage in (0, 100), e.g. 5%, got '" + text + "'");
  return *v / 100.0;
}

}  // namespace lrb::cli
