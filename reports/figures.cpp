// Figure data -> CSV, gnuplot script, uPlot JSON; gnuplot as a subprocess.
#include "reports/figures.hpp"

#include <fmt/format.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "records/json_file.hpp"

namespace lrb::reports {
namespace fs = std::filesystem;

const char* to_string(Style s) {
  switch (s) {
    case Style::line: return "line";
    case Style::steps: return "steps";
    case Style::points: return "points";
    case Style::band: return "band";
    case Style::bars: return "bars";
    case Style::dashed: return "dashed";
  }
  return "line";
}

std::string slug(const std::string& text) {
  std::string out;
  for (char c : text) {
    const bool keep = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (c >= 'A' && c <= 'Z') out += static_cast<char>(c - 'A' + 'a');
    else if (keep) out += c;
    else if (!out.empty() && out.back() != '-') out += '-';
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out.empty() ? "x" : out;
}

namespace {

// A CSV cell of a label: no commas, quotes or newlines (gnuplot reads the
// category column as plain text).
std::string plain(const std::string& s) {
  std::string out;
  for (char c : s) out += (c == ',' || c == '"' || c == '\n' || c == '\'') ? ';' : c;
  return out;
}
std::string cell(double v) { return std::isfinite(v) ? fmt::format("{:.9g}", v) : std::string(); }
// A gnuplot single-quoted string ('' is a quote inside).
std::string gq(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}
bool has_band(const Series& s) { return s.style == Style::band && !s.lo.empty(); }

// Legend at the right for a few short labels, below the plot otherwise (a
// wide legend would squeeze the plot and push the title off the canvas).
std::string key_placement(const Figure& f) {
  size_t longest = 0;
  for (const auto& s : f.series) longest = std::max(longest, s.label.size());
  if (longest <= 32 && f.series.size() <= 12)
    return "set key outside right top vertical noenhanced box lc rgb '#cccccc' spacing 1.2\n";
  // Many entries stacked below would squash the plot to a strip: a column of
  // small type on the right keeps the plot's height.
  if (f.series.size() > 12) return "set key outside right top vertical noenhanced nobox font ',8' spacing 0.9\n";
  return "set key below horizontal noenhanced nobox spacing 1.2\nset xlabel offset 0,0.4\n";
}

struct Column {
  const std::vector<double>* v;
  std::string name;
};
// The CSV columns in order; column numbers for gnuplot start at 1 (+1 with categories).
std::vector<Column> columns(const Figure& f) {
  std::vector<Column> cols;
  for (const auto& s : f.series) {
    const std::string n = plain(s.label);
    cols.push_back({&s.x, n + ":x"});
    cols.push_back({&s.y, n + ":y"});
    if (has_band(s)) {
      cols.push_back({&s.lo, n + ":lo"});
      cols.push_back({&s.hi, n + ":hi"});
    }
  }
  return cols;
}

const char* kPalette[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2",
                          "#17becf", "#bcbd22", "#7f7f7f", "#d62728", "#393b79", "#637939"};

}  // namespace

std::string figure_csv(const Figure& f) {
  const auto cols = columns(f);
  const bool cat = !f.categories.empty();
  size_t rows = cat ? f.categories.size() : 0;
  for (const auto& c : cols) rows = std::max(rows, c.v->size());
  std::string out;
  if (cat) out += "category";
  for (size_t i = 0; i < cols.size(); ++i) out += (i || cat ? "," : "") + cols[i].name;
  out += "\n";
  for (size_t r = 0; r < rows; ++r) {
    if (cat) out += r < f.categories.size() ? plain(f.categories[r]) : "";
    for (size_t i = 0; i < cols.size(); ++i) {
      if (i || cat) out += ",";
      if (r < cols[i].v->size()) out += cell((*cols[i].v)[r]);
    }
    out += "\n";
  }
  return out;
}

std::string figure_gnuplot(const Figure& f) {
  std::ostringstream g;
  const std::string csv = f.id + ".csv";
  g << "# " << f.id << ": " << f.title << "\n"
    << "# Drawn by lrbench report from " << csv << " (same folder); edit and run `gnuplot "
    << f.id << ".gp` to restyle.\n";
  if (!f.note.empty()) g << "# " << f.note << "\n";
  g << "set datafile separator ','\n"
    << "set datafile missing ''\n"
    << "set encoding utf8\n"
    << "set termoption noenhanced\n"
    << "set title " << gq(f.title) << "\n"
    << "set xlabel " << gq(f.xlabel) << "\nset ylabel " << gq(f.ylabel) << "\n"
    << "set grid lc rgb '#dddddd'\n"
    << key_placement(f)
    << "set border lw 1\nset tics nomirror\n";
  if (f.logx) g << "set logscale x\nset format x '%g'\n";
  if (f.logy) g << "set logscale y\nset format y '%g'\n";
  bool any_y2 = false;
  for (const auto& s : f.series) any_y2 |= s.y2;
  if (any_y2) g << "set y2label " << gq(f.y2label) << "\nset y2tics\nset ytics nomirror\n";
  const bool cat = !f.categories.empty();
  // A little air above and below the data: no curve runs along the frame.
  if (!cat) g << "set offsets 0, 0, graph 0.05, graph 0.05\n";
  if (cat) {
    g << "set xrange [-0.6:" << f.categories.size() - 0.4 << "]\n"
      << "set xtics rotate by -30 left\nset style fill solid 0.75 noborder\n";
    // Explicit tops 10 % above the tallest bar of each axis: nothing touches the frame.
    double top1 = 0, top2 = 0;
    for (const auto& s : f.series)
      for (double v : s.y)
        if (std::isfinite(v)) (s.y2 ? top2 : top1) = std::max(s.y2 ? top2 : top1, v);
    if (!f.logy) g << "set yrange [0:" << (top1 > 0 ? top1 * 1.1 : 1) << "]\n";
    else g << "set yrange [*:" << (top1 > 0 ? top1 * 2 : 1) << "]\n";
    if (any_y2) g << "set y2range [0:" << (top2 > 0 ? top2 * 1.1 : 1) << "]\n";
  }
  if (!cat && std::isfinite(f.y_max)) g << fmt::format("set yrange [*:{:.9g}]\n", f.y_max);
  // Labels one under the other: markers at nearby x would print over each other.
  for (size_t k = 0; k < f.markers.size(); ++k)
    g << fmt::format("set arrow from {:.9g}, graph 0 to {:.9g}, graph 1 nohead dt 2 lw 1.5 lc rgb '#444444'\n"
                     "set label {} at {:.9g}, graph {:.3f} left offset 0.5,0 font ',9' tc rgb '#444444'\n",
                     f.markers[k].x, f.markers[k].x, gq(f.markers[k].label), f.markers[k].x,
                     0.97 - 0.05 * static_cast<double>(k));
  // Column numbers of each series in the CSV.
  int col = cat ? 2 : 1;
  std::vector<std::string> plots;
  int bar_k = 0, bars = 0;
  for (const auto& s : f.series) bars += s.style == Style::bars;
  for (size_t k = 0; k < f.series.size(); ++k) {
    const auto& s = f.series[k];
    const int cx = col, cy = col + 1;
    col += has_band(s) ? 4 : 2;
    const std::string src = "'" + csv + "' skip 1";
    // Past 12 series the colours repeat: the dash pattern then tells them apart.
    const std::string lc = fmt::format("lc rgb '{}'{}", s.alert ? "#d62728" : kPalette[k % 12],
                                       k >= 12 && s.style != Style::points && s.style != Style::bars && s.style != Style::dashed
                                           ? fmt::format(" dt {}", 2 + (k / 12 - 1) % 4)
                                           : "");
    const std::string axes = s.y2 ? " axes x1y2" : "";
    const std::string title = " title " + gq(s.label);
    switch (s.style) {
      case Style::band:
        if (has_band(s))
          plots.push_back(fmt::format("{} using {}:{}:{}{} with filledcurves fs transparent solid 0.18 "
                                      "noborder {} notitle",
                                      src, cx, cy + 1, cy + 2, axes, lc));
        plots.push_back(fmt::format("{} using {}:{}{} with lines lw 2 {}{}", src, cx, cy, axes, lc, title));
        break;
      case Style::line:
        plots.push_back(fmt::format("{} using {}:{}{} with linespoints lw 2 pt 7 ps 0.5 {}{}", src, cx, cy,
                                    axes, lc, title));
        break;
      case Style::steps:
        plots.push_back(fmt::format("{} using {}:{}{} with steps lw 2 {}{}", src, cx, cy, axes, lc, title));
        break;
      case Style::dashed:
        plots.push_back(fmt::format("{} using {}:{}{} with lines dt 2 lw 2 {}{}", src, cx, cy, axes, lc, title));
        break;
      case Style::points:
        // Past 12 series the point shape tells same-coloured ones apart:
        // circle, square, triangle, inverted triangle, diamond (filled).
        plots.push_back(fmt::format("{} using {}:{}{} with points pt {} ps {} {}{}", src, cx, cy, axes,
                                    s.alert ? 2 : std::array{7, 5, 9, 11, 13}[(k / 12) % 5],
                                    s.alert ? 2.0 : 1.2, lc, title));
        break;
      case Style::bars: {
        const double w = 0.8 / std::max(bars, 1);
        const double off = -0.4 + w * (bar_k++ + 0.5);
        plots.push_back(fmt::format("{} using (${}+({:.4g})):{}:({:.4g}){}{} with boxes {}{}", src, cx, off, cy,
                                    w * 0.95, cat && bar_k == 1 ? ":xtic(strcol(1) eq '' ? NaN : strlen(strcol(1)) > 40 ? strcol(1)[1:38].'..' : strcol(1))" : "", axes, lc, title));
        break;
      }
    }
  }
  std::string plot = "plot " + (plots.empty() ? std::string("NaN notitle") : plots[0]);
  for (size_t i = 1; i < plots.size(); ++i) plot += ", \\\n     " + plots[i];
  g << "\nset terminal pngcairo size 1100,620 font 'sans,11' noenhanced\n"
    << "set output '" << f.id << ".png'\n"
    << plot << "\n"
    << "set terminal svg size 1100,620 font 'sans,11' noenhanced background rgb 'white'\n"
    << "set output '" << f.id << ".svg'\nreplot\n"
    << "set terminal pdfcairo size 8in,4.5in font 'sans,9' noenhanced\n"
    << "set output '" << f.id << ".pdf'\nreplot\nset output\n";
  return g.str();
}

nlohmann::json figure_json(const Figure& f) {
  auto arr = [](const std::vector<double>& v) {
    nlohmann::json a = nlohmann::json::array();
    for (double x : v) a.push_back(std::isfinite(x) ? nlohmann::json(x) : nlohmann::json());
    return a;
  };
  nlohmann::json series = nlohmann::json::array();
  for (const auto& s : f.series) {
    nlohmann::json j{{"label", s.label}, {"style", to_string(s.style)}, {"x", arr(s.x)}, {"y", arr(s.y)},
                     {"y2", s.y2}, {"alert", s.alert}};
    if (has_band(s)) {
      j["lo"] = arr(s.lo);
      j["hi"] = arr(s.hi);
    }
    series.push_back(j);
  }
  nlohmann::json markers = nlohmann::json::array();
  for (const auto& m : f.markers) markers.push_back({{"x", m.x}, {"label", m.label}});
  return {{"id", f.id}, {"title", f.title}, {"xlabel", f.xlabel}, {"ylabel", f.ylabel},
          {"y2label", f.y2label}, {"logx", f.logx}, {"logy", f.logy}, {"categories", f.categories},
          {"series", series}, {"markers", markers}};
}

namespace {

// Runs `argv` in `cwd`; returns the exit status and the merged stdout+stderr.
int run_in(const std::string& cwd, const std::vector<std::string>& argv, std::string& output) {
  int pipefd[2];
  if (pipe(pipefd) != 0) throw std::runtime_error("pipe() failed");
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork() failed");
  if (pid == 0) {
    dup2(pipefd[1], 1);
    dup2(pipefd[1], 2);
    close(pipefd[0]);
    close(pipefd[1]);
    if (chdir(cwd.c_str()) != 0) _exit(126);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    _exit(127);
  }
  close(pipefd[1]);
  char buf[4096];
  ssize_t n;
  while ((n = read(pipefd[0], buf, sizeof buf)) > 0) output.append(buf, static_cast<size_t>(n));
  close(pipefd[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

// "" when a file can be created and written in `dir`, else the OS error.
std::string writable(const std::string& dir) {
  const std::string probe = dir + "/.lrbench-probe-" + std::to_string(getpid());
  const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return std::strerror(errno);
  const char block[4096] = {};
  const bool ok = ::write(fd, block, sizeof block) == static_cast<ssize_t>(sizeof block) && ::fsync(fd) == 0;
  const std::string err = ok ? "" : std::strerror(errno);
  ::close(fd);
  ::unlink(probe.c_str());
  return err;
}

}  // namespace

void render_figure(const Figure& f, const std::string& dir, const std::string& gnuplot) {
  records::write_atomic(fs::path(dir) / (f.id + ".csv"), figure_csv(f));
  records::write_atomic(fs::path(dir) / (f.id + ".gp"), figure_gnuplot(f));
  std::string out;
  const int rc = run_in(dir, {gnuplot, f.id + ".gp"}, out);
  if (rc == 127)
    throw std::runtime_error("cannot run '" + gnuplot + "' (install gnuplot-nox: run tools/setup.sh)");
  if (rc != 0)
    throw std::runtime_error("gnuplot failed on figure " + f.id + " (" +
                             (rc > 128 ? "killed by signal " + std::to_string(rc - 128) : "exit " + std::to_string(rc)) +
                             ")" + (out.empty() ? std::string() : ":\n" + out));
  for (const char* ext : {".png", ".svg", ".pdf"}) {
    const fs::path p = fs::path(dir) / (f.id + ext);
    std::error_code ec;
    if (fs::exists(p, ec) && fs::file_size(p, ec) > 0) continue;
    // Most often the disk is full or read-only: say so in the OS's words.
    const std::string why = writable(dir);
    throw std::runtime_error("gnuplot left " + p.string() + " missing or empty" +
                             (why.empty() ? std::string() : ": " + dir + " cannot be written (" + why + ")") +
                             (out.empty() ? std::string() : "; gnuplot said:\n" + out));
  }
}

}  // namespace lrb::reports
