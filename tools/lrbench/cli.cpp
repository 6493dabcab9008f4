#include "tools/lrbench/cli.hpp"

#include <iostream>

#include "core/isa/isa.hpp"
#include "tools/lrbench/environment.hpp"
#include "core/spec/spec.hpp"

namespace lrb::cli {
namespace {

// --isa (every command) beats $LRBENCH_ISA beats auto; selects core/isa's
// kernel path for the whole process before any work starts.
void select_isa(const po::variables_map& vm) {
  std::string value = "auto", source = "--isa";
  if (vm.count("isa")) {
    value = vm["isa"].as<std::string>();
  } else if (auto env = isa_from_environment()) {
    value = *env, source = kIsaEnvVar;
  }
  if (value == "auto") return isa::select(isa::automatic());
  const auto which = isa::from_name(value);
  if (!which || *which == isa::Isa::avx512_emulated)
    throw UsageError(source + " must be auto, avx2 or avx512, got '" + value + "'");
  if (!isa::supported(*which))
    throw UsageError(source + " " + value +
                     ": this CPU (or its OS) does not support AVX-512F; use auto or avx2");
  isa::select(*which);
}

}  // namespace

bool parse_options(const std::string& command, const std::string& usage_line,
                   const std::string& description, const po::options_description& options,
                   const po::positional_options_description& positional,
                   const std::vector<std::string>& args, po::variables_map& vm) {
  po::options_description all;
  all.add(options);
  all.add_options()("help,h", "print this help and exit")(
      "isa", po::value<std::string>()->value_name("auto|avx2|avx512"),
      "instruction set of the kernels: auto, avx2 or avx512; default $LRBENCH_ISA, else auto.  "
      "auto is avx2 until the AVX-512 kernels are verified on hardware; avx512 (AVX-512F "
      "CPUs) is verified through a software model of its intrinsics only: run `make test-isa` "
      "on an AVX-512 machine to verify it there.  Results are bit-identical on every path");
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
  select_isa(vm);
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
