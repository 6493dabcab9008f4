// lrbench report: the generic figure builders on synthetic records, and the
// command end to end on the committed fixture tests/fixtures/results (real
// `lrbench run --quick --seeds 2` records with their manifests and verdicts,
// and one `lrbench lr-find` curve): every figure the page names has its
// PNG/SVG/PDF/CSV/gp, each output parses and is not blank; missing, stale,
// corrupt and bad-flag behaviour; output safety (staged, atomic, no leftovers,
// refused --out paths).
#include <unistd.h>

#include <gtest/gtest.h>
#include <zlib.h>

#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "reports/figures.hpp"
#include "reports/html.hpp"
#include "reports/report.hpp"

namespace fs = std::filesystem;
using lrb::reports::Figure;
using lrb::reports::json;
using lrb::reports::RecordRef;
using lrb::reports::SuiteReport;

namespace {

const std::string kFixture = std::string(LRBENCH_SOURCE_DIR) + "/tests/fixtures/results";
const std::string kExe = LRBENCH_EXE;

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// This process's scratch folders, removed after the last test when every
// test passed (kept for a look otherwise).
std::vector<fs::path> scratch_dirs;
struct ScratchCleanup : ::testing::Environment {
  void TearDown() override {
    if (!::testing::UnitTest::GetInstance()->Passed()) return;
    std::error_code ec;
    for (const auto& d : scratch_dirs) fs::remove_all(d, ec);
  }
};
const auto* const scratch_cleanup = ::testing::AddGlobalTestEnvironment(new ScratchCleanup);

fs::path scratch(const std::string& name) {
  // Per process: ctest -j runs each test of a fixture in its own process,
  // and two of them sharing a folder would delete each other's report.
  const fs::path d = fs::path(LRBENCH_BINARY_DIR) / "test-reports-tmp" /
                     (name + "-" + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  scratch_dirs.push_back(d);
  return d;
}

struct Cli {
  int rc = -1;
  std::string out;
};
// Runs lrbench with `args` (a shell fragment), stdout+stderr captured.
Cli lrbench(const std::string& args, const fs::path& log) {
  const std::string cmd = "'" + kExe + "' " + args + " > '" + log.string() + "' 2>&1";
  const int st = std::system(cmd.c_str());
  return {WIFEXITED(st) ? WEXITSTATUS(st) : -1, slurp(log)};
}

// ---- PNG: signature, IHDR, inflate IDAT, unfilter, pixels not all equal ----
uint32_t be32(const unsigned char* p) { return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | p[3]; }

::testing::AssertionResult png_ok(const fs::path& path) {
  const std::string s = slurp(path);
  const auto* d = reinterpret_cast<const unsigned char*>(s.data());
  static const unsigned char sig[8] = {137, 80, 78, 71, 13, 10, 26, 10};
  if (s.size() < 33 || std::memcmp(d, sig, 8) != 0) return ::testing::AssertionFailure() << path << ": no PNG signature";
  if (std::string(s, 12, 4) != "IHDR") return ::testing::AssertionFailure() << path << ": first chunk is not IHDR";
  const uint32_t w = be32(d + 16), h = be32(d + 20);
  const int depth = d[24], color = d[25], interlace = d[28];
  if (w < 100 || h < 100) return ::testing::AssertionFailure() << path << ": " << w << "x" << h << " is too small";
  if (depth != 8 || interlace != 0 || (color != 2 && color != 6))
    return ::testing::AssertionFailure() << path << ": unexpected format depth " << depth << " color " << color;
  std::string idat;
  bool iend = false;
  for (size_t p = 8; p + 12 <= s.size();) {
    const uint32_t len = be32(d + p);
    const std::string type(s, p + 4, 4);
    if (type == "IDAT") idat.append(s, p + 8, len);
    if (type == "IEND") iend = true;
    p += 12 + len;
  }
  if (!iend) return ::testing::AssertionFailure() << path << ": no IEND chunk (truncated)";
  const size_t bpp = color == 6 ? 4 : 3, stride = w * bpp;
  std::vector<unsigned char> raw((stride + 1) * h);
  uLongf n = raw.size();
  if (uncompress(raw.data(), &n, reinterpret_cast<const Bytef*>(idat.data()), idat.size()) != Z_OK || n != raw.size())
    return ::testing::AssertionFailure() << path << ": IDAT does not inflate to " << raw.size() << " bytes";
  std::vector<unsigned char> img(stride * h), prev(stride, 0);
  for (size_t y = 0; y < h; ++y) {
    const unsigned char f = raw[y * (stride + 1)];
    const unsigned char* in = &raw[y * (stride + 1) + 1];
    unsigned char* out = &img[y * stride];
    for (size_t x = 0; x < stride; ++x) {
      const int a = x >= bpp ? out[x - bpp] : 0, b = prev[x], c = x >= bpp ? prev[x - bpp] : 0;
      int pred = 0;
      switch (f) {
        case 0: pred = 0; break;
        case 1: pred = a; break;
        case 2: pred = b; break;
        case 3: pred = (a + b) / 2; break;
        case 4: {
          const int pa = std::abs(b - c), pb = std::abs(a - c), pc = std::abs(a + b - 2 * c);
          pred = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
          break;
        }
        default: return ::testing::AssertionFailure() << path << ": bad filter " << int(f);
      }
      out[x] = static_cast<unsigned char>(in[x] + pred);
    }
    std::copy(out, out + stride, prev.begin());
  }
  std::set<uint32_t> colors;
  for (size_t i = 0; i < img.size() && colors.size() < 3; i += bpp)
    colors.insert((uint32_t(img[i]) << 16) | (uint32_t(img[i + 1]) << 8) | img[i + 2]);
  if (colors.size() < 3) return ::testing::AssertionFailure() << path << ": blank (fewer than 3 colours)";
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult svg_ok(const fs::path& path) {
  const std::string s = slurp(path);
  if (s.find("<svg") == std::string::npos || s.find("</svg>") == std::string::npos)
    return ::testing::AssertionFailure() << path << ": no <svg> element";
  if (s.find("<path") == std::string::npos && s.find("<polyline") == std::string::npos)
    return ::testing::AssertionFailure() << path << ": no drawing element";
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult pdf_ok(const fs::path& path) {
  const std::string s = slurp(path);
  if (s.rfind("%PDF-", 0) != 0) return ::testing::AssertionFailure() << path << ": no %PDF header";
  if (s.find("%%EOF", s.size() > 64 ? s.size() - 64 : 0) == std::string::npos)
    return ::testing::AssertionFailure() << path << ": no %%EOF trailer";
  if (s.size() < 2000) return ::testing::AssertionFailure() << path << ": " << s.size() << " bytes, too small to hold a plot";
  return ::testing::AssertionSuccess();
}

std::vector<std::string> figure_ids(const std::string& html) {
  std::vector<std::string> ids;
  const std::regex re("data-figure-id=\"([a-z0-9-]+)\"");
  for (auto it = std::sregex_iterator(html.begin(), html.end(), re); it != std::sregex_iterator(); ++it)
    ids.push_back((*it)[1]);
  return ids;
}

// ---- synthetic records --------------------------------------------------------
json train_record(const std::string& config, int seed, std::vector<double> loss, bool diverged = false) {
  json epochs = json::array(), wall = json::array(), lrs = json::array();
  for (size_t k = 0; k < loss.size(); ++k) {
    epochs.push_back({{"epoch", k + 1}, {"steps", 10 * (k + 1)}, {"train_loss", loss[k]},
                      {"test_loss", loss[k] * 1.1}, {"test_accuracy", 0.5 + 0.04 * double(k)}, {"lr_last", 0.1}});
    wall.push_back(0.01 * double(k + 1));
  }
  for (size_t t = 0; t < 10 * loss.size(); ++t) lrs.push_back(0.1 / double(1 + t / 10));
  return {{"suite", "900"}, {"config", config}, {"seed", seed}, {"status", diverged ? "diverged" : "ok"},
          {"final", {{"train_loss", diverged ? json() : json(loss.back())}}},
          {"timing", {{"epoch_wall_seconds", wall}}},
          {"curves", {{"epochs", epochs}, {"lr_per_step", lrs}}}};
}

struct Synthetic {
  std::vector<json> records;  // owns what the SuiteReport points to
  SuiteReport s;
};
// Config names say nothing to the report: the factors do (the names below
// are deliberately unlike the factors).
Synthetic synthetic() {
  Synthetic x;
  x.records.reserve(64);
  auto add = [&](const json& r, const lrb::records::Factors& factors) {
    x.records.push_back(r);
    const std::string c = r["config"];
    if (std::find(x.s.config_order.begin(), x.s.config_order.end(), c) == x.s.config_order.end())
      x.s.config_order.push_back(c);
    x.s.by_config[c].push_back({&x.records.back(), "/nonexistent/" + c});
    x.s.factors[c] = factors;
  };
  x.s.id = "900";
  for (int seed = 0; seed < 3; ++seed) {
    add(train_record("adam/as_written", seed, {3, 2.5, 2.2, 2.0}), {{"optimizer", "adam"}, {"code", "as_written"}});
    add(train_record("adam/corrected", seed, {3, 1.5, 0.8, 0.5 + 0.01 * seed}),
        {{"optimizer", "adam"}, {"code", "corrected"}});
    add(train_record("fixed", seed, {3, 2, 1.5, 1.2}), {{"optimizer", "sgd"}, {"lr", 0.1}, {"schedule", "fixed"}});
  }
  int k = 0;
  for (double lr : {0.001, 0.01, 0.1, 1.0, 10.0}) {
    ++k;
    for (int seed = 0; seed < 2; ++seed)
      add(train_record("run-" + std::to_string(k), seed, {3, 2, 1 / (1 + lr)}, lr >= 1.0),
          {{"experiment", "sweep"}, {"lr", lr}, {"optimizer", "sgd"}});
  }
  return x;
}

const Figure* find(const std::vector<Figure>& figs, const std::string& id) {
  for (const auto& f : figs)
    if (f.id == id) return &f;
  return nullptr;
}

}  // namespace

// ---- builders -----------------------------------------------------------------

TEST(ReportFigures, EpochFiguresHaveBandsOverSeedsAndSkipSweepConfigs) {
  const auto x = synthetic();
  const auto figs = lrb::reports::suite_figures(x.s);
  const Figure* loss = find(figs, "900-loss-vs-epoch");
  ASSERT_NE(loss, nullptr);
  ASSERT_EQ(loss->series.size(), 3u);  // the sweep configs are in the sweep figure only
  const auto& fixed = loss->series[2];
  EXPECT_EQ(fixed.label, "fixed (3 seeds)");
  EXPECT_EQ(fixed.style, lrb::reports::Style::band);
  ASSERT_EQ(fixed.y.size(), 4u);
  EXPECT_NEAR(fixed.y[3], 1.2, 1e-12);
  EXPECT_NEAR(fixed.lo[3], 1.2, 1e-12);  // identical seeds: a zero-width interval
  const auto& corr = loss->series[1];
  EXPECT_LT(corr.lo[3], corr.y[3]);
  EXPECT_GT(corr.hi[3], corr.y[3]);
  EXPECT_NE(find(figs, "900-accuracy-vs-epoch"), nullptr);
  EXPECT_NE(find(figs, "900-heldout-loss-vs-epoch"), nullptr);
  EXPECT_NE(find(figs, "900-loss-vs-time"), nullptr);
  EXPECT_NE(find(figs, "900-lr-per-step"), nullptr);
}

TEST(ReportFigures, LrSweepIsDetectedFromTheFactorsAndMarksTheDivergenceEdge) {
  const auto x = synthetic();
  const auto figs = lrb::reports::suite_figures(x.s);
  const Figure* f = find(figs, "900-lr-sweep");
  ASSERT_NE(f, nullptr);
  EXPECT_TRUE(f->logx);
  EXPECT_NE(f->note.find("'sweep/sgd'"), std::string::npos) << f->note;
  ASSERT_EQ(f->series.size(), 3u);
  EXPECT_EQ(f->series[0].x, (std::vector<double>{0.001, 0.01, 0.1}));
  EXPECT_TRUE(f->series[2].alert);
  EXPECT_EQ(f->series[2].x, (std::vector<double>{1, 1, 10, 10}));
  ASSERT_EQ(f->markers.size(), 1u);
  EXPECT_NEAR(f->markers[0].x, std::sqrt(0.1 * 1.0), 1e-12);
}

// DeepOBS-style: configs with factors lr and optimizer, grouped by the rest
// (the problem); one line per optimizer of the mean final test accuracy (the
// test loss where a run has no accuracy, nothing where runs record neither);
// an LR where every seed diverged is a gap.  The single-optimizer sweep of synthetic() draws none.
TEST(ReportFigures, LrSensitivityHasOneLinePerOptimizerPerProblem) {
  EXPECT_EQ(find(lrb::reports::suite_figures(synthetic().s), "900-lr-sensitivity"), nullptr);
  SuiteReport s;
  s.id = "905";
  std::vector<json> recs;
  recs.reserve(64);
  auto add = [&](const std::string& problem, const std::string& opt, double lr, int seed, double acc, bool div) {
    const std::string c = problem + "/" + opt + "/" + std::to_string(lr);
    json fin = json::object();  // "lsq": only loss curves, as suite 000's least-squares sweeps
    if (problem != "lsq") fin["test_loss"] = 1 - acc;
    if (problem == "cnn") fin["test_accuracy"] = acc;
    recs.push_back({{"config", c}, {"seed", seed}, {"status", div ? "diverged" : "ok"}, {"final", fin}});
    if (!s.by_config.count(c)) s.config_order.push_back(c);
    s.by_config[c].push_back({&recs.back(), "/nonexistent/" + c + std::to_string(seed)});
    s.factors[c] = {{"problem", problem}, {"optimizer", opt}, {"lr", lr}};
  };
  for (const char* problem : {"cnn", "mlp", "lsq"})
    for (int seed = 0; seed < 2; ++seed)
      for (double lr : {0.001, 0.01, 0.1}) {
        add(problem, "adam", lr, seed, lr == 0.01 ? 0.9 + 0.02 * seed : 0.8, false);
        add(problem, "lion", lr, seed, 0.85, lr == 0.1);
      }
  const auto figs = lrb::reports::suite_figures(s);
  const Figure* cnn = find(figs, "905-lr-sensitivity-cnn");
  const Figure* mlp = find(figs, "905-lr-sensitivity-mlp");
  ASSERT_NE(cnn, nullptr);
  ASSERT_NE(mlp, nullptr);
  EXPECT_TRUE(cnn->logx);
  ASSERT_EQ(cnn->series.size(), 2u);
  EXPECT_EQ(cnn->series[0].label, "adam");
  EXPECT_EQ(cnn->series[0].x, (std::vector<double>{0.001, 0.01, 0.1}));
  EXPECT_NEAR(cnn->series[0].y[1], 0.91, 1e-12);  // the mean over the two seeds
  EXPECT_TRUE(std::isnan(cnn->series[1].y[2]));    // lion at 0.1: every seed diverged
  EXPECT_NE(cnn->title.find("test_accuracy"), std::string::npos) << cnn->title;
  EXPECT_NE(mlp->title.find("test_loss"), std::string::npos) << mlp->title;  // no accuracy recorded
  EXPECT_NEAR(mlp->series[0].y[0], 0.2, 1e-12);
  EXPECT_NE(cnn->note.find("(2 here)"), std::string::npos) << cnn->note;
  // No final metric at all: no figure (gnuplot refuses a plot without points).
  EXPECT_EQ(find(figs, "905-lr-sensitivity-lsq"), nullptr);
}

TEST(ReportFigures, AsWrittenAndCorrectedConfigsPairUpByTheirCodeFactor) {
  const auto x = synthetic();
  const auto figs = lrb::reports::suite_figures(x.s);
  const Figure* f = find(figs, "900-as-written-vs-corrected");
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(f->series.size(), 2u);
  EXPECT_EQ(f->series[0].label, "adam/as_written (3 seeds)");
  EXPECT_EQ(f->series[1].label, "adam/corrected (3 seeds)");
}

TEST(ReportFigures, TimeToTargetStatesItsRule) {
  const auto x = synthetic();
  const auto figs = lrb::reports::suite_figures(x.s);
  const Figure* f = find(figs, "900-time-to-target");
  ASSERT_NE(f, nullptr);
  // Final means: as_written 2.0, corrected 0.51, fixed 1.2 -> target = median = 1.2.
  EXPECT_NE(f->note.find("target = 1.2,"), std::string::npos) << f->note;
  ASSERT_EQ(f->categories.size(), 3u);
  EXPECT_EQ(f->categories[0], "adam/as_written (0/3)");
  EXPECT_EQ(f->categories[1], "adam/corrected (3/3)");
  EXPECT_TRUE(std::isnan(f->series[0].y[0]));
  EXPECT_DOUBLE_EQ(f->series[0].y[1], 30);    // loss 0.8 <= 1.2 first at epoch 3 = 30 steps
  EXPECT_DOUBLE_EQ(f->series[1].y[1], 0.03);  // its wall time
  EXPECT_TRUE(f->series[1].y2);
}

TEST(ReportFigures, CsvIsWideWithEmptyCellsAndTheScriptReadsItByRelativePath) {
  Figure f;
  f.id = "900-x";
  f.title = "t";
  f.series.push_back({.label = "a,b", .style = lrb::reports::Style::line, .x = {1, 2, 3}, .y = {1, NAN, 3}});
  f.series.push_back({.label = "c", .style = lrb::reports::Style::line, .x = {1}, .y = {5}});
  EXPECT_EQ(lrb::reports::figure_csv(f), "a;b:x,a;b:y,c:x,c:y\n1,1,1,5\n2,,,\n3,3,,\n");
  const auto gp = lrb::reports::figure_gnuplot(f);
  EXPECT_NE(gp.find("'900-x.csv' skip 1 using 1:2"), std::string::npos) << gp;
  EXPECT_NE(gp.find("'900-x.csv' skip 1 using 3:4"), std::string::npos) << gp;
  for (const char* out : {"set output '900-x.png'", "set output '900-x.svg'", "set output '900-x.pdf'"})
    EXPECT_NE(gp.find(out), std::string::npos) << out;
  EXPECT_EQ(lrb::reports::slug("Sweep/MLP lr=0.1"), "sweep-mlp-lr-0-1");
}

TEST(ReportFigures, EvidenceCiPrefersThePairedDifference) {
  const json ev = {{"baseline", {{"ci95", {1.0, 2.0}}}}, {"paired_diff", {{"ci95", {-0.5, 0.25}}}}};
  EXPECT_EQ(lrb::reports::evidence_ci(ev), "[-0.5, 0.25] (paired_diff)");
  EXPECT_EQ(lrb::reports::evidence_ci(json{{"theta", 2}}), "");
}

// ---- the command on the committed fixture ----------------------------------------

class ReportFixture : public ::testing::Test {
 protected:
  static fs::path out_;
  static Cli run_;
  static void SetUpTestSuite() {
    out_ = scratch("full");
    run_ = lrbench("report --results '" + kFixture + "' --out '" + (out_ / "report").string() + "'", out_ / "log.txt");
  }
};
fs::path ReportFixture::out_;
Cli ReportFixture::run_;

TEST_F(ReportFixture, RendersEveryFigureInFiveValidFiles) {
  ASSERT_EQ(run_.rc, 0) << run_.out;
  const std::string html = slurp(out_ / "report" / "index.html");
  const auto ids = figure_ids(html);
  ASSERT_GE(ids.size(), 10u) << "too few figures from the fixture";
  for (const auto& id : ids) {
    const fs::path d = out_ / "report" / "figures";
    for (const char* ext : {".png", ".svg", ".pdf", ".csv", ".gp"})
      ASSERT_TRUE(fs::exists(d / (id + ext))) << id << ext << " missing";
    EXPECT_TRUE(png_ok(d / (id + ".png")));
    EXPECT_TRUE(svg_ok(d / (id + ".svg")));
    EXPECT_TRUE(pdf_ok(d / (id + ".pdf")));
    EXPECT_NE(slurp(d / (id + ".gp")).find("'" + id + ".csv'"), std::string::npos) << id;
    EXPECT_NE(html.find("figure " + id + ", from "), std::string::npos) << "no cite line for " << id;
  }
  // No stray temp folders or files left behind.
  for (const auto& e : fs::directory_iterator(out_ / "report" / "figures"))
    EXPECT_NE(e.path().filename().string()[0], '.') << e.path();
}

TEST_F(ReportFixture, PageIsSelfContainedAndHasEverySection) {
  ASSERT_EQ(run_.rc, 0) << run_.out;
  const std::string html = slurp(out_ / "report" / "index.html");
  EXPECT_EQ(html.find("<script src"), std::string::npos);
  EXPECT_EQ(html.find("<link "), std::string::npos);
  EXPECT_EQ(html.find("http://"), std::string::npos);
  EXPECT_NE(html.find("uPlot"), std::string::npos);
  EXPECT_NE(html.find("default-src 'none'"), std::string::npos);
  for (const char* s : {"id=\"overview\"", "How to reproduce", "id=\"suite-002\"", "id=\"suite-004\"", "<h3>Claims</h3>",
                        "id=\"lr-find\"", "id=\"bench\"", "No bench data given", "id=\"provenance\"", "@software{lrbench",
                        "Deviations"})
    EXPECT_NE(html.find(s), std::string::npos) << s;
  // The lr-find fixture is drawn.
  EXPECT_NE(html.find("data-figure-id=\"lr-find-004-mlp004-sgd\""), std::string::npos);
}

TEST(ReportCommand, MissingRunsAreStatedNotAnError) {
  const fs::path d = scratch("partial");
  fs::copy(kFixture, d / "results", fs::copy_options::recursive);
  // The fixture's own gap for 004 first (zero while it matches the plan), then 3 records fewer.
  auto suite004 = [&] {
    const auto r = lrb::reports::load_report({.results_dir = (d / "results").string(), .quick = true, .seeds = 2});
    for (const auto& s : r.suites)
      if (s.id == "004") return std::pair{s.missing, s.expected};
    return std::pair{-1, -1};
  };
  const auto [missing0, total] = suite004();
  ASSERT_GT(total, 3);
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(d / "results" / "004")) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  for (int i = 0; i < 3; ++i) fs::remove(files[i]);
  const int removed = suite004().first - missing0;
  ASSERT_EQ(removed, 3) << "the fixture's 004 records no longer match its plan: run "
                           "tests/fixtures/results/regenerate.sh";
  const auto r = lrbench("report --results '" + (d / "results").string() + "' --out '" + (d / "out").string() + "'",
                         d / "log.txt");
  ASSERT_EQ(r.rc, 0) << r.out;
  const std::string want = "004: " + std::to_string(missing0 + removed) + " of " + std::to_string(total) + " runs missing";
  EXPECT_NE(r.out.find(want), std::string::npos) << r.out;
  EXPECT_NE(slurp(d / "out" / "index.html").find(want), std::string::npos);
}

TEST(ReportCommand, EmptyResultsStillRender) {
  const fs::path d = scratch("empty");
  fs::create_directories(d / "results");
  const auto r = lrbench("report --results '" + (d / "results").string() + "' --out '" + (d / "out").string() + "'",
                         d / "log.txt");
  ASSERT_EQ(r.rc, 0) << r.out;
  const std::string html = slurp(d / "out" / "index.html");
  EXPECT_NE(html.find("holds no manifest and no run record"), std::string::npos);
  EXPECT_TRUE(figure_ids(html).empty());
}

TEST(ReportCommand, CorruptRecordIsADataErrorNamingTheFile) {
  const fs::path d = scratch("corrupt");
  fs::copy(kFixture, d / "results", fs::copy_options::recursive);
  fs::path victim;
  for (const auto& e : fs::directory_iterator(d / "results" / "002")) victim = e.path();
  std::ofstream(victim) << "{\"schema\": \"lrbench.run/1\", trunc";
  const auto r = lrbench("report --results '" + (d / "results").string() + "' --out '" + (d / "out").string() + "'",
                         d / "log.txt");
  EXPECT_EQ(r.rc, 3) << r.out;
  EXPECT_NE(r.out.find(victim.string()), std::string::npos) << r.out;
  EXPECT_FALSE(fs::exists(d / "out" / "index.html"));
}

TEST(ReportCommand, CorruptLrFindFileIsADataError) {
  const fs::path d = scratch("corrupt-lr-find");
  fs::create_directories(d / "results" / "lr-find");
  std::ofstream(d / "results" / "lr-find" / "x.json") << R"({"lr": [1, 2], "loss": [1]})";
  const auto r = lrbench("report --results '" + (d / "results").string() + "' --out '" + (d / "out").string() + "'",
                         d / "log.txt");
  EXPECT_EQ(r.rc, 3) << r.out;
  EXPECT_NE(r.out.find("x.json: loss: has 1 values but \"lr\" has 2"), std::string::npos) << r.out;
}

TEST(ReportCommand, BadFlagsAreUsageErrors) {
  const fs::path d = scratch("flags");
  EXPECT_EQ(lrbench("report --results x --out y --bogus", d / "a.txt").rc, 2);
  EXPECT_EQ(lrbench("report --out y", d / "b.txt").rc, 2);
  EXPECT_EQ(lrbench("report --results x --out y --seeds -1", d / "c.txt").rc, 2);
  EXPECT_EQ(lrbench("report --results x --out y --quick --full", d / "d.txt").rc, 2);
  const auto h = lrbench("report --help", d / "e.txt");
  EXPECT_EQ(h.rc, 0);
  EXPECT_NE(h.out.find("--bench"), std::string::npos);
  const auto m = lrbench("report --results '" + (d / "nothing").string() + "' --out '" + (d / "o").string() + "'",
                         d / "f.txt");
  EXPECT_EQ(m.rc, 3) << m.out;
}

TEST(ReportCommand, MissingUplotSaysRunSetup) {
  const fs::path d = scratch("no-uplot");
  const auto r = lrbench("report --results '" + kFixture + "' --out '" + (d / "o").string() + "' --web-dir '" +
                             (d / "none").string() + "'",
                         d / "log.txt");
  EXPECT_EQ(r.rc, 1) << r.out;
  EXPECT_NE(r.out.find("run tools/setup.sh"), std::string::npos) << r.out;
}

// ---- manifests and verdicts -----------------------------------------------------

namespace {
// A private copy of the fixture; returns its results folder.  `only`: keep
// just this suite (its records, manifest and verdicts; no lr-find), so a test
// that renders the report draws a handful of figures, not all of them.
fs::path fixture_copy(const fs::path& d, const std::string& only = "") {
  fs::copy(kFixture, d / "results", fs::copy_options::recursive);
  const fs::path res = d / "results";
  if (!only.empty()) {
    fs::remove_all(res / "lr-find");
    for (const char* folder : {"", "manifests", "verdicts"})
      for (const auto& e : fs::directory_iterator(res / folder)) {
        const std::string name = e.path().filename().string();
        if (name.size() >= 3 && std::isdigit(static_cast<unsigned char>(name[0])) && name.substr(0, 3) != only)
          fs::remove_all(e.path());
      }
  }
  return res;
}
Cli report(const fs::path& results, const fs::path& out, const fs::path& log, const std::string& extra = "") {
  return lrbench("report --results '" + results.string() + "' --out '" + out.string() + "'" + extra, log);
}
}  // namespace

TEST(ReportCommand, EverySuiteComesFromItsManifestIncludingOneWithoutRecords) {
  const auto r = lrb::reports::load_report({.results_dir = kFixture});
  ASSERT_EQ(r.suites.size(), 6u);
  for (const auto& s : r.suites) {
    EXPECT_EQ(lrb::records::budget_key(s.manifest.budget), "quick-seeds2") << s.id;
    // The tutorial's text (005: its question, sources and the papers' claims), what is run, the deviations.
    ASSERT_EQ(s.manifest.sections.size(), s.id == "005" ? 5u : 3u) << s.id;
    EXPECT_EQ(s.manifest.sections.back().title, "Deviations");
    EXPECT_FALSE(s.manifest.sections[0].items.empty()) << s.id;
    EXPECT_FALSE(s.claims.empty()) << s.id;
    EXPECT_TRUE(s.claims_note.empty()) << s.id << ": " << s.claims_note;
    for (const auto& c : s.config_order) EXPECT_FALSE(s.factors.at(c).empty()) << s.id << " " << c;
  }
  EXPECT_EQ(r.suites[0].id, "000");
  EXPECT_EQ(r.suites[0].missing, r.suites[0].expected);  // its records are left out of the fixture
  EXPECT_GT(r.suites[0].expected, 0);
  EXPECT_EQ(r.suites[5].id, "005");
  EXPECT_EQ(r.suites[5].missing, r.suites[5].expected);  // so are 005's
  EXPECT_GT(r.suites[5].expected, 0);
}

TEST(ReportCommand, MissingAndStaleVerdictsAreStated) {
  const fs::path d = scratch("verdicts");
  const fs::path res = fixture_copy(d);
  fs::remove(res / "verdicts" / "002.quick-seeds2.json");
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(res / "004")) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  fs::remove(files.front());  // the 004 verdicts now describe records that are gone
  const auto r = lrb::reports::load_report({.results_dir = res.string()});
  std::string all;
  for (const auto& g : lrb::reports::gaps(r)) all += g + "\n";
  EXPECT_NE(all.find("002: claims not evaluated (no " + (res / "verdicts" / "002.quick-seeds2.json").string() +
                     "): run `lrbench claims " + res.string() + " --quick --seeds 2`"),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("004: verdicts are stale: computed from "), std::string::npos) << all;
  // A manifest rewritten after the verdicts (another plan): stale too.
  const fs::path m = res / "manifests" / "003.quick-seeds2.json";
  std::ofstream(m, std::ios::app) << " ";
  for (const auto& g : lrb::reports::gaps(lrb::reports::load_report({.results_dir = res.string()})))
    all += g + "\n";
  EXPECT_NE(all.find("003: verdicts are stale: checked against another plan"), std::string::npos) << all;
}

TEST(ReportCommand, AClaimThatCouldNotBeEvaluatedExitsOne) {
  const fs::path d = scratch("claim-error");
  const fs::path res = fixture_copy(d, "003");
  const fs::path v = res / "verdicts" / "003.quick-seeds2.json";
  json j = json::parse(slurp(v));
  j["claims"][0]["verdict"] = "error";
  j["claims"][0]["error"] = "the check threw";
  std::ofstream(v, std::ios::trunc) << j.dump(1);
  const auto r = report(res, d / "out", d / "log.txt");
  EXPECT_EQ(r.rc, 1) << r.out;
  EXPECT_NE(r.out.find("1 claim could not be evaluated"), std::string::npos) << r.out;
  EXPECT_NE(slurp(d / "out" / "index.html").find("the check threw"), std::string::npos);  // the page is written
}

// Hostile results files: exit 3 naming the file, never a crash or exit 1.
TEST(ReportCommand, DeepForeignAndLoopingFilesAreDataErrors) {
  auto victim_of = [](const fs::path& res) {
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(res / "002")) files.push_back(e.path());
    std::sort(files.begin(), files.end());
    return files.front();
  };
  {
    const fs::path d = scratch("deep");
    const fs::path res = fixture_copy(d);
    const fs::path v = victim_of(res);
    std::string t = slurp(v);
    const auto at = t.find("\"final\": ") + 9;
    int depth = 0;
    size_t end = at;
    do depth += t[end] == '{' ? 1 : t[end] == '}' ? -1 : 0; while (++end, depth > 0);
    t = t.substr(0, at) + std::string(1'000'000, '[') + std::string(1'000'000, ']') + t.substr(end);
    std::ofstream(v, std::ios::trunc) << t;
    const auto r = report(res, d / "out", d / "log.txt");
    EXPECT_EQ(r.rc, 3) << r.out;
    EXPECT_NE(r.out.find(v.string() + ": nested deeper than 64 levels"), std::string::npos) << r.out;
  }
  {
    const fs::path d = scratch("schema5");
    const fs::path res = fixture_copy(d);
    const fs::path v = victim_of(res);
    json j = json::parse(slurp(v));
    j["schema"] = 5;
    std::ofstream(v, std::ios::trunc) << j.dump();
    const auto r = report(res, d / "out", d / "log.txt");
    EXPECT_EQ(r.rc, 3) << r.out;
    EXPECT_NE(r.out.find(v.string() + ": schema: expected \"lrbench.run/1\""), std::string::npos) << r.out;
  }
  {
    const fs::path d = scratch("loop");
    const fs::path res = fixture_copy(d);
    fs::create_symlink(res / "002" / "b.json", res / "002" / "a.json");
    fs::create_symlink(res / "002" / "a.json", res / "002" / "b.json");
    const auto r = report(res, d / "out", d / "log.txt");
    EXPECT_EQ(r.rc, 3) << r.out;
    EXPECT_NE(r.out.find("a.json: cannot be read (Too many levels of symbolic links)"), std::string::npos) << r.out;
  }
  {
    const fs::path d = scratch("bad-manifest");
    const fs::path res = fixture_copy(d);
    const fs::path m = res / "manifests" / "004.quick-seeds2.json";
    json j = json::parse(slurp(m));
    j["configs"][0]["runs"][0]["seed"] = "zero";
    std::ofstream(m, std::ios::trunc) << j.dump();
    const auto r = report(res, d / "out", d / "log.txt");
    EXPECT_EQ(r.rc, 3) << r.out;
    EXPECT_NE(r.out.find(m.string() + ": configs[0].runs[0].seed: expected an integer"), std::string::npos) << r.out;
  }
}

// ---- output safety -----------------------------------------------------------------

namespace {
// Hidden staging folders next to `out`.
std::vector<std::string> leftovers(const fs::path& out) {
  std::vector<std::string> found;
  for (const auto& e : fs::directory_iterator(out.parent_path()))
    if (e.path().filename().string().find(".lrbench-tmp-") != std::string::npos) found.push_back(e.path());
  if (fs::is_directory(out / "figures"))
    for (const auto& e : fs::directory_iterator(out / "figures"))
      if (e.path().filename().string()[0] == '.') found.push_back(e.path());
  return found;
}
}  // namespace

TEST(ReportOutput, AFailedReportLeavesThePreviousOneAndNoTempFolder) {
  const fs::path d = scratch("atomic");
  const fs::path res = fixture_copy(d, "002"), out = d / "site" / "report";
  ASSERT_EQ(report(res, out, d / "a.txt").rc, 0);
  const std::string page = slurp(out / "index.html");
  std::ofstream(out / "figures" / "stale-figure.png") << "from an older report";
  std::ofstream(out / "notes.txt") << "the user's own file";
  // gnuplot fails: exit 1, gnuplot named, the old report untouched.
  const fs::path fake = d / "failing-gnuplot";
  std::ofstream(fake) << "#!/bin/sh\necho 'line 3: simulated error' >&2\nexit 7\n";
  fs::permissions(fake, fs::perms::owner_all);
  auto r = report(res, out, d / "b.txt", " --gnuplot '" + fake.string() + "'");
  EXPECT_EQ(r.rc, 1) << r.out;
  EXPECT_NE(r.out.find("gnuplot failed on figure"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("simulated error"), std::string::npos) << r.out;
  EXPECT_EQ(slurp(out / "index.html"), page);
  EXPECT_TRUE(fs::exists(out / "figures" / "stale-figure.png"));
  EXPECT_TRUE(leftovers(out).empty()) << leftovers(out).front();
  // gnuplot "succeeds" but writes nothing: the missing output is named.
  const fs::path lazy = d / "lazy-gnuplot";
  std::ofstream(lazy) << "#!/bin/sh\nexit 0\n";
  fs::permissions(lazy, fs::perms::owner_all);
  r = report(res, out, d / "c.txt", " --gnuplot '" + lazy.string() + "'");
  EXPECT_EQ(r.rc, 1) << r.out;
  EXPECT_NE(r.out.find("missing or empty"), std::string::npos) << r.out;
  EXPECT_TRUE(leftovers(out).empty());
  // A file-size limit (a stand-in for a full disk): the OS error is named, nothing half written.
  const std::string limited = "ulimit -f 64; '" + kExe + "' report --results '" + res.string() + "' --out '" +
                              out.string() + "' > '" + (d / "e.txt").string() + "' 2>&1";
  const int st = std::system(("bash -c \"" + limited + "\"").c_str());
  EXPECT_EQ(WIFEXITED(st) ? WEXITSTATUS(st) : -1, 1) << slurp(d / "e.txt");
  EXPECT_NE(slurp(d / "e.txt").find("File too large"), std::string::npos) << slurp(d / "e.txt");
  EXPECT_TRUE(leftovers(out).empty());
  EXPECT_EQ(slurp(out / "notes.txt"), "the user's own file");
  // A good run replaces figures/ as a whole: the stale figure is gone, the user's file stays.
  ASSERT_EQ(report(res, out, d / "f.txt").rc, 0);
  EXPECT_FALSE(fs::exists(out / "figures" / "stale-figure.png"));
  EXPECT_TRUE(fs::exists(out / "notes.txt"));
  EXPECT_TRUE(leftovers(out).empty());
}

TEST(ReportOutput, KilledReportsLeaveNoStagingFolderForLong) {
  const fs::path d = scratch("stale-staging");
  const fs::path res = fixture_copy(d, "002"), out = d / "report";
  fs::create_directories(d / ".report.lrbench-tmp-99999999" / "figures");  // pid 99999999 exceeds pid_max
  ASSERT_EQ(report(res, out, d / "a.txt").rc, 0);
  EXPECT_FALSE(fs::exists(d / ".report.lrbench-tmp-99999999"));
}

TEST(ReportOutput, OutPathsThatWouldWriteIntoRootOrTheInputsAreRefused) {
  const fs::path d = scratch("refuse");
  const fs::path res = fixture_copy(d);
  for (const std::string& out : {std::string("/"), std::string("/tmp/.."), res.string(), (res / "report").string(),
                                 (res / "002").string()}) {
    const auto r = report(res, out, d / "log.txt");
    EXPECT_EQ(r.rc, 2) << out << ": " << r.out;
    EXPECT_FALSE(fs::exists(fs::path(out) / "index.html") && out != "/") << out;
  }
  EXPECT_NE(report(res, "/", d / "log.txt").out.find("root directory"), std::string::npos);
  // --results inside OUT/figures would be replaced with the figures.
  fs::create_directories(d / "site" / "figures");
  fs::rename(res, d / "site" / "figures" / "results");
  const auto r = report(d / "site" / "figures" / "results", d / "site", d / "log.txt");
  EXPECT_EQ(r.rc, 2) << r.out;
  EXPECT_NE(r.out.find("lies in OUT/figures"), std::string::npos) << r.out;
}
