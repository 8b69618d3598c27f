// The legacy parsers follow pprof's profile/legacy_profile.go and legacy_java_profile.go step by
// step (same recognisers, same scaling, same id renumbering), on a small pprof-shaped
// intermediate (`Raw*`) that is converted into a model::Profile at the end.
#include "parsers/pprof/legacy.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "model/profile_builder.h"
#include "parsers/pprof/legacy_regex.h"

namespace profkit::parsers {

namespace {

using legacy_regex::Regex;
using model::ErrorCode;

// ---------------------------------------------------------------------------------------------
// The intermediate profile (pointers, like pprof's own structs, so the ported passes read alike)

struct RawMapping {
  uint64_t id = 0, start = 0, limit = 0, offset = 0;
  std::string file, build_id;
};
struct RawFunction {
  uint64_t id = 0;
  std::string name, system_name, filename;
};
struct RawLine {
  RawFunction* function = nullptr;
  int64_t line = 0;
};
struct RawLocation {
  uint64_t id = 0;
  RawMapping* mapping = nullptr;
  uint64_t address = 0;
  std::vector<RawLine> lines;
};
struct RawSample {
  std::vector<RawLocation*> locations;
  std::vector<int64_t> values;
  std::vector<std::pair<std::string, int64_t>> num_labels;  // key, value (no units in legacy)
};
struct RawProfile {
  std::vector<std::pair<std::string, std::string>> sample_types;
  std::pair<std::string, std::string> period_type;
  int64_t period = 0;
  int64_t duration_nanos = 0;
  std::string drop_frames, keep_frames;
  std::vector<RawSample> samples;
  std::vector<RawLocation*> locations;
  std::vector<RawMapping*> mappings;
  std::vector<RawFunction*> functions;

  std::deque<RawLocation> location_pool;
  std::deque<RawMapping> mapping_pool;
  std::deque<RawFunction> function_pool;

  RawLocation* new_location(uint64_t address) {
    location_pool.push_back(RawLocation{0, nullptr, address, {}});
    locations.push_back(&location_pool.back());
    return &location_pool.back();
  }
};

// Outcome of one parser: recognised and parsed, not this parser's format, or malformed.
struct Failure {
  bool unrecognized = true;
  std::string message;
  int64_t line = -1;
};
template <class T>
using Try = std::expected<T, Failure>;
std::unexpected<Failure> unrecognized() { return std::unexpected(Failure{}); }
std::unexpected<Failure> malformed(std::string message, int64_t line = -1) {
  return std::unexpected(Failure{false, std::move(message), line});
}

// ---------------------------------------------------------------------------------------------
// Text helpers with Go semantics

// Go's int64 arithmetic wraps on overflow; C++'s is undefined, so wrap explicitly.
int64_t mul(int64_t a, int64_t b) { return static_cast<int64_t>(static_cast<uint64_t>(a) * static_cast<uint64_t>(b)); }
int64_t div(int64_t a, int64_t b) { return (a == INT64_MIN && b == -1) ? INT64_MIN : a / b; }
// Go's float64 -> int64 conversion on amd64: out of range (or NaN) gives the minimum int64.
int64_t to_int64(double v) {
  if (!(v >= -9223372036854775808.0 && v < 9223372036854775808.0)) return INT64_MIN;
  return static_cast<int64_t>(v);
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }
bool contains(std::string_view s, std::string_view p) { return s.find(p) != std::string_view::npos; }

bool is_space_or_comment(std::string_view line) {
  std::string_view t = trim(line);
  return t.empty() || t[0] == '#';
}

// strconv.ParseInt / ParseUint with base 10, 16 or 0 (prefix decides).
std::optional<int64_t> parse_int(std::string_view s, int base = 10) {
  bool neg = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  if (base == 0) {
    base = 10;
    if (s.size() > 1 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) base = 16, s.remove_prefix(2);
    else if (s.size() > 1 && s[0] == '0') base = 8, s.remove_prefix(1);
  }
  if (s.empty()) return std::nullopt;
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  if (neg ? v > uint64_t{1} << 63 : v > uint64_t(INT64_MAX)) return std::nullopt;
  return neg ? static_cast<int64_t>(0 - v) : static_cast<int64_t>(v);
}
std::optional<uint64_t> parse_uint(std::string_view s, int base) {
  if (base == 0) {
    base = 10;
    if (s.size() > 1 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) base = 16, s.remove_prefix(2);
    else if (s.size() > 1 && s[0] == '0') base = 8, s.remove_prefix(1);
  }
  if (s.empty()) return std::nullopt;
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

// bufio.Scanner with ScanLines: lines without "\n" and a trailing "\r"; text() is "" after the end.
class Scanner {
 public:
  explicit Scanner(std::string_view text) : text_(text) {}
  bool scan() {
    if (pos_ >= text_.size()) {
      line_ = {};
      return false;
    }
    size_t nl = text_.find('\n', pos_);
    size_t end = nl == std::string_view::npos ? text_.size() : nl;
    line_ = text_.substr(pos_, end - pos_);
    if (!line_.empty() && line_.back() == '\r') line_.remove_suffix(1);
    pos_ = nl == std::string_view::npos ? text_.size() : nl + 1;
    ++number_;
    return true;
  }
  std::string_view text() const { return line_; }
  int64_t line_number() const { return number_; }

 private:
  std::string_view text_;
  size_t pos_ = 0;
  std::string_view line_;
  int64_t number_ = 0;
};

// ---------------------------------------------------------------------------------------------
// The recognisers (pprof's regular expressions)

struct Patterns {
  Regex count_start{R"(\A(\S+) profile: total \d+\z)"};
  Regex heap_header{R"(heap profile: *(\d+): *(\d+) *\[ *(\d+): *(\d+) *\] *@ *(heap[_a-z0-9]*)/?(\d*))"};
  Regex heap_sample{R"((-?\d+): *(-?\d+) *\[ *(\d+): *(\d+) *] @([ x0-9a-f]*))"};
  Regex contention_sample{R"((\d+) *(\d+) @([ x0-9a-f]*))"};
  Regex growth_header{R"(heap profile: *(\d+): *(\d+) *\[ *(\d+): *(\d+) *\] @ growthz?)"};
  Regex fragmentation_header{R"(heap profile: *(\d+): *(\d+) *\[ *(\d+): *(\d+) *\] @ fragmentationz?)"};
  Regex threadz_start{R"(--- threadz \d+ ---)"};
  Regex thread_start{R"(--- Thread ([[:xdigit:]]+) \(name: (.*)/(\d+)\) stack: ---)"};
  Regex proc_maps{R"(^\s*(?:0x)?([[:xdigit:]]+)[\s-]?\s*(?:0x)?([[:xdigit:]]+):?(?:\s+([-rwxp]+))?(?:\s+([[:xdigit:]]+))?\s+[[:xdigit:]]+:[[:xdigit:]]+\s+[[:digit:]]+(?:\s+(\S+))?)"};
  Regex brief_maps{R"(^\s*(?:0x)?([[:xdigit:]]+)[\s-]?\s*(?:0x)?([[:xdigit:]]+):?(?:\s+([-rwxp]+))?(?:\s+(\S+))?(?:\s+\(@([[:xdigit:]]+)\))?(?:\s+([[:xdigit:]]+))?)"};
  Regex log_info{R"(^[^\[\]]+:[0-9]+]\s)"};
  Regex java_attribute{R"(([\w ]+)=([\w ]+))"};
  Regex java_sample{R"( *(\d+) +(\d+) +@ +([ x0-9a-f]*))"};
  Regex java_location{R"(^\s*0x([[:xdigit:]]+)\s+(.*)\s*$)"};
  Regex java_location_file_line{R"(^(.*)\s+\((.+):(-?[[:digit:]]+)\)$)"};
  Regex java_location_path{R"(^(.*)\s+\((.*)\)$)"};
};

const Patterns& re() {
  static const Patterns p;
  return p;
}

// `0x[0-9a-f]+` occurrences, each parsed as a 64-bit number.
Try<std::vector<uint64_t>> parse_hex_addresses(std::string_view s) {
  std::vector<uint64_t> out;
  for (size_t i = 0; i + 2 < s.size(); ++i) {
    if (s[i] != '0' || s[i + 1] != 'x') continue;
    size_t j = i + 2;
    while (j < s.size() && ((s[j] >= '0' && s[j] <= '9') || (s[j] >= 'a' && s[j] <= 'f'))) ++j;
    if (j == i + 2) continue;
    auto v = parse_uint(s.substr(i + 2, j - i - 2), 16);
    if (!v) return malformed(fmt::format("failed to parse as hex 64-bit number: {}", s.substr(i, j - i)));
    out.push_back(*v);
    i = j - 1;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Memory maps and id renumbering (ParseMemoryMapFromScanner and friends)

bool is_memory_map_sentinel(std::string_view line) {
  return contains(line, "--- Memory map: ---") || contains(line, "MAPPED_LIBRARIES:");
}

// Go's strings.Replacer with several pairs: at each position the first matching pair wins.
std::string replace_all(std::string_view s, const std::vector<std::pair<std::string, std::string>>& pairs) {
  if (pairs.empty()) return std::string(s);
  std::string out;
  for (size_t i = 0; i < s.size();) {
    bool hit = false;
    for (const auto& [from, to] : pairs) {
      if (!from.empty() && s.substr(i, from.size()) == from) {
        out += to;
        i += from.size();
        hit = true;
        break;
      }
    }
    if (!hit) out += s[i++];
  }
  return out;
}

// parseMappingEntry: a mapping, nullptr for a non-executable one, or unrecognized.
Try<std::optional<RawMapping>> parse_mapping_entry(std::string_view l) {
  if (l.size() > 4096) return unrecognized();  // no real map line is this long; bounds the matcher
  std::string_view start, end, perm, file, offset, build_id;
  if (auto m = re().proc_maps.find(l)) {
    start = (*m)[1], end = (*m)[2], perm = (*m)[3], offset = (*m)[4], file = (*m)[5];
  } else if (auto b = re().brief_maps.find(l)) {
    start = (*b)[1], end = (*b)[2], perm = (*b)[3], file = (*b)[4], offset = (*b)[5], build_id = (*b)[6];
  } else {
    return unrecognized();
  }
  if (!perm.empty() && !contains(perm, "x")) return std::optional<RawMapping>{};
  RawMapping m;
  m.file = std::string(file);
  m.build_id = std::string(build_id);
  auto s = parse_uint(start, 16), e = parse_uint(end, 16);
  if (!s || !e) return unrecognized();
  m.start = *s;
  m.limit = *e;
  if (!offset.empty()) {
    auto o = parse_uint(offset, 16);
    if (!o) return unrecognized();
    m.offset = *o;
  }
  return std::optional<RawMapping>(std::move(m));
}

std::string_view remove_logging_info(std::string_view line) {
  if (auto m = re().log_info.find(line)) return line.substr((*m)[0].size());
  return line;
}

bool lib_name(std::string_view file) {
  // ([.]so$|[.]so[._][0-9]+)
  for (size_t i = file.find(".so"); i != std::string_view::npos; i = file.find(".so", i + 1)) {
    if (i + 3 == file.size()) return true;
    if (i + 4 < file.size() && (file[i + 3] == '.' || file[i + 3] == '_') && file[i + 4] >= '0' && file[i + 4] <= '9')
      return true;
  }
  return false;
}

bool adjacent(const RawMapping& m1, const RawMapping& m2) {
  if (!m1.file.empty() && !m2.file.empty() && m1.file != m2.file) return false;
  if (!m1.build_id.empty() && !m2.build_id.empty() && m1.build_id != m2.build_id) return false;
  if (m1.limit != m2.start) return false;
  if (m1.offset != 0 && m2.offset != 0) {
    uint64_t offset = m1.offset + (m1.limit - m1.start);
    if (offset != m2.offset) return false;
  }
  return true;
}

void massage_mappings(RawProfile& p) {
  if (p.mappings.size() > 1) {
    std::vector<RawMapping*> mappings{p.mappings[0]};
    for (size_t i = 1; i < p.mappings.size(); ++i) {
      RawMapping* m = p.mappings[i];
      RawMapping* lm = mappings.back();
      if (adjacent(*lm, *m)) {
        lm->limit = m->limit;
        if (!m->file.empty()) lm->file = m->file;
        if (!m->build_id.empty()) lm->build_id = m->build_id;
        for (RawLocation* l : p.locations)
          if (l->mapping == m) l->mapping = lm;
        continue;
      }
      mappings.push_back(m);
    }
    p.mappings = mappings;
  }
  for (size_t i = 0; i < p.mappings.size(); ++i) {
    std::string file = p.mappings[i]->file;
    for (size_t at; (at = file.find("(deleted)")) != std::string::npos;) file.erase(at, 9);
    std::string_view f = trim(file);
    if (f.empty() || lib_name(f) || f[0] == '[') continue;
    std::swap(p.mappings[0], p.mappings[i]);
    break;
  }
  for (size_t i = 0; i < p.mappings.size(); ++i) p.mappings[i]->id = i + 1;
}

void remap_location_ids(RawProfile& p) {
  std::vector<RawLocation*> locs;
  std::unordered_map<RawLocation*, bool> seen;
  for (const RawSample& s : p.samples) {
    for (RawLocation* l : s.locations) {
      if (seen[l]) continue;
      l->id = locs.size() + 1;
      locs.push_back(l);
      seen[l] = true;
    }
  }
  p.locations = locs;
}

void remap_function_ids(RawProfile& p) {
  std::vector<RawFunction*> fns;
  std::unordered_map<RawFunction*, bool> seen;
  for (RawLocation* l : p.locations) {
    for (const RawLine& ln : l->lines) {
      RawFunction* fn = ln.function;
      if (!fn || seen[fn]) continue;
      fn->id = fns.size() + 1;
      fns.push_back(fn);
      seen[fn] = true;
    }
  }
  p.functions = fns;
}

void remap_mapping_ids(RawProfile& p) {
  if (!p.mappings.empty()) {
    RawMapping* m = p.mappings[0];
    if (starts_with(m->file, "/anon_hugepage") && p.mappings.size() > 1 && m->limit == p.mappings[1]->start)
      p.mappings.erase(p.mappings.begin());
  }
  if (!p.mappings.empty()) {
    constexpr uint64_t kExpectedStart = 0x400000;
    RawMapping* m = p.mappings[0];
    if (m->start - m->offset == kExpectedStart) {
      m->start = kExpectedStart;
      m->offset = 0;
    }
  }
  RawMapping* fake = nullptr;
  for (RawLocation* l : p.locations) {
    uint64_t a = l->address;
    if (l->mapping || a == 0) continue;
    bool found = false;
    for (RawMapping* m : p.mappings) {
      if (m->start <= a && a < m->limit) {
        l->mapping = m;
        found = true;
        break;
      }
    }
    if (found) continue;
    for (RawMapping* m : p.mappings) {
      if (m->offset != 0 && m->start - m->offset <= a && a < m->start) {
        m->start -= m->offset;
        m->offset = 0;
        l->mapping = m;
        found = true;
        break;
      }
    }
    if (found) continue;
    if (!fake) {
      p.mapping_pool.push_back(RawMapping{1, 0, ~uint64_t{0}, 0, {}, {}});
      fake = &p.mapping_pool.back();
      p.mappings.push_back(fake);
    }
    l->mapping = fake;
  }
  for (size_t i = 0; i < p.mappings.size(); ++i) p.mappings[i]->id = i + 1;
}

// ParseMemoryMapFromScanner: mappings from the remaining lines, then renumbering.
void parse_memory_map(Scanner& s, RawProfile& p) {
  std::vector<std::pair<std::string, std::string>> attrs;
  while (s.scan()) {
    std::string line = replace_all(remove_logging_info(s.text()), attrs);
    auto m = parse_mapping_entry(line);
    if (!m) {
      // Assignments "attr=value" define $attr for later lines.
      size_t eq = line.find('=');
      if (eq != std::string::npos) {
        attrs.emplace_back("$" + std::string(trim(std::string_view(line).substr(0, eq))),
                           std::string(trim(std::string_view(line).substr(eq + 1))));
      }
      continue;
    }
    if (!*m) continue;
    p.mapping_pool.push_back(std::move(**m));
    p.mappings.push_back(&p.mapping_pool.back());
  }
  massage_mappings(p);
  remap_location_ids(p);
  remap_function_ids(p);
  remap_mapping_ids(p);
}

void parse_additional_sections(Scanner& s, RawProfile& p) {
  while (!is_memory_map_sentinel(s.text()) && s.scan()) {
  }
  parse_memory_map(s, p);
}

void cleanup_duplicate_locations(RawProfile& p) {
  for (RawSample& s : p.samples) {
    if (s.locations.size() > 1 && s.locations[0]->address == s.locations[1]->address + 1)
      s.locations.erase(s.locations.begin() + 1);
  }
}

// Interns a location per address within one parse.
struct LocationMap {
  RawProfile& p;
  std::unordered_map<uint64_t, RawLocation*> by_address;
  RawLocation* get(uint64_t addr) {
    auto [it, inserted] = by_address.try_emplace(addr, nullptr);
    if (inserted) it->second = p.new_location(addr);
    return it->second;
  }
};

// ---------------------------------------------------------------------------------------------
// Go count profiles (goroutine, threadcreate)

bool valid_count_line(std::string_view line, int64_t& n, std::vector<uint64_t>& addrs) {
  // \A(\d+) @(( 0x[0-9a-f]+)+)\z
  size_t i = 0;
  while (i < line.size() && line[i] >= '0' && line[i] <= '9') ++i;
  if (i == 0 || line.substr(i, 2) != " @") return false;
  auto v = parse_int(line.substr(0, i), 0);
  std::string_view rest = line.substr(i + 2);
  // pprof requires at least one address; Go writes "N @" for stackless records (threadcreate
  // profiles in particular), so an empty stack is accepted here.
  addrs.clear();
  size_t j = 0;
  while (j < rest.size()) {
    if (rest.substr(j, 3) != " 0x") return false;
    size_t k = j + 3;
    while (k < rest.size() && ((rest[k] >= '0' && rest[k] <= '9') || (rest[k] >= 'a' && rest[k] <= 'f'))) ++k;
    if (k == j + 3) return false;
    auto a = parse_uint(rest.substr(j + 3, k - j - 3), 16);
    if (!a) return false;
    addrs.push_back(*a);
    j = k;
  }
  if (!v) return false;  // ParseInt(m[1], 0, 64) failed (a leading 0 makes it octal)
  n = *v;
  return true;
}

Try<RawProfile> parse_go_count(std::string_view text) {
  Scanner s(text);
  while (s.scan() && is_space_or_comment(s.text())) {
  }
  auto m = re().count_start.find(s.text());
  if (!m) return unrecognized();
  RawProfile p;
  std::string type((*m)[1]);
  p.period_type = {type, "count"};
  p.period = 1;
  p.sample_types = {{type, "count"}};
  LocationMap locs{p, {}};
  std::vector<uint64_t> addrs;
  while (s.scan()) {
    std::string_view line = s.text();
    if (is_space_or_comment(line)) continue;
    if (starts_with(line, "---")) break;
    int64_t n = 0;
    if (!valid_count_line(line, n, addrs))
      return malformed(fmt::format("malformed {} profile line: {}", type, line.substr(0, 200)), s.line_number());
    RawSample sample;
    sample.values = {n};
    for (uint64_t a : addrs) sample.locations.push_back(locs.get(a - 1));  // land on the call
    p.samples.push_back(std::move(sample));
  }
  parse_additional_sections(s, p);
  return p;
}

// ---------------------------------------------------------------------------------------------
// Binary CPU profiles

struct WordReader {
  int size;  // 4 or 8
  bool big_endian;
  // Returns nullopt at the end (pprof's (0, nil)).
  std::optional<uint64_t> get(std::span<const uint8_t>& b) const {
    if (b.size() < static_cast<size_t>(size)) {
      b = {};
      return std::nullopt;
    }
    uint64_t v = 0;
    for (int i = 0; i < size; ++i) {
      int shift = big_endian ? 8 * (size - 1 - i) : 8 * i;
      v |= uint64_t{b[i]} << shift;
    }
    b = b.subspan(size);
    return v;
  }
};

constexpr WordReader kWordReaders[] = {{4, false}, {4, true}, {8, false}, {8, true}};

// The header words; nullopt when the bytes are not a CPU profile. `java` tells the flavour.
std::optional<std::pair<WordReader, uint64_t>> cpu_header(std::span<const uint8_t> b, bool& java,
                                                          std::span<const uint8_t>& rest) {
  for (const WordReader& r : kWordReaders) {
    std::span<const uint8_t> t = b;
    uint64_t n[5];
    bool ok = true;
    for (uint64_t& v : n) {
      auto w = r.get(t);
      if (!w) ok = false;
      v = w.value_or(0);
    }
    if (!ok) continue;
    if (n[0] == 0 && n[1] == 3 && (n[2] == 0 || n[2] == 1) && n[3] > 0 && n[4] == 0) {
      java = n[2] == 1;
      rest = t;
      return std::pair{r, n[3]};
    }
  }
  return std::nullopt;
}

Try<std::span<const uint8_t>> parse_cpu_samples(std::span<const uint8_t> b, const WordReader& r, bool adjust,
                                                RawProfile& p, LocationMap& locs) {
  bool ended_short = false;
  while (!b.empty()) {
    auto count = r.get(b);
    auto nstk = r.get(b);
    if (!count || !nstk || *nstk > b.size() / 4) return unrecognized();
    std::vector<uint64_t> addrs(static_cast<size_t>(*nstk));
    for (uint64_t& a : addrs) {
      auto w = r.get(b);
      if (!w) ended_short = true;
      a = w.value_or(0);
    }
    if (*count == 0 && *nstk == 1 && addrs[0] == 0) break;  // end-of-data marker
    RawSample s;
    for (size_t i = 0; i < addrs.size(); ++i) {
      uint64_t addr = addrs[i];
      if (adjust && i > 0) --addr;
      s.locations.push_back(locs.get(addr));
    }
    s.values = {static_cast<int64_t>(*count), mul(static_cast<int64_t>(*count), p.period)};
    p.samples.push_back(std::move(s));
    if (ended_short) break;
  }
  return b;
}

Try<RawProfile> parse_java_locations_and_finish(std::span<const uint8_t> b, LocationMap& locs, RawProfile p);

Try<RawProfile> parse_cpu(std::span<const uint8_t> bytes) {
  bool java = false;
  std::span<const uint8_t> b;
  auto header = cpu_header(bytes, java, b);
  if (!header) return unrecognized();
  auto [reader, period] = *header;
  RawProfile p;
  p.period = mul(static_cast<int64_t>(period), 1000);
  p.period_type = {"cpu", "nanoseconds"};
  p.sample_types = {{"samples", "count"}, {"cpu", "nanoseconds"}};
  LocationMap locs{p, {}};
  auto rest = parse_cpu_samples(b, reader, !java, p, locs);
  if (!rest) return std::unexpected(rest.error());
  if (java) return parse_java_locations_and_finish(*rest, locs, std::move(p));

  // Most samples sharing their second frame means a signal-handler artifact: drop it (twice).
  const size_t n = p.samples.size();
  const size_t margin = n / 32;
  for (int iter = 0; iter < 2; ++iter) {
    std::unordered_map<uint64_t, size_t> addr1;
    std::vector<uint64_t> order;
    for (const RawSample& s : p.samples) {
      if (s.locations.size() > 1) {
        uint64_t a = s.locations[1]->address;
        if (addr1[a]++ == 0) order.push_back(a);
      }
    }
    for (uint64_t id1 : order) {
      if (addr1[id1] >= n - margin) {
        for (RawSample& s : p.samples) {
          if (s.locations.size() > 1 && s.locations[1]->address == id1) s.locations.erase(s.locations.begin() + 1);
        }
        break;
      }
    }
  }
  std::string_view tail(reinterpret_cast<const char*>(rest->data()), rest->size());
  Scanner s(tail);
  parse_memory_map(s, p);
  cleanup_duplicate_locations(p);
  return p;
}

// ---------------------------------------------------------------------------------------------
// Heap profiles

std::pair<int64_t, int64_t> scale_heap_sample(int64_t count, int64_t size, int64_t rate) {
  if (count == 0 || size == 0) return {0, 0};
  if (rate <= 1) return {count, size};
  double avg = static_cast<double>(size) / static_cast<double>(count);
  double scale = 1 / (1 - std::exp(-avg / static_cast<double>(rate)));
  return {to_int64(static_cast<double>(count) * scale), to_int64(static_cast<double>(size) * scale)};
}

Try<RawProfile> parse_heap(std::string_view text) {
  Scanner s(text);
  if (!s.scan()) return unrecognized();
  RawProfile p;
  std::string sampling;
  bool has_alloc = false;
  std::string_view line = s.text();
  p.period_type = {"space", "bytes"};
  if (auto h = re().heap_header.find(line)) {
    const auto& g = *h;
    if (!g[6].empty()) {
      auto v = parse_int(g[6]);
      if (!v) return unrecognized();
      p.period = *v;
    }
    if ((g[3] != g[1] && g[3] != "0") || (g[4] != g[2] && g[4] != "0")) has_alloc = true;
    if (g[5] == "heapz_v2" || g[5] == "heap_v2") {
      sampling = "v2";
    } else if (g[5] == "heapprofile") {
      p.period = 1;
    } else if (g[5] == "heap") {
      sampling = "v2";
      p.period /= 2;
    } else {
      return unrecognized();
    }
  } else if (re().growth_header.find(line) || re().fragmentation_header.find(line)) {
    p.period = 1;
  } else {
    return unrecognized();
  }
  if (has_alloc) {
    // alloc before inuse, so that pprof's default (the last type) is inuse_space
    p.sample_types = {{"alloc_objects", "count"}, {"alloc_space", "bytes"}, {"inuse_objects", "count"}, {"inuse_space", "bytes"}};
  } else {
    p.sample_types = {{"objects", "count"}, {"space", "bytes"}};
  }
  LocationMap locs{p, {}};
  while (s.scan()) {
    std::string_view l = trim(s.text());
    if (is_space_or_comment(l)) continue;
    if (is_memory_map_sentinel(l)) break;
    auto m = re().heap_sample.find(l);
    if (!m) return malformed(fmt::format("malformed heap sample: {}", l.substr(0, 200)), s.line_number());
    const auto& g = *m;
    RawSample sample;
    int64_t blocksize = 0;
    auto add = [&](std::string_view cs, std::string_view ss, std::string_view label) -> Try<void> {
      auto count = parse_int(cs), size = parse_int(ss);
      if (!count || !size) return malformed(fmt::format("malformed sample: {}", l.substr(0, 200)), s.line_number());
      int64_t c = *count, z = *size;
      if (c == 0 && z != 0)
        return malformed(fmt::format("{} count was 0 but {} bytes was {}", label, label, z), s.line_number());
      if (c != 0) {
        blocksize = div(z, c);
        if (sampling == "v2") std::tie(c, z) = scale_heap_sample(c, z, p.period);
      }
      sample.values.push_back(c);
      sample.values.push_back(z);
      return {};
    };
    if (has_alloc) {
      if (auto ok = add(g[3], g[4], "allocation"); !ok) return std::unexpected(ok.error());
    }
    if (auto ok = add(g[1], g[2], "inuse"); !ok) return std::unexpected(ok.error());
    auto addrs = parse_hex_addresses(g[5]);
    if (!addrs) return malformed(addrs.error().message, s.line_number());
    for (uint64_t a : *addrs) sample.locations.push_back(locs.get(a - 1));
    sample.num_labels.emplace_back("bytes", blocksize);
    p.samples.push_back(std::move(sample));
  }
  parse_additional_sections(s, p);
  return p;
}

// ---------------------------------------------------------------------------------------------
// Contention profiles (Go mutex/block, gperftools contentionz)

Try<RawProfile> parse_contention(std::string_view text) {
  Scanner s(text);
  if (!s.scan()) return unrecognized();
  std::string_view first = s.text();
  if (!starts_with(first, "--- contentionz ") && !starts_with(first, "--- mutex:") && !starts_with(first, "--- contention:"))
    return unrecognized();
  RawProfile p;
  p.period_type = {"contentions", "count"};
  p.period = 1;
  p.sample_types = {{"contentions", "count"}, {"delay", "nanoseconds"}};
  int64_t cpu_hz = 0;
  while (s.scan()) {
    std::string_view line = trim(s.text());
    if (is_space_or_comment(line)) continue;
    if (starts_with(line, "---")) break;
    size_t eq = line.find('=');
    if (eq == std::string_view::npos) break;
    std::string_view key = trim(line.substr(0, eq)), val = trim(line.substr(eq + 1));
    if (key == "cycles/second") {
      auto v = parse_int(val, 0);
      if (!v) return unrecognized();
      cpu_hz = *v;
    } else if (key == "sampling period") {
      auto v = parse_int(val, 0);
      if (!v) return unrecognized();
      p.period = *v;
    } else if (key == "ms since reset") {
      auto v = parse_int(val, 0);
      if (!v) return unrecognized();
      p.duration_nanos = mul(*v, 1000 * 1000);
    } else if (key == "discarded samples") {
    } else {
      return unrecognized();  // includes "format" and "resolution": the Java flavour
    }
  }
  LocationMap locs{p, {}};
  while (true) {
    std::string_view line = trim(s.text());
    if (starts_with(line, "---")) break;
    if (!is_space_or_comment(line)) {
      auto m = re().contention_sample.find(line);
      if (!m) return malformed(fmt::format("malformed contention sample: {}", line.substr(0, 200)), s.line_number());
      auto v1 = parse_int((*m)[1]), v2 = parse_int((*m)[2]);
      if (!v1 || !v2) return malformed(fmt::format("malformed sample: {}", line.substr(0, 200)), s.line_number());
      int64_t delay = *v1, count = *v2;
      if (p.period > 0) {
        if (cpu_hz > 0) {
          double cpu_ghz = static_cast<double>(cpu_hz) / 1e9;
          delay = to_int64(static_cast<double>(delay) * static_cast<double>(p.period) / cpu_ghz);
        }
        count = mul(count, p.period);
      }
      auto addrs = parse_hex_addresses((*m)[3]);
      if (!addrs) return malformed(addrs.error().message, s.line_number());
      RawSample sample;
      sample.values = {count, delay};
      for (uint64_t a : *addrs) sample.locations.push_back(locs.get(a - 1));
      p.samples.push_back(std::move(sample));
    }
    if (!s.scan()) break;
  }
  parse_additional_sections(s, p);
  return p;
}

// ---------------------------------------------------------------------------------------------
// threadz

Try<RawProfile> parse_thread(std::string_view text) {
  Scanner s(text);
  while (s.scan() && is_space_or_comment(s.text())) {
  }
  std::string_view line = s.text();
  if (re().threadz_start.find(line)) {
    while (s.scan()) {
      line = s.text();
      if (is_memory_map_sentinel(line) || starts_with(line, "-")) break;
    }
  } else if (!re().thread_start.find(line)) {
    return unrecognized();
  }
  RawProfile p;
  p.sample_types = {{"thread", "count"}};
  p.period_type = {"thread", "count"};
  p.period = 1;
  LocationMap locs{p, {}};
  while (!is_memory_map_sentinel(line)) {
    if (starts_with(line, "---- no stack trace for")) break;
    if (!re().thread_start.find(line)) return unrecognized();
    // parseThreadSample
    std::vector<uint64_t> addrs;
    bool same_as_previous = false;
    std::string_view l;
    while (s.scan()) {
      l = trim(s.text());
      if (l.empty()) continue;
      if (starts_with(l, "---")) break;
      if (contains(l, "same as previous thread")) {
        same_as_previous = true;
        continue;
      }
      auto cur = parse_hex_addresses(l);
      if (!cur) return malformed(cur.error().message, s.line_number());
      addrs.insert(addrs.end(), cur->begin(), cur->end());
    }
    line = l;
    if (same_as_previous) addrs.clear();
    if (addrs.empty()) {
      if (!p.samples.empty()) p.samples.back().values[0] = static_cast<int64_t>(static_cast<uint64_t>(p.samples.back().values[0]) + 1);
      continue;
    }
    RawSample sample;
    sample.values = {1};
    for (size_t i = 0; i < addrs.size(); ++i) sample.locations.push_back(locs.get(i > 0 ? addrs[i] - 1 : addrs[i]));
    p.samples.push_back(std::move(sample));
  }
  parse_additional_sections(s, p);
  cleanup_duplicate_locations(p);
  return p;
}

// ---------------------------------------------------------------------------------------------
// Java heapz / contentionz (and the locations section of Java CPU profiles)

std::string go_base(std::string_view path) {
  if (path.empty()) return ".";
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  if (path == "/") return "/";
  size_t slash = path.rfind('/');
  if (slash != std::string_view::npos) path = path.substr(slash + 1);
  return path.empty() ? "." : std::string(path);
}

Try<RawProfile> parse_java_locations_and_finish(std::span<const uint8_t> bytes, LocationMap& locs, RawProfile p) {
  std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  std::unordered_map<std::string, RawFunction*> fns;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    std::string_view line = text.substr(pos, nl == std::string_view::npos ? text.size() - pos : nl + 1 - pos);
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
    line = trim(line);
    if (line.empty()) continue;
    auto jloc = line.size() > 4096 ? std::nullopt : re().java_location.find(line);
    if (!jloc) continue;
    auto addr = parse_uint((*jloc)[1], 16);
    if (!addr) return malformed(fmt::format("parsing sample {}: bad address", line.substr(0, 200)));
    auto it = locs.by_address.find(*addr);
    if (it == locs.by_address.end()) continue;  // unused
    RawLocation* loc = it->second;
    std::string_view rest = (*jloc)[2];
    std::string func, file;
    int64_t line_no = 0;
    if (auto fl = re().java_location_file_line.find(rest)) {
      func = std::string((*fl)[1]);
      file = std::string((*fl)[2]);
      if (auto n = parse_int((*fl)[3]); n && *n > 0) line_no = *n;
    } else if (auto fp = re().java_location_path.find(rest)) {
      func = std::string((*fp)[1]);
      file = go_base((*fp)[2]);
    } else if (contains(rest, "generated stub/JIT")) {
      func = "STUB";
    } else {
      func = std::string(rest);
    }
    RawFunction*& fn = fns[func];
    if (!fn) {
      p.function_pool.push_back(RawFunction{0, func, func, file});
      fn = &p.function_pool.back();
      p.functions.push_back(fn);
    }
    loc->lines = {RawLine{fn, line_no}};
    loc->address = 0;
  }
  remap_location_ids(p);
  remap_function_ids(p);
  remap_mapping_ids(p);
  // pprof's Aggregate(…, address=false): addresses are dropped for better merging.
  for (RawLocation* l : p.locations) l->address = 0;
  return p;
}

Try<RawProfile> parse_java_profile(std::string_view text) {
  size_t nl = text.find('\n');
  if (nl == std::string_view::npos) return unrecognized();
  std::string_view header = trim(text.substr(0, nl));
  std::string type;
  if (header == "--- heapz 1 ---") type = "heap";
  else if (header == "--- contentionz 1 ---") type = "contention";
  else return unrecognized();
  RawProfile p;
  std::string_view b = text.substr(nl + 1);
  // Attributes.
  for (size_t next = b.find('\n'); next != std::string_view::npos; next = b.find('\n')) {
    std::string_view line = trim(b.substr(0, next));
    if (!line.empty()) {
      auto h = line.size() > 4096 ? std::nullopt : re().java_attribute.find(line);
      if (!h) break;
      std::string attr = type + "/" + std::string(trim((*h)[1]));
      std::string value(trim((*h)[2]));
      if (attr == "heap/format" || attr == "cpu/format" || attr == "contention/format") {
        if (value != "java") return unrecognized();
      } else if (attr == "heap/resolution") {
        p.sample_types = {{"inuse_objects", "count"}, {"inuse_space", value}};
      } else if (attr == "contention/resolution") {
        p.sample_types = {{"contentions", "count"}, {"delay", value}};
      } else if (attr == "contention/sampling period") {
        p.period_type = {"contentions", "count"};
        auto v = parse_int(value, 0);
        if (!v) return malformed(fmt::format("failed to parse attribute {}", line));
        p.period = *v;
      } else if (attr == "contention/ms since reset") {
        auto v = parse_int(value, 0);
        if (!v) return malformed(fmt::format("failed to parse attribute {}", line));
        p.duration_nanos = mul(*v, 1000 * 1000);
      } else {
        return unrecognized();
      }
    }
    b = b.substr(next + 1);
  }
  // Samples.
  LocationMap locs{p, {}};
  for (size_t next = b.find('\n'); next != std::string_view::npos; next = b.find('\n')) {
    std::string_view line = trim(b.substr(0, next));
    if (!line.empty()) {
      auto m = re().java_sample.find(line);
      if (!m) break;
      auto addrs = parse_hex_addresses((*m)[3]);
      if (!addrs) return malformed(addrs.error().message);
      RawSample s;
      for (uint64_t a : *addrs) s.locations.push_back(locs.get(a));
      auto v0 = parse_int((*m)[2], 0), v1 = parse_int((*m)[1], 0);
      if (!v0 || !v1) return malformed(fmt::format("parsing sample {}", line.substr(0, 200)));
      s.values = {*v0, *v1};
      if (type == "heap") {
        constexpr int64_t kJavaHeapzSamplingRate = 524288;
        if (s.values[0] == 0) return malformed(fmt::format("parsing sample {}: second value must be non-zero", line.substr(0, 200)));
        s.num_labels.emplace_back("bytes", div(s.values[1], s.values[0]));
        std::tie(s.values[0], s.values[1]) = scale_heap_sample(s.values[0], s.values[1], kJavaHeapzSamplingRate);
      } else if (p.period != 0) {
        s.values[0] = mul(s.values[0], p.period);
        s.values[1] = mul(s.values[1], p.period);
      }
      p.samples.push_back(std::move(s));
    }
    b = b.substr(next + 1);
  }
  return parse_java_locations_and_finish(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(b.data()), b.size()), locs, std::move(p));
}

// ---------------------------------------------------------------------------------------------
// Frame-dropping regexes pprof attaches to legacy profiles (addLegacyFrameInfo)

constexpr std::string_view kAllocRx =
    "calloc|cfree|malloc|free|memalign|do_memalign|(__)?posix_memalign|pvalloc|valloc|realloc|tcmalloc::.*|tc_calloc|"
    "tc_cfree|tc_malloc|tc_free|tc_memalign|tc_posix_memalign|tc_pvalloc|tc_valloc|tc_realloc|tc_new|tc_delete|"
    "tc_newarray|tc_deletearray|tc_new_nothrow|tc_newarray_nothrow|malloc_zone_malloc|malloc_zone_calloc|"
    "malloc_zone_valloc|malloc_zone_realloc|malloc_zone_memalign|malloc_zone_free|runtime\\..*|BaseArena::.*|"
    "(::)?do_malloc_no_errno|(::)?do_malloc_pages|(::)?do_malloc|DoSampledAllocation|"
    "MallocedMemBlock::MallocedMemBlock|_M_allocate|__builtin_(vec_)?delete|__builtin_(vec_)?new|"
    "__gnu_cxx::new_allocator::allocate|__libc_malloc|__malloc_alloc_template::allocate|allocate|cpp_alloc|"
    "operator new(\\[\\])?|simple_alloc::allocate";
constexpr std::string_view kAllocSkipRx = "runtime\\.panic|runtime\\.reflectcall|runtime\\.call[0-9]*";
constexpr std::string_view kCpuProfilerRx =
    "ProfileData::Add|ProfileData::prof_handler|CpuProfiler::prof_handler|__pthread_sighandler|__restore";
constexpr std::string_view kLockRx =
    "RecordLockProfileData|(base::)?RecordLockProfileData.*|(base::)?SubmitMutexProfileData.*|"
    "(base::)?SubmitSpinLockProfileData.*|(base::Mutex::)?AwaitCommon.*|(base::Mutex::)?Unlock.*|"
    "(base::Mutex::)?UnlockSlow.*|(base::Mutex::)?ReaderUnlock.*|(base::MutexLock::)?~MutexLock.*|"
    "(Mutex::)?AwaitCommon.*|(Mutex::)?Unlock.*|(Mutex::)?UnlockSlow.*|(Mutex::)?ReaderUnlock.*|"
    "(MutexLock::)?~MutexLock.*|(SpinLock::)?Unlock.*|(SpinLock::)?SlowUnlock.*|(SpinLockHolder::)?~SpinLockHolder.*";

void add_legacy_frame_info(RawProfile& p) {
  auto is = [&](std::initializer_list<std::initializer_list<std::string_view>> kinds) {
    for (auto kind : kinds) {
      if (kind.size() != p.sample_types.size()) continue;
      size_t i = 0;
      bool same = true;
      for (std::string_view t : kind) same = same && p.sample_types[i++].first == t;
      if (same) return true;
    }
    return false;
  };
  if (is({{"allocations", "size"}, {"objects", "space"}, {"inuse_objects", "inuse_space"},
          {"alloc_objects", "alloc_space"}, {"alloc_objects", "alloc_space", "inuse_objects", "inuse_space"}})) {
    p.drop_frames = kAllocRx;
    p.keep_frames = kAllocSkipRx;
  } else if (is({{"contentions", "delay"}})) {
    p.drop_frames = kLockRx;
  } else {
    p.drop_frames = kCpuProfilerRx;
  }
}

// ---------------------------------------------------------------------------------------------
// Raw -> model

model::Result<model::Profile> to_model(const RawProfile& p, const ParseOptions& options, std::string_view kind) {
  // pprof's CheckValid on the parts a legacy parse can get wrong.
  for (size_t i = 0; i < p.samples.size(); ++i) {
    if (p.samples[i].values.size() != p.sample_types.size())
      return std::unexpected(model::Error{ErrorCode::kParse,
                                          fmt::format("{}: sample #{} has {} values but the profile has {} sample types",
                                                      kind, i, p.samples[i].values.size(), p.sample_types.size()),
                                          options.file_name, -1, -1});
  }
  model::ProfileBuilder b(model::ProfileBuilder::Options{.aggregate = false, .keep_timestamps = false, .dedup_tables = false});
  for (const auto& [t, u] : p.sample_types) b.add_sample_type(t, u);
  model::Profile& md = b.metadata();
  md.period_type = model::ValueType{b.intern(p.period_type.first), b.intern(p.period_type.second), 0};
  md.period = p.period;
  md.duration_nanos = p.duration_nanos;
  md.drop_frames = b.intern(p.drop_frames);
  md.keep_frames = b.intern(p.keep_frames);
  std::unordered_map<const RawMapping*, model::MappingId> mapping_ids;
  for (const RawMapping* m : p.mappings) {
    model::Mapping mm;
    mm.start = m->start;
    mm.limit = m->limit;
    mm.file_offset = m->offset;
    mm.file = b.intern(m->file);
    mm.build_id = b.intern(m->build_id);
    mapping_ids[m] = b.add_mapping(mm);
  }
  std::unordered_map<const RawFunction*, model::FunctionId> function_ids;
  for (const RawFunction* f : p.functions) {
    model::Function fn{b.intern(f->name), b.intern(f->system_name), b.intern(f->filename), 0};
    function_ids[f] = b.add_function(fn);
  }
  std::unordered_map<const RawLocation*, model::LocationId> location_ids;
  for (const RawLocation* l : p.locations) {
    model::Location loc;
    loc.address = l->address;
    if (l->mapping) loc.mapping = mapping_ids.at(l->mapping);
    for (const RawLine& ln : l->lines) loc.lines.push_back(model::Line{function_ids.at(ln.function), ln.line, 0});
    location_ids[l] = b.add_location(std::move(loc));
  }
  std::vector<model::LocationId> stack;
  for (const RawSample& s : p.samples) {
    stack.clear();
    for (const RawLocation* l : s.locations) stack.push_back(location_ids.at(l));
    std::vector<model::Label> labels;
    for (const auto& [k, v] : s.num_labels) labels.push_back(model::Label{b.intern(k), {}, v, {}});
    model::LabelSetId ls = labels.empty() ? model::LabelSetId{} : b.intern_labels(std::move(labels));
    b.add_sample(b.intern_stack(stack), ls, s.values);
  }
  auto out = b.finish();
  if (!out) {
    model::Error e = out.error();
    e.file = options.file_name;
    return std::unexpected(std::move(e));
  }
  out->source_format = std::string(kind);
  return out;
}

std::string_view as_text(std::span<const uint8_t> b) { return {reinterpret_cast<const char*>(b.data()), b.size()}; }

}  // namespace

Sniff sniff_legacy(std::span<const uint8_t> head) {
  bool java = false;
  std::span<const uint8_t> rest;
  if (cpu_header(head, java, rest)) return Sniff::kYes;
  std::string_view text = as_text(head.first(std::min<size_t>(head.size(), 1 << 16)));
  Scanner s(text);
  if (!s.scan()) return Sniff::kNo;
  std::string_view first = s.text();
  if (first.size() <= 4096) {
    if (re().heap_header.find(first) || re().growth_header.find(first) || re().fragmentation_header.find(first))
      return Sniff::kYes;
  }
  if (starts_with(first, "--- contentionz ") || starts_with(first, "--- mutex:") || starts_with(first, "--- contention:"))
    return Sniff::kYes;
  if (trim(first) == "--- heapz 1 ---") return Sniff::kYes;
  // Count and thread profiles may start with comments or blank lines.
  Scanner t(text);
  while (t.scan() && is_space_or_comment(t.text())) {
  }
  std::string_view line = t.text();
  if (line.size() > 4096) return Sniff::kNo;
  if (re().count_start.find(line) || re().threadz_start.find(line) || re().thread_start.find(line)) return Sniff::kYes;
  return Sniff::kNo;
}

model::Result<model::Profile> parse_legacy(std::span<const uint8_t> bytes, const ParseOptions& options) {
  std::string_view text = as_text(bytes);
  struct Step {
    std::string_view kind;
    std::function<Try<RawProfile>()> parse;
  };
  const Step chain[] = {
      {"legacy-cpu", [&] { return parse_cpu(bytes); }},
      {"legacy-heap", [&] { return parse_heap(text); }},
      {"go-count", [&] { return parse_go_count(text); }},
      {"legacy-thread", [&] { return parse_thread(text); }},
      {"legacy-contention", [&] { return parse_contention(text); }},
      {"java-legacy", [&] { return parse_java_profile(text); }},
  };
  for (const Step& step : chain) {
    auto p = step.parse();
    if (p) {
      add_legacy_frame_info(*p);
      return to_model(*p, options, step.kind);
    }
    if (!p.error().unrecognized) {
      return std::unexpected(model::Error{ErrorCode::kParse, fmt::format("{}: {}", step.kind, p.error().message),
                                          options.file_name, -1, p.error().line});
    }
  }
  return std::unexpected(model::Error{ErrorCode::kParse, "unrecognized legacy profile format", options.file_name, -1, -1});
}

std::vector<Format> legacy_formats() {
  return {Format{"pprof-legacy", &sniff_legacy,
                 [](std::span<const uint8_t> bytes, const ParseOptions& options) -> model::Result<std::vector<model::Profile>> {
                   auto p = parse_legacy(bytes, options);
                   if (!p) return std::unexpected(p.error());
                   std::vector<model::Profile> out;
                   out.push_back(std::move(*p));
                   return out;
                 }}};
}

}  // namespace profkit::parsers
