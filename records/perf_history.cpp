#include "records/perf_history.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <set>
#include <tuple>

#include "datasets/sha256.hpp"
#include "records/json_file.hpp"

namespace lrb::records::perf_history {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

bool cache_less(const CacheInfo& a, const CacheInfo& b) {
  return std::tie(a.type, a.level, a.size, a.num_sharing) < std::tie(b.type, b.level, b.size, b.num_sharing);
}

json identity_json(const MachineIdentity& m) {
  json caches = json::array();
  for (const auto& c : m.caches) caches.push_back(json::array({c.type, c.level, c.size, c.num_sharing}));
  return {{"caches", caches}, {"cpu_model", m.cpu_model}, {"num_cpus", m.num_cpus}};
}

MachineIdentity identity_from(const Fields& f) {
  MachineIdentity m;
  m.cpu_model = f.str("cpu_model");
  m.num_cpus = f.integer("num_cpus");
  const json& caches = f.array("caches");
  for (size_t i = 0; i < caches.size(); ++i) {
    const json& c = caches[i];
    const std::string where = f.where("caches") + "[" + std::to_string(i) + "]";
    if (!c.is_array() || c.size() != 4 || !c[0].is_string() || !c[1].is_number_integer() ||
        !c[2].is_number_integer() || !c[3].is_number_integer())
      throw FormatError(f.path(), where, "expected [type, level, size, num_sharing], found " + excerpt(c));
    m.caches.push_back({c[0].get<std::string>(), c[1].get<int64_t>(), c[2].get<int64_t>(), c[3].get<int64_t>()});
  }
  std::sort(m.caches.begin(), m.caches.end(), cache_less);
  return m;
}

void check_schema(const Fields& f) {
  const int64_t schema = f.integer("schema");
  if (schema != kSchema)
    f.fail("schema", "schema " + std::to_string(schema) + " is not one this lrbench reads (" +
                         std::to_string(kSchema) + ")");
}

std::optional<std::string> optional_commit(const Fields& f, const char* key) {
  if (!f.has(key) || f.any(key).is_null()) return std::nullopt;
  const std::string& s = f.str(key);
  if (!is_commit_id(s)) f.fail(key, "expected a commit id (40 or 64 lowercase hex digits), found \"" + s + "\"");
  return s;
}

std::string commit_field(const Fields& f, const char* key) {
  const std::string& s = f.str(key);
  if (!is_commit_id(s)) f.fail(key, "expected a commit id (40 or 64 lowercase hex digits), found \"" + s + "\"");
  return s;
}

json optional_json(const std::optional<std::string>& s) { return s ? json(*s) : json(); }

// days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

}  // namespace

// ---- identity ---------------------------------------------------------------------

MachineIdentity machine_identity(const BenchmarkContext& context, const std::string& path) {
  if (!context.num_cpus)
    throw FormatError(path, "context.num_cpus",
                      "missing: the machine is identified by its CPU model, core count and caches "
                      "(Google Benchmark writes num_cpus in every context)");
  MachineIdentity m;
  const auto it = context.raw.find("cpu_model");
  if (it != context.raw.end() && it->is_string() && !it->get<std::string>().empty()) m.cpu_model = *it;
  m.num_cpus = *context.num_cpus;
  m.caches = context.caches;
  std::sort(m.caches.begin(), m.caches.end(), cache_less);
  return m;
}

bool operator==(const MachineIdentity& a, const MachineIdentity& b) {
  return canonical_identity(a) == canonical_identity(b);
}

std::string canonical_identity(const MachineIdentity& m) { return identity_json(m).dump(); }

std::string machine_key(const MachineIdentity& m) {
  const std::string text = canonical_identity(m);
  return data::sha256_hex({reinterpret_cast<const uint8_t*>(text.data()), text.size()}).substr(0, 8);
}

std::string machine_slug(const MachineIdentity& m) {
  std::string slug;
  if (m.cpu_model != "unknown") {
    bool dash = false;
    for (const char c : m.cpu_model) {
      const char l = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if ((l >= 'a' && l <= 'z') || (l >= '0' && l <= '9')) {
        if (dash && !slug.empty()) slug += '-';
        slug += l;
        dash = false;
      } else {
        dash = true;
      }
    }
    if (slug.size() > 32) slug.resize(32);
    while (!slug.empty() && slug.back() == '-') slug.pop_back();
  }
  if (slug.empty()) slug = "unknown-cpu";
  return slug + "-" + std::to_string(m.num_cpus) + "cpu";
}

std::string machine_id(const MachineIdentity& m, int generation) {
  return machine_slug(m) + "-" + machine_key(m) + "-g" + std::to_string(generation);
}

bool calibration_matches(const MachineCalibration& ref, const MachineCalibration& x, double tolerance) {
  const double limit = std::log1p(tolerance);
  auto near = [&](double a, double b) { return a > 0 && b > 0 && std::fabs(std::log(b / a)) <= limit; };
  return near(ref.fma_peak_flops, x.fma_peak_flops) &&
         near(ref.stream_triad_bytes_per_second, x.stream_triad_bytes_per_second);
}

// ---- machine.json -------------------------------------------------------------------

json to_json(const MachineFile& m) {
  return {{"schema", kSchema},
          {"id", m.id},
          {"identity", identity_json(m.identity)},
          {"calibration",
           {{"fma_peak_flops", m.calibration.fma_peak_flops},
            {"stream_triad_bytes_per_second", m.calibration.stream_triad_bytes_per_second}}},
          {"tolerance", m.tolerance},
          {"created", m.created}};
}

MachineFile read_machine_file(const fs::path& path) {
  const json j = read_json(path, "a perf-history machine.json");
  const Fields f(j, path.string());
  check_schema(f);
  MachineFile m;
  m.id = f.str("id");
  m.identity = identity_from(f.sub("identity"));
  const Fields c = f.sub("calibration");
  m.calibration.fma_peak_flops = c.number("fma_peak_flops");
  m.calibration.stream_triad_bytes_per_second = c.number("stream_triad_bytes_per_second");
  if (!(m.calibration.fma_peak_flops > 0) || !(m.calibration.stream_triad_bytes_per_second > 0) ||
      !std::isfinite(m.calibration.fma_peak_flops) || !std::isfinite(m.calibration.stream_triad_bytes_per_second))
    f.fail("calibration", "both rates must be positive and finite, found " + excerpt(f.any("calibration")));
  m.tolerance = f.number("tolerance");
  if (!(m.tolerance > 0 && m.tolerance < 10)) f.fail("tolerance", "expected a number in (0, 10), found " + excerpt(f.any("tolerance")));
  m.created = f.str("created");
  return m;
}

// ---- index.json -----------------------------------------------------------------------

json to_json(const IndexFile& index) {
  json commits = json::array();
  for (const auto& e : index.commits)
    commits.push_back({{"commit", e.commit}, {"parent", optional_json(e.parent)}, {"time", e.time},
                       {"subject", e.subject}, {"file", e.file}, {"recorded", e.recorded},
                       {"benchmarks", e.benchmarks}, {"rows", e.rows}});
  return {{"schema", kSchema}, {"machine", index.machine}, {"commits", commits}};
}

IndexFile read_index_file(const fs::path& path) {
  const json j = read_json(path, "a perf-history index.json");
  const Fields f(j, path.string());
  check_schema(f);
  IndexFile index;
  index.machine = f.str("machine");
  const size_t n = f.array("commits").size();
  for (size_t i = 0; i < n; ++i) {
    const Fields e = f.element("commits", i);
    IndexEntry x;
    x.commit = commit_field(e, "commit");
    x.parent = optional_commit(e, "parent");
    x.time = e.str("time");
    if (!parse_iso8601(x.time)) e.fail("time", "expected an ISO 8601 time, found \"" + x.time + "\"");
    x.subject = e.has("subject") ? e.str("subject") : "";
    x.file = e.str("file");
    if (x.file != "commits/" + x.commit + ".json")
      e.fail("file", "expected \"commits/" + x.commit + ".json\", found \"" + x.file + "\"");
    x.recorded = e.str("recorded");
    x.benchmarks = e.integer("benchmarks");
    x.rows = e.integer("rows");
    index.commits.push_back(std::move(x));
  }
  return index;
}

// ---- the record's block -------------------------------------------------------------------

json to_json(const RecordMeta& m) {
  return {{"schema", kSchema},   {"commit", m.commit},     {"parent", optional_json(m.parent)},
          {"time", m.time},      {"subject", m.subject},   {"machine", m.machine},
          {"sources", m.sources}, {"source_rows", m.source_rows}, {"recorded", m.recorded}};
}

RecordMeta read_record_meta(const json& record, const std::string& path) {
  const Fields root(record, path);
  const Fields f = root.sub("context").sub(kMetaKey);
  check_schema(f);
  RecordMeta m;
  m.commit = commit_field(f, "commit");
  m.parent = optional_commit(f, "parent");
  m.time = f.str("time");
  m.subject = f.has("subject") ? f.str("subject") : "";
  m.machine = f.str("machine");
  m.recorded = f.str("recorded");
  m.sources = f.strings("sources");
  const json& rows = f.array("source_rows");
  for (size_t i = 0; i < rows.size(); ++i) {
    if (!rows[i].is_number_integer() || rows[i].get<int64_t>() < 0)
      f.fail("source_rows[" + std::to_string(i) + "]", "expected a row count, found " + excerpt(rows[i]));
    m.source_rows.push_back(rows[i].get<int64_t>());
  }
  if (m.source_rows.size() != m.sources.size())
    f.fail("source_rows", std::to_string(m.source_rows.size()) + " counts for " + std::to_string(m.sources.size()) +
                              " sources");
  return m;
}

// ---- values -----------------------------------------------------------------------------

bool is_commit_id(std::string_view s) {
  if (s.size() != 40 && s.size() != 64) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

std::optional<double> parse_iso8601(std::string_view s) {
  auto digits = [&](size_t at, size_t n) -> std::optional<int> {
    if (at + n > s.size()) return std::nullopt;
    int v = 0;
    for (size_t i = at; i < at + n; ++i) {
      if (s[i] < '0' || s[i] > '9') return std::nullopt;
      v = v * 10 + (s[i] - '0');
    }
    return v;
  };
  auto is = [&](size_t at, char c) { return at < s.size() && s[at] == c; };
  const auto y = digits(0, 4), mo = digits(5, 2), d = digits(8, 2), h = digits(11, 2), mi = digits(14, 2),
             se = digits(17, 2);
  if (!y || !mo || !d || !h || !mi || !se || !is(4, '-') || !is(7, '-') || !(is(10, 'T') || is(10, 't')) ||
      !is(13, ':') || !is(16, ':'))
    return std::nullopt;
  static constexpr int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (*mo < 1 || *mo > 12 || *d < 1 || *d > kDays[*mo - 1] || *h > 23 || *mi > 59 || *se > 60) return std::nullopt;
  const bool leap = (*y % 4 == 0 && *y % 100 != 0) || *y % 400 == 0;
  if (*mo == 2 && *d == 29 && !leap) return std::nullopt;
  size_t at = 19;
  double fraction = 0;
  if (is(at, '.')) {
    double scale = 0.1;
    size_t k = ++at;
    while (at < s.size() && s[at] >= '0' && s[at] <= '9') {
      fraction += scale * (s[at] - '0');
      scale /= 10;
      ++at;
    }
    if (at == k) return std::nullopt;
  }
  int offset = 0;
  if (is(at, 'Z') || is(at, 'z')) {
    ++at;
  } else if (is(at, '+') || is(at, '-')) {
    const int sign = s[at] == '-' ? -1 : 1;
    const auto oh = digits(at + 1, 2), om = digits(at + 4, 2);
    if (!oh || !om || !is(at + 3, ':') || *oh > 23 || *om > 59) return std::nullopt;
    offset = sign * (*oh * 3600 + *om * 60);
    at += 6;
  } else {
    return std::nullopt;
  }
  if (at != s.size()) return std::nullopt;
  const int64_t days = days_from_civil(*y, static_cast<unsigned>(*mo), static_cast<unsigned>(*d));
  return static_cast<double>(days * 86400 + *h * 3600 + *mi * 60 + *se - offset) + fraction;
}

// ---- the parent order ----------------------------------------------------------------------

std::vector<Ordered> parent_order(const IndexFile& index, const std::string& path) {
  const auto& e = index.commits;
  std::map<std::string, size_t> at;
  for (size_t i = 0; i < e.size(); ++i) {
    const auto [it, fresh] = at.emplace(e[i].commit, i);
    if (!fresh)
      throw FormatError(path, "commits[" + std::to_string(i) + "].commit",
                        "commit " + e[i].commit + " is listed twice (also commits[" + std::to_string(it->second) + "])");
  }
  std::map<size_t, size_t> child;  // recorded parent -> its recorded child
  std::vector<size_t> starts;
  for (size_t i = 0; i < e.size(); ++i) {
    const auto p = e[i].parent ? at.find(*e[i].parent) : at.end();
    if (p == at.end()) {
      starts.push_back(i);
      continue;
    }
    const auto [it, fresh] = child.emplace(p->second, i);
    if (!fresh)
      throw FormatError(path, "commits[" + std::to_string(i) + "].parent",
                        "commit " + *e[i].parent + " has two recorded children, " + e[it->second].commit + " and " +
                            e[i].commit + ": the store holds one first-parent line (record branches in another store)");
  }
  std::vector<double> time(e.size());
  for (size_t i = 0; i < e.size(); ++i) {
    const auto t = parse_iso8601(e[i].time);
    if (!t) throw FormatError(path, "commits[" + std::to_string(i) + "].time", "not an ISO 8601 time: \"" + e[i].time + "\"");
    time[i] = *t;
  }
  std::sort(starts.begin(), starts.end(), [&](size_t a, size_t b) {
    return std::tie(time[a], e[a].commit) < std::tie(time[b], e[b].commit);
  });
  std::vector<Ordered> out;
  for (size_t s : starts) {
    for (size_t i = s;;) {
      out.push_back({i, !out.empty() && i == s});
      const auto c = child.find(i);
      if (c == child.end()) break;
      i = c->second;
    }
  }
  if (out.size() != e.size()) {
    std::set<size_t> seen;
    for (const auto& o : out) seen.insert(o.entry);
    size_t i = 0;
    while (seen.count(i)) ++i;
    throw FormatError(path, "commits[" + std::to_string(i) + "].parent",
                      "commit " + e[i].commit + " is its own ancestor (the parents form a cycle)");
  }
  return out;
}

// ---- the store on disk -------------------------------------------------------------------------

std::vector<fs::path> machine_dirs(const fs::path& store) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (fs::directory_iterator it(store, ec), end; !ec && it != end; it.increment(ec)) {
    if (!it->is_directory()) continue;
    const fs::path d = it->path();
    if (fs::exists(d / "machine.json")) {
      out.push_back(d);
    } else if (fs::exists(d / "index.json") || fs::exists(d / "commits")) {
      throw FormatError((d / "machine.json").string(), "",
                        "missing: " + d.string() + " holds perf-history records but not the machine.json that "
                        "says which machine they are from");
    }
  }
  if (ec) throw FormatError(store.string(), "", "cannot be listed (" + ec.message() + ")");
  std::sort(out.begin(), out.end());
  return out;
}

StoredMachine read_machine_dir(const fs::path& dir) {
  StoredMachine m;
  m.dir = dir;
  const fs::path mpath = dir / "machine.json";
  m.machine = read_machine_file(mpath);
  const std::string name = dir.filename().string();
  if (m.machine.id != name)
    throw FormatError(mpath.string(), "id", "\"" + m.machine.id + "\" is not its directory's name \"" + name + "\"");
  const std::string prefix = machine_slug(m.machine.identity) + "-" + machine_key(m.machine.identity) + "-g";
  const bool generation = name.size() > prefix.size() && name.compare(0, prefix.size(), prefix) == 0 &&
                          std::all_of(name.begin() + static_cast<long>(prefix.size()), name.end(),
                                      [](char c) { return c >= '0' && c <= '9'; });
  if (!generation)
    throw FormatError(mpath.string(), "identity",
                      "this identity belongs in a directory " + prefix + "<n>, not " + name + " (" +
                          canonical_identity(m.machine.identity) + ")");
  const fs::path ipath = dir / "index.json";
  if (fs::exists(ipath)) {
    m.index = read_index_file(ipath);
    if (m.index.machine != m.machine.id)
      throw FormatError(ipath.string(), "machine",
                        "\"" + m.index.machine + "\" is not this directory's machine \"" + m.machine.id + "\"");
    m.order = parent_order(m.index, ipath.string());
  } else {
    m.index.machine = m.machine.id;
  }
  std::set<std::string> listed;
  for (const auto& e : m.index.commits) listed.insert(e.file);
  std::error_code ec;
  for (fs::directory_iterator it(dir / "commits", ec), end; !ec && it != end; it.increment(ec)) {
    const std::string f = "commits/" + it->path().filename().string();
    if (it->path().extension() == ".json" && it->path().filename().string()[0] != '.' && !listed.count(f))
      m.unlisted.push_back((dir / f).string());
  }
  std::sort(m.unlisted.begin(), m.unlisted.end());
  return m;
}

StoredRecord read_record(const StoredMachine& m, const IndexEntry& entry) {
  StoredRecord r;
  const fs::path p = m.dir / entry.file;
  r.path = p.string();
  std::error_code ec;
  if (!fs::exists(p, ec))
    throw FormatError(r.path, "",
                      "missing: index.json lists commit " + entry.commit + " but its record is not there "
                      "(restore the file, or remove the commit from index.json)");
  const json j = read_json(p, "a perf-history record (Google Benchmark JSON)");
  r.file = parse_benchmark_json(j, r.path);
  r.meta = read_record_meta(j, r.path);
  const std::string where = std::string("context.") + kMetaKey;
  if (r.meta.commit != entry.commit)
    throw FormatError(r.path, where + ".commit",
                      "the record is of commit " + r.meta.commit + ", its index entry says " + entry.commit);
  if (r.meta.machine != m.machine.id)
    throw FormatError(r.path, where + ".machine",
                      "the record is from machine " + r.meta.machine + ", but it is stored under " + m.machine.id +
                          " (histories of different machines never mix)");
  if (r.meta.parent != entry.parent)
    throw FormatError(r.path, where + ".parent",
                      "the record's parent " + r.meta.parent.value_or("(none)") + " is not its index entry's " +
                          entry.parent.value_or("(none)"));
  int64_t total = 0;
  for (const int64_t n : r.meta.source_rows) total += n;
  if (total != static_cast<int64_t>(r.file.runs.size()))
    throw FormatError(r.path, where + ".source_rows",
                      "the sources add up to " + std::to_string(total) + " rows, the record has " +
                          std::to_string(r.file.runs.size()));
  const MachineIdentity id = machine_identity(r.file.context, r.path);
  if (!(id == m.machine.identity))
    throw FormatError(r.path, "context",
                      "its machine identity " + canonical_identity(id) + " is not " + m.machine.id + "'s " +
                          canonical_identity(m.machine.identity));
  r.raw_rows = j["benchmarks"];
  return r;
}

// ---- writers ----------------------------------------------------------------------------------

void write_machine_file(const fs::path& dir, const MachineFile& m) {
  write_atomic(dir / "machine.json", to_json(m).dump(1) + "\n");
}

void write_index_file(const fs::path& dir, const IndexFile& index) {
  write_atomic(dir / "index.json", to_json(index).dump(1) + "\n");
}

void write_record(const fs::path& dir, const json& context, const RecordMeta& meta, const json& rows) {
  json c = context.is_object() ? context : json::object();
  c[kMetaKey] = to_json(meta);
  // One row per line: small, and a data branch's diffs stay readable.
  std::string text = "{\"context\": " + c.dump(1) + ",\n\"benchmarks\": [";
  for (size_t i = 0; i < rows.size(); ++i) text += (i ? ",\n" : "\n") + rows[i].dump();
  text += "\n]}\n";
  write_atomic(dir / "commits" / (meta.commit + ".json"), text);
}

}  // namespace lrb::records::perf_history
