// `lrbench train` end to end on real Fashion-MNIST subsets and synthetic
// regression data: the JSON record, exit statuses, determinism across
// thread counts, and clear data errors.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "core/isa/isa.hpp"
#include "tests/isa/kernel_paths.hpp"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct Result {
  int status = -1;
  std::string err;
};

fs::path tmp_dir() {
  const auto d = fs::path(LRBENCH_BINARY_DIR) / "test_train_tmp";
  fs::create_directories(d);
  return d;
}

Result run_command(const std::string& command, const std::string& args) {
  const auto err = tmp_dir() / ("err" + std::to_string(getpid()));
  const std::string cmd =
      std::string(LRBENCH_EXE) + " " + command + " " + args + " >/dev/null 2>" + err.string();
  const int raw = std::system(cmd.c_str());
  std::ifstream f(err);
  std::stringstream ss;
  ss << f.rdbuf();
  return {WIFEXITED(raw) ? WEXITSTATUS(raw) : -1, ss.str()};
}

Result run(const std::string& args) { return run_command("train", args); }

json load(const fs::path& p) {
  std::ifstream f(p);
  return json::parse(f);
}

bool have_fashion_mnist() {
  return fs::exists("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz");
}

}  // namespace

TEST(Train, Cnn001RecordIsComplete) {
  if (!have_fashion_mnist()) GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  const auto out = tmp_dir() / "cnn.json";
  Result r = run("--model cnn001 --dataset fashion-mnist --optimizer adam:lr=0.001,convention=keras "
                 "--epochs 2 --batch 32 --limit-train 512 --limit-test 256 --seed 3 --threads 2 "
                 "--progress lines --out " + out.string());
  ASSERT_EQ(r.status, 0) << r.err;
  const json j = load(out);
  EXPECT_EQ(j["schema"], "lrbench.train/1");
  EXPECT_EQ(j["status"], "ok");
  EXPECT_EQ(j["steps"], 32);  // 2 epochs x 512/32
  ASSERT_EQ(j["epochs"].size(), 2u);
  for (const auto& e : j["epochs"]) {
    EXPECT_TRUE(e["train_loss"].is_number());
    EXPECT_TRUE(e["test_accuracy"].is_number());
    EXPECT_TRUE(e["train_accuracy"].is_number());
  }
  EXPECT_EQ(j["lr_per_step"].size(), 32u);
  EXPECT_FLOAT_EQ(j["lr_per_step"][0].get<float>(), 0.001f);
  EXPECT_GT(j["samples_per_second"].get<double>(), 0);
  EXPECT_GT(j["peak_rss_bytes"].get<double>(), 0);
  const auto& p = j["provenance"];
  for (const char* k : {"commit", "compiler", "cxx_flags", "cpu", "threads", "seed", "dataset"})
    EXPECT_TRUE(p.contains(k)) << k;
  EXPECT_EQ(p["threads"], 2);
  ASSERT_EQ(p["dataset"]["files"].size(), 4u);
  EXPECT_EQ(p["dataset"]["files"][0]["sha256"],
            "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888");
  // Learning happened: the second epoch's training loss is below ln(10).
  EXPECT_LT(j["epochs"][1]["train_loss"].get<double>(), 2.302585);
  EXPECT_NE(r.err.find("epoch 2/2"), std::string::npos) << r.err;
}

TEST(Train, SameSeedSameBitsAtAnyThreadCount) {
  if (!have_fashion_mnist()) GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  json runs[3];
  for (int t = 1; t <= 3; ++t) {
    const auto out = tmp_dir() / ("det" + std::to_string(t) + ".json");
    Result r = run("--model cnn001 --optimizer sgd:lr=0.01,momentum=0.9 --epochs 1 --batch 16 "
                   "--limit-train 320 --limit-test 64 --seed 7 --quiet --threads " +
                   std::to_string(t) + " --out " + out.string());
    ASSERT_EQ(r.status, 0) << r.err;
    runs[t - 1] = load(out);
  }
  for (int t = 1; t < 3; ++t) {
    EXPECT_EQ(runs[t]["loss_per_step"], runs[0]["loss_per_step"]) << "threads " << t + 1;
    EXPECT_EQ(runs[t]["epochs"][0]["test_loss"], runs[0]["epochs"][0]["test_loss"]);
  }
}

TEST(Train, RegressionOnSyntheticData) {
  const auto out = tmp_dir() / "mlp.json";
  Result r = run("--model mlp004 --dataset teacher20:n=400 --optimizer sgd:lr=0.01 --epochs 5 "
                 "--batch 32 --quiet --out " + out.string());
  ASSERT_EQ(r.status, 0) << r.err;
  const json j = load(out);
  EXPECT_TRUE(j["epochs"][0]["test_accuracy"].is_null());  // regression: no accuracy
  EXPECT_LT(j["epochs"][4]["train_loss"].get<double>(), j["epochs"][0]["train_loss"].get<double>());
  EXPECT_EQ(j["provenance"]["dataset"]["generator"], "teacher_mlp");
}

TEST(Train, DivergedRunIsARecordedResult) {
  const auto out = tmp_dir() / "div.json";
  Result r = run("--model mlp004 --dataset teacher20:n=400 --optimizer sgd:lr=50 --epochs 20 "
                 "--batch 32 --quiet --out " + out.string());
  EXPECT_EQ(r.status, 4) << r.err;
  EXPECT_NE(r.err.find("diverged at step"), std::string::npos) << r.err;
  const json j = load(out);
  EXPECT_EQ(j["status"], "diverged");
  EXPECT_TRUE(j["diverged_at_step"].is_number());
  EXPECT_EQ(j["loss_per_step"].size(), j["diverged_at_step"].get<size_t>());
}

TEST(Train, DataErrorsExitThree) {
  const auto dir = tmp_dir() / "bad-idx";
  fs::create_directories(dir);
  {
    std::ofstream f(dir / "train-images-idx3-ubyte", std::ios::binary);
    f << "not an idx file";
  }
  Result r = run("--model cnn001 --data-dir " + dir.string() + " --quiet");
  EXPECT_EQ(r.status, 3) << r.err;
  EXPECT_NE(r.err.find(dir.string()), std::string::npos) << r.err;
  Result missing = run("--model mlp004 --dataset csv:path=/nonexistent.csv --quiet");
  EXPECT_EQ(missing.status, 3) << missing.err;
}

TEST(Train, UsageErrorsExitTwo) {
  for (const char* args : {"--epochs 0", "--batch 0", "--lr-unit week", "--model resnet50",
                           "--dataset imagenet", "--model mlp004 --dataset fashion-mnist",
                           "--optimizer adam:lr=-1", "--threads -1"}) {
    Result r = run(std::string(args) + " --quiet");
    EXPECT_EQ(r.status, 2) << args << ": " << r.err;
    EXPECT_FALSE(r.err.empty()) << args;
  }
}

// --isa / LRBENCH_ISA: the kernel path is chosen, recorded in provenance, and
// does not change a bit; auto is avx2 until the avx512 path is verified on
// hardware; a path this CPU lacks, or a bad name, is a usage error.  The real
// avx512 run happens only in `make test-isa` (tests/isa/kernel_paths.hpp).
TEST(Train, IsaPathIsRecordedAndChangesNoBit) {
  auto train = [](const std::string& isa, const std::string& name) {
    const auto out = tmp_dir() / ("isa-" + name + ".json");
    Result r = run("--model mlp004 --dataset teacher20:n=200 --optimizer adam --epochs 2 --batch 16 "
                   "--quiet " + isa + " --out " + out.string());
    EXPECT_EQ(r.status, 0) << isa << ": " << r.err;
    return r.status == 0 ? load(out) : json();
  };
  const json avx2 = train("--isa avx2", "avx2"), autop = train("", "auto");
  EXPECT_EQ(avx2["provenance"]["isa"], "avx2");
  EXPECT_EQ(autop["provenance"]["isa"], lrb::isa::name(lrb::isa::automatic()));
  if constexpr (!lrb::isa::kAvx512VerifiedOnHardware) {
    EXPECT_EQ(autop["provenance"]["isa"], "avx2");
  }
  EXPECT_EQ(avx2["loss_per_step"], autop["loss_per_step"]);
  if (lrb::test::real_avx512_enabled()) {
    const json wide = train("--isa avx512", "avx512");
    EXPECT_EQ(wide["provenance"]["isa"], "avx512");
    EXPECT_EQ(avx2["loss_per_step"], wide["loss_per_step"]);
  } else if (!lrb::isa::supported(lrb::isa::Isa::avx512)) {
    Result wide = run("--isa avx512 --model mlp004 --dataset teacher20:n=200 --epochs 1 --quiet");
    EXPECT_TRUE(wide.status == 2 && wide.err.find("AVX-512") != std::string::npos) << wide.err;
  }
  Result bad = run("--isa sse2 --quiet");
  EXPECT_TRUE(bad.status == 2 && bad.err.find("--isa") != std::string::npos) << bad.err;
  const int raw = std::system(("LRBENCH_ISA=sse2 " + std::string(LRBENCH_EXE) +
                               " train --quiet --model mlp004 --dataset teacher20:n=200 >/dev/null 2>&1")
                                  .c_str());
  EXPECT_EQ(WIFEXITED(raw) ? WEXITSTATUS(raw) : -1, 2) << "LRBENCH_ISA=sse2";
}

// lrbench lr-find: the range test through the CLI (its numerics are tested in
// tests/models/test_lr_range.cpp).
TEST(LrFind, WritesTheCurveAndASuggestionBelowTheBlowUp) {
  const auto out = tmp_dir() / "lrf.json";
  Result r = run_command("lr-find", "--model mlp004 --dataset teacher20:n=600 --optimizer sgd "
                                    "--lr-min 1e-7 --lr-max 100 --steps 150 --threads 1 "
                                    "--progress none --out " + out.string());
  ASSERT_EQ(r.status, 0) << r.err;
  const json j = load(out);
  EXPECT_EQ(j["schema"], "lrbench.lr_find/1");
  EXPECT_TRUE(j["stopped_early"].get<bool>()) << "SGD at lr 100 on an MLP must blow up";
  const auto& lr = j["lr"];
  ASSERT_GT(lr.size(), 10u);
  EXPECT_EQ(lr.size(), j["smoothed"].size());
  const double suggested = j["suggested_lr"].get<double>();
  // Not in the noisy start of the curve at tiny LRs (the warm-up of the
  // average), and below the LR of the smoothed minimum.
  EXPECT_GT(suggested, 1e-4);
  EXPECT_LT(suggested, j["min_loss_lr"].get<double>());
  EXPECT_FALSE(j["rule"].get<std::string>().empty());
  EXPECT_TRUE(j["provenance"].contains("commit"));
}

TEST(LrFind, BadInputExitsTwoOrThree) {
  for (const char* args : {"--lr-min 0", "--lr-min 1 --lr-max 0.5", "--steps 2", "--smoothing 1",
                           "--stop-factor 0.5", "--model mlp004 --dataset fashion-mnist"}) {
    Result r = run_command("lr-find", std::string(args) + " --progress none");
    EXPECT_EQ(r.status, 2) << args << ": " << r.err;
  }
  Result missing = run_command("lr-find", "--model mlp004 --dataset csv:path=/nonexistent.csv");
  EXPECT_EQ(missing.status, 3) << missing.err;
}
