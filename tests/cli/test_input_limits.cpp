// Inputs that used to run on the wrong numbers or blow up memory: sizes
// checked before they are narrowed, synthetic-data specs checked at the spec,
// a convolution refusing images of the wrong shape, and `trace` streaming its
// CSV (bounded memory whatever --steps is; --out whole or untouched).
#include <gtest/gtest.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

extern char** environ;

namespace {

namespace fs = std::filesystem;

struct Result {
  int status = -1;
  std::string out, err;
  long max_rss_kib = 0;  // of the lrbench process alone
};

std::string slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

fs::path tmp_dir() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  const fs::path d = fs::path(LRBENCH_BINARY_DIR) / "test_input_limits_tmp" /
                     (std::string(info->name()) + "." + std::to_string(getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

// Runs lrbench with `args` (no shell), stdout to `out_path` (default: a file
// in the test's directory), and measures the child's peak RSS with wait4.
Result run(const std::vector<std::string>& args, const std::string& out_path = "") {
  const fs::path dir = fs::path(LRBENCH_BINARY_DIR) / "test_input_limits_tmp";
  fs::create_directories(dir);
  static int counter = 0;
  const std::string base = (dir / ("r" + std::to_string(getpid()) + "_" + std::to_string(counter++))).string();
  const std::string out = out_path.empty() ? base + ".out" : out_path;
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&fa, 2, (base + ".err").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  std::vector<std::string> argv_s = {LRBENCH_EXE};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  Result r;
  if (posix_spawn(&pid, LRBENCH_EXE, &fa, nullptr, argv.data(), environ) != 0) return r;
  posix_spawn_file_actions_destroy(&fa);
  int status = 0;
  rusage ru{};
  wait4(pid, &status, 0, &ru);
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.max_rss_kib = ru.ru_maxrss;
  if (out_path.empty()) r.out = slurp(out);
  r.err = slurp(base + ".err");
  fs::remove(base + ".out");
  fs::remove(base + ".err");
  return r;
}

void expect_usage_error(const std::vector<std::string>& args, const std::string& message) {
  std::string shown;
  for (const auto& a : args) shown += a + " ";
  SCOPED_TRACE(shown);
  const Result r = run(args);
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_NE(r.err.find(message), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("vector"), std::string::npos) << r.err;  // no library internals
}

TEST(InputLimits, SizesAreCheckedBeforeTheyAreNarrowed) {
  // 4294967298 = 2^32 + 2: as int it would be a 2-D problem.
  expect_usage_error({"trace", "--problem", "quadratic:dim=4294967298"},
                     "quadratic: dim must be in [1, 1e8], got 4294967298");
  expect_usage_error({"trace", "--dim", "4294967298"}, "dim must be in [1, 1e8], got 4294967298");
  expect_usage_error({"train", "--model", "mlp:widths=[4294967297,1]", "--dataset", "noisy_linear",
                      "--epochs", "1", "--quiet"},
                     "mlp: every width must be in [1, 1e6], got 4294967297");
  expect_usage_error({"train", "--model", "mlp:widths=[1000000,1000000]", "--dataset", "noisy_linear",
                      "--epochs", "1", "--quiet"},
                     "mlp: widths give 1000001000000 parameters, more than the limit of 1e8");
  expect_usage_error({"train", "--model", "linear:in=4294967297", "--dataset", "noisy_linear",
                      "--epochs", "1", "--quiet"},
                     "linear: in must be in [1, 1e6], got 4294967297");
}

TEST(InputLimits, SyntheticDataSpecsAreCheckedAtTheSpec) {
  auto train = [](const std::string& dataset, const std::string& model) {
    return std::vector<std::string>{"train", "--model", model, "--dataset", dataset, "--epochs", "1", "--quiet"};
  };
  expect_usage_error(train("noisy_linear:n=-1", "linear"), "noisy_linear: n must be in [1, 100000000]");
  expect_usage_error(train("teacher20:n=0", "mlp004"), "teacher20: n must be in [1, 5000000]");
  expect_usage_error(train("teacher20:n=5000001", "mlp004"), "got 5000001");
  expect_usage_error(train("noisy_linear:sigma=inf", "linear"),
                     "noisy_linear: sigma (the noise's standard deviation) must be a finite number >= 0, got inf");
  expect_usage_error(train("teacher20:sigma=-1", "mlp004"), "must be a finite number >= 0, got -1");
  // The edges still run.
  const Result ok = run(train("noisy_linear:n=1,sigma=0", "linear"));
  EXPECT_EQ(ok.status, 0) << ok.err;
}

// An IDX image file: magic 0x00000803, n, rows, cols (big-endian), pixels.
void write_idx_images(const fs::path& p, uint32_t n, uint32_t rows, uint32_t cols) {
  std::ofstream f(p, std::ios::binary);
  auto be32 = [&](uint32_t v) {
    const char b[4] = {char(v >> 24), char(v >> 16), char(v >> 8), char(v)};
    f.write(b, 4);
  };
  be32(0x00000803);
  be32(n);
  be32(rows);
  be32(cols);
  for (uint64_t i = 0; i < uint64_t(n) * rows * cols; ++i) f.put(char(i * 37 % 256));
}
void write_idx_labels(const fs::path& p, uint32_t n) {
  std::ofstream f(p, std::ios::binary);
  const char h[8] = {0, 0, 8, 1, char(n >> 24), char(n >> 16), char(n >> 8), char(n)};
  f.write(h, 8);
  for (uint32_t i = 0; i < n; ++i) f.put(char(i % 10));
}

void write_idx_set(const fs::path& dir, uint32_t rows, uint32_t cols) {
  fs::create_directories(dir);
  write_idx_images(dir / "train-images-idx3-ubyte", 40, rows, cols);
  write_idx_labels(dir / "train-labels-idx1-ubyte", 40);
  write_idx_images(dir / "t10k-images-idx3-ubyte", 10, rows, cols);
  write_idx_labels(dir / "t10k-labels-idx1-ubyte", 10);
}

TEST(InputLimits, Cnn001RefusesImagesOfAnotherShape) {
  const fs::path dir = tmp_dir();
  write_idx_set(dir / "flat", 1, 784);  // 784 pixels, but not 28 x 28
  write_idx_set(dir / "square", 28, 28);
  const std::vector<std::string> common = {"--model", "cnn001", "--dataset", "fashion-mnist", "--epochs", "1",
                                           "--batch", "8", "--quiet"};
  std::vector<std::string> flat = {"train", "--data-dir", (dir / "flat").string()};
  flat.insert(flat.end(), common.begin(), common.end());
  expect_usage_error(flat, "--model cnn001 takes 28 x 28 images, --dataset fashion-mnist has 1 x 784 images");
  std::vector<std::string> square = {"train", "--data-dir", (dir / "square").string()};
  square.insert(square.end(), common.begin(), common.end());
  const Result ok = run(square);
  EXPECT_EQ(ok.status, 0) << ok.err;
  // lr-find shares the check.
  std::vector<std::string> find = {"lr-find", "--data-dir", (dir / "flat").string(), "--model", "cnn001",
                                   "--dataset", "fashion-mnist"};
  expect_usage_error(find, "takes 28 x 28 images");
}

TEST(InputLimits, TraceStreamsItsCsvInBoundedMemory) {
  // 1,000,000 rows of ~60 bytes: the old trace held the whole CSV (80 MiB
  // more than a 1,000-step run; --steps 1e8 died of bad_alloc after 5 GB),
  // this one the same peak as 1,000 steps.  Measured as growth over that
  // short run, so the bound also holds where the process has a large fixed
  // footprint (the sanitizer build's runtime: ~140 MiB at any step count).
  const fs::path dir = tmp_dir();
  const std::string out = (dir / "rows.csv").string();
  const Result base = run({"trace", "--problem", "quadratic", "--optimizer", "sgd:lr=0.01", "--steps", "1000"}, out);
  ASSERT_EQ(base.status, 0) << base.err;
  const Result r = run({"trace", "--problem", "quadratic", "--optimizer", "sgd:lr=0.01", "--steps", "1000000"}, out);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_LT(r.max_rss_kib, base.max_rss_kib + 30 * 1024)
      << "peak RSS " << r.max_rss_kib << " KiB at 1e6 steps, " << base.max_rss_kib << " KiB at 1e3";
  std::ifstream f(out);
  std::string line, last;
  size_t lines = 0;
  while (std::getline(f, line)) {
    ++lines;
    last = line;
  }
  EXPECT_EQ(lines, 1000002u);  // header + start + every update
  EXPECT_EQ(last.substr(0, 8), "1000000,");
  fs::remove_all(dir);
}

TEST(InputLimits, TraceOutIsWholeOrUntouched) {
  const fs::path dir = tmp_dir();
  const fs::path out = dir / "t.csv";
  // A diverged run still renames its rows into place.
  Result r = run({"trace", "--problem", "quadratic", "--optimizer", "sgd:lr=10", "--steps", "2000", "--out",
                  out.string()});
  EXPECT_EQ(r.status, 4) << r.err;
  const std::string text = slurp(out);
  EXPECT_EQ(text.rfind("step,lr,loss,x0,x1\n0,,", 0), 0u) << text.substr(0, 40);
  EXPECT_NE(text.find("\n10,10,inf,"), std::string::npos);
  // A failed run (bad spec) leaves the old file as it was, and no temp file.
  r = run({"trace", "--problem", "quadratic", "--optimizer", "nosuch", "--out", out.string()});
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(slurp(out), text);
  for (const auto& e : fs::directory_iterator(dir))
    EXPECT_EQ(e.path().filename().string().find(".tmp."), std::string::npos) << "leftover " << e.path();
  // An unwritable place: exit 1 naming it, nothing created.
  r = run({"trace", "--out", "/proc/no/such/dir/t.csv"});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("/proc/no/such/dir"), std::string::npos) << r.err;
}

// slurm-script reads --time, --mem and what sbatch prints with plain scans
// (libstdc++'s std::regex recursed per character).
TEST(InputLimits, SlurmScriptValidatesWithPlainScans) {
  const fs::path dir = tmp_dir();
  auto script = [&](std::vector<std::string> extra) {
    std::vector<std::string> a = {"slurm-script", "--suite", "002", "--quick", "--shards", "2",
                                  "--results", (dir / "res").string()};
    a.insert(a.end(), extra.begin(), extra.end());
    return run(a);
  };
  for (const char* ok : {"10", "10:30", "1:02:03", "2-12", "2-12:30", "2-12:30:15", "UNLIMITED", "infinite"}) {
    const Result r = script({"--time", ok});
    EXPECT_EQ(r.status, 0) << ok << ": " << r.err;
  }
  for (const std::string& bad : std::vector<std::string>{"soon", "1:2:3:4", "-5", "5-", "2-", "1::2", ":5", "10 ", "Unlimited",
                                std::string(100000, '9') + "x"}) {
    const Result r = script({"--time", bad});
    EXPECT_EQ(r.status, 2) << bad.substr(0, 20);
    EXPECT_NE(r.err.find("--time must be a Slurm time limit"), std::string::npos) << r.err.substr(0, 200);
  }
  for (const char* ok : {"4000", "4G", "500m"}) EXPECT_EQ(script({"--mem", ok}).status, 0) << ok;
  for (const std::string& bad : std::vector<std::string>{"4GB", "G", "-1", "4 G", std::string(100000, '1') + "X"})
    EXPECT_EQ(script({"--mem", bad}).status, 2) << bad.substr(0, 20);
}

TEST(InputLimits, SlurmScriptQuotesPathsAndReadsJobIds) {
  const fs::path dir = tmp_dir();
  // A fake sbatch: prints its next job id the way `sbatch --parsable` does.
  const fs::path fake = dir / "sbatch";
  std::ofstream(fake) << "#!/bin/sh\n"
                         "n=$(cat \"$0.n\" 2>/dev/null || echo 4242)\n"
                         "echo $((n + 1)) > \"$0.n\"\n"
                         "printf '  %s;cluster-a\\n' \"$n\"\n";
  fs::permissions(fake, fs::perms::owner_all);
  const fs::path res = dir / "with space";
  Result r = run({"slurm-script", "--suite", "002", "--quick", "--shards", "2", "--results", res.string(),
                  "--submit", "--sbatch", fake.string()});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("array_job=4242 merge_job=4243"), std::string::npos) << r.out;
  // Without --submit the printed command quotes the path with the space.
  r = run({"slurm-script", "--suite", "002", "--quick", "--shards", "2", "--results", res.string()});
  EXPECT_NE(r.out.find("sbatch --parsable '" + (res / "slurm" / "lrbench-array.sh").string() + "'"),
            std::string::npos)
      << r.out;
  // Something that is not a job id: exit 1 naming what was printed.
  std::ofstream(fake) << "#!/bin/sh\necho 'Submitted batch job 12'\n";
  r = run({"slurm-script", "--suite", "002", "--quick", "--shards", "2", "--results", res.string(),
           "--submit", "--sbatch", fake.string()});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("printed no job id: 'Submitted batch job 12"), std::string::npos) << r.err;
}

}  // namespace
