#include "parsers/pprof/pprof_string.h"

#include <fmt/format.h>

#include <algorithm>
#include <ctime>
#include <map>
#include <vector>

namespace profkit::parsers {

namespace {

// Go's fmtFrac: v / 10^prec with trailing zeros (and the dot) dropped.
std::string frac(uint64_t& v, int prec) {
  std::string digits;
  bool print = false;
  for (int i = 0; i < prec; ++i) {
    int digit = static_cast<int>(v % 10);
    print = print || digit != 0;
    if (print) digits.insert(digits.begin(), static_cast<char>('0' + digit));
    v /= 10;
  }
  return print ? "." + digits : "";
}

// The first `n` UTF-8 code points of `s` (Go's %.Nv on a string).
std::string first_runes(const std::string& s, size_t n) {
  size_t i = 0, runes = 0;
  while (i < s.size() && runes < n) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    i += c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
    ++runes;
  }
  return s.substr(0, std::min(i, s.size()));
}

std::string hex(uint64_t v) { return fmt::format("{:#x}", v); }

}  // namespace

std::string go_duration_string(int64_t d) {
  bool neg = d < 0;
  uint64_t u = neg ? 0 - static_cast<uint64_t>(d) : static_cast<uint64_t>(d);
  std::string out;
  if (u < 1000000000ULL) {
    if (u == 0) return "0s";
    std::string unit;
    int prec;
    if (u < 1000) {
      unit = "ns", prec = 0;
    } else if (u < 1000000) {
      unit = "\u00b5s", prec = 3;
    } else {
      unit = "ms", prec = 6;
    }
    std::string f = frac(u, prec);
    out = std::to_string(u) + f + unit;
  } else {
    std::string f = frac(u, 9);  // u is now whole seconds
    out = std::to_string(u % 60) + f + "s";
    u /= 60;
    if (u > 0) {
      out = std::to_string(u % 60) + "m" + out;
      u /= 60;
      if (u > 0) out = std::to_string(u) + "h" + out;
    }
  }
  return neg ? "-" + out : out;
}

std::string pprof_string(const model::Profile& p) {
  std::vector<std::string> ss;
  for (model::StringId c : p.comments) ss.push_back("Comment: " + std::string(p.str(c)));
  ss.push_back(fmt::format("PeriodType: {} {}", p.str(p.period_type.type), p.str(p.period_type.unit)));
  ss.push_back(fmt::format("Period: {}", p.period));
  if (p.time_nanos != 0) {
    std::time_t secs = static_cast<std::time_t>(p.time_nanos / 1000000000);
    int64_t nanos = p.time_nanos % 1000000000;
    if (nanos < 0) nanos += 1000000000, --secs;
    std::tm tm{};
    gmtime_r(&secs, &tm);
    uint64_t n = static_cast<uint64_t>(nanos);
    std::string f = frac(n, 9);
    ss.push_back(fmt::format("Time: {:04}-{:02}-{:02} {:02}:{:02}:{:02}{} +0000 UTC", tm.tm_year + 1900, tm.tm_mon + 1,
                             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, f));
  }
  if (p.duration_nanos != 0) ss.push_back("Duration: " + first_runes(go_duration_string(p.duration_nanos), 4));

  ss.push_back("Samples:");
  std::string header;
  std::string_view dflt = p.str(p.default_sample_type);
  for (const model::ValueType& vt : p.sample_types()) {
    header += fmt::format("{}/{}{} ", p.str(vt.type), p.str(vt.unit), p.str(vt.type) == dflt ? "[dflt]" : "");
  }
  while (!header.empty() && header.back() == ' ') header.pop_back();
  ss.push_back(header);
  const std::string label_header(16, ' ');
  for (size_t i = 0; i < p.sample_count(); ++i) {
    std::string sv;
    for (int64_t v : p.values(i)) sv += fmt::format(" {:>10}", v);
    sv += ": ";
    for (model::LocationId l : p.stack(p.sample(i).stack)) sv += fmt::format("{} ", l.value);
    ss.push_back(sv);
    // Labels grouped per key, as pprof's maps hold them.
    std::map<std::string, std::vector<std::string>> str_labels;
    std::map<std::string, std::vector<std::pair<int64_t, std::string>>> num_labels;
    std::map<std::string, bool> has_unit;
    for (const model::Label& l : p.labels(p.sample(i).labels)) {
      std::string key(p.str(l.key));
      if (l.str) {
        str_labels[key].emplace_back(p.str(l.str));
      } else {
        num_labels[key].emplace_back(l.num, std::string(p.str(l.num_unit)));
        if (l.num_unit) has_unit[key] = true;
      }
    }
    if (!str_labels.empty()) {
      std::vector<std::string> ls;
      for (const auto& [k, vs] : str_labels) {
        std::string joined;
        for (const auto& v : vs) joined += (joined.empty() ? "" : " ") + v;
        ls.push_back(fmt::format("{}:[{}]", k, joined));
      }
      std::sort(ls.begin(), ls.end());
      std::string line;
      for (const auto& l : ls) line += (line.empty() ? "" : " ") + l;
      ss.push_back(label_header + line);
    }
    if (!num_labels.empty()) {
      std::vector<std::string> ls;
      for (const auto& [k, vs] : num_labels) {
        std::string joined;
        for (const auto& [v, unit] : vs) {
          joined += joined.empty() ? "" : " ";
          joined += has_unit[k] ? fmt::format("{} {}", v, unit) : std::to_string(v);
        }
        ls.push_back(fmt::format("{}:[{}]", k, joined));
      }
      std::sort(ls.begin(), ls.end());
      std::string line;
      for (const auto& l : ls) line += (line.empty() ? "" : " ") + l;
      ss.push_back(label_header + line);
    }
  }

  ss.push_back("Locations");
  for (size_t i = 0; i < p.locations().size(); ++i) {
    const model::Location& l = p.locations()[i];
    std::string loc = fmt::format("{:>6}: {} ", i + 1, hex(l.address));
    if (l.mapping) loc += fmt::format("M={} ", l.mapping.value);
    if (l.is_folded) loc += "[F] ";
    if (l.lines.empty()) ss.push_back(loc);
    for (const model::Line& ln : l.lines) {
      const model::Function& fn = p.function(ln.function);
      std::string s = fmt::format("{} {}:{}:{} s={}", p.str(fn.name), p.str(fn.filename), ln.line, ln.column, fn.start_line);
      if (fn.name != fn.system_name && p.str(fn.name) != p.str(fn.system_name)) s += "(" + std::string(p.str(fn.system_name)) + ")";
      ss.push_back(loc + s);
      loc = std::string(13, ' ');
    }
  }

  ss.push_back("Mappings");
  for (size_t i = 0; i < p.mappings().size(); ++i) {
    const model::Mapping& m = p.mappings()[i];
    std::string bits;
    if (m.has_functions) bits += "[FN]";
    if (m.has_filenames) bits += "[FL]";
    if (m.has_line_numbers) bits += "[LN]";
    if (m.has_inline_frames) bits += "[IN]";
    ss.push_back(fmt::format("{}: {}/{}/{} {} {} {}", i + 1, hex(m.start), hex(m.limit), hex(m.file_offset), p.str(m.file),
                             p.str(m.build_id), bits));
  }
  std::string out;
  for (const auto& s : ss) out += s + "\n";
  return out;
}

}  // namespace profkit::parsers
