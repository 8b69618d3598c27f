#include "symbolize/symbol_table.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

namespace profkit::symbolize {

namespace {

bool parse_hex(std::string_view s, uint64_t& out) {
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) s.remove_prefix(2);
  if (s.empty()) return false;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out, 16);
  return ec == std::errc() && ptr == s.data() + s.size();
}

// (A plain loop: find_first_of(" \t") calls memchr once per character, and kallsyms has
// 120k+ lines of three or four fields.)
std::string_view next_field(std::string_view& line) {
  auto blank = [](char c) { return c == ' ' || c == '\t'; };
  size_t b = 0;
  while (b < line.size() && blank(line[b])) ++b;
  size_t e = b;
  while (e < line.size() && !blank(line[e])) ++e;
  std::string_view field = line.substr(b, e - b);
  line.remove_prefix(e);
  return field;
}

// The common kallsyms line, "<hex address> <type> <name>[\t[module]]", in one pass; false for
// anything else (a 0x prefix, extra blanks, a missing field), which next_field() then splits as
// it always did, so both paths accept and reject the same lines.
bool fast_kallsyms_line(std::string_view line, uint64_t& addr, char& type, std::string_view& name, bool& in_module) {
  static constexpr auto kHex = [] {
    std::array<int8_t, 256> t{};
    t.fill(-1);
    for (int c = 0; c < 10; ++c) t['0' + c] = static_cast<int8_t>(c);
    for (int c = 0; c < 6; ++c) t['a' + c] = t['A' + c] = static_cast<int8_t>(10 + c);
    return t;
  }();
  const size_t n = line.size();
  size_t i = 0;
  uint64_t a = 0;
  for (; i < n && i < 16; ++i) {
    const int8_t d = kHex[static_cast<unsigned char>(line[i])];
    if (d < 0) break;
    a = (a << 4) | static_cast<uint64_t>(d);
  }
  // i hex digits, then " T name": a blank-free type and a name starting right after one space.
  if (i == 0 || i + 3 >= n || line[i] != ' ' || line[i + 2] != ' ') return false;
  const char t = line[i + 1], first = line[i + 3];
  if (t == ' ' || t == '\t' || first == ' ' || first == '\t') return false;
  // The name ends at a tab (a module follows) or the line's end; a space inside it is not the
  // common shape.
  const char* name_at = line.data() + i + 3;
  const size_t rest = n - (i + 3);
  const void* tab = std::memchr(name_at, '\t', rest);
  size_t e = tab ? static_cast<size_t>(static_cast<const char*>(tab) - line.data()) : n;
  if (std::memchr(name_at, ' ', e - (i + 3))) return false;
  if (e < n) {
    // Only "\t[module]" may follow, with nothing after it.
    if (line[e] != '\t' || e + 1 >= n || line[e + 1] == ' ' || line[e + 1] == '\t') return false;
    for (size_t k = e + 1; k < n; ++k) {
      if (line[k] == ' ' || line[k] == '\t') return false;
    }
    in_module = true;
  } else {
    in_module = false;
  }
  addr = a;
  type = t;
  name = line.substr(i + 3, e - (i + 3));
  return true;
}

template <class Fn>
void for_each_line(std::string_view text, Fn fn) {
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    fn(line);
  }
}

model::Result<std::string> slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::unexpected(model::Error{model::ErrorCode::kIo, "cannot read", path, -1, -1});
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

std::optional<uint32_t> SymbolTable::copy_name(SymbolTable& table, std::string_view name) {
  const size_t at = table.names_.size();
  if (at > UINT32_MAX - name.size()) return std::nullopt;
  table.names_.insert(table.names_.end(), name.begin(), name.end());
  return static_cast<uint32_t>(at);
}

SymbolTable SymbolTable::parse_kallsyms(std::string_view text) {
  return build_kallsyms([&](auto&& on_line) { for_each_line(text, on_line); }, copy_name);
}

// `feed(on_line)` calls on_line for every line; `keep(table, name)` stores a name and returns
// its offset in table.names() (nullopt: too large a table, the line is skipped).
template <class Feed, class Keep>
SymbolTable SymbolTable::build_kallsyms(Feed feed, Keep keep) {
  SymbolTable t;
  bool any_nonzero = false;
  feed([&](std::string_view line) {
    uint64_t a = 0;
    char type = 0;
    std::string_view name;
    bool in_module = false;
    if (!fast_kallsyms_line(line, a, type, name, in_module)) {
      std::string_view addr = next_field(line), type_field = next_field(line);
      name = next_field(line);
      in_module = !next_field(line).empty();  // "\t[module]"
      if (name.empty() || type_field.size() != 1 || !parse_hex(addr, a)) {
        if (!addr.empty()) ++t.malformed_lines_;
        return;
      }
      type = type_field[0];
    }
    if (a != 0) any_nonzero = true;
    if (type != 't' && type != 'T' && type != 'w' && type != 'W') return;
    const auto at = keep(t, name);
    if (!at || name.size() >= (size_t{1} << 31)) {
      ++t.malformed_lines_;
      return;
    }
    t.entries_.push_back(Entry{a, *at, static_cast<uint32_t>(name.size()), in_module ? 1u : 0u});
  });
  t.zero_addresses_ = !t.entries_.empty() && !any_nonzero;
  if (t.zero_addresses_) t.entries_.clear();
  t.sort_entries();
  // The last symbol, and the last before the kernel text gives way to modules (or back), end
  // one page on, rounded up to a page, as perf's symbols__fixup_end.
  for (size_t i = 0; i < t.entries_.size(); ++i) {
    const Entry& e = t.entries_[i];
    if (i + 1 < t.entries_.size() && t.entries_[i + 1].in_module == e.in_module) continue;
    constexpr uint64_t kPage = 4096;
    t.ends_.emplace_back(static_cast<uint32_t>(i),
                         e.start > UINT64_MAX - 2 * kPage ? UINT64_MAX : (e.start + 2 * kPage - 1) & ~(kPage - 1));
  }
  return t;
}

SymbolTable SymbolTable::parse_perf_map(std::string_view text) {
  SymbolTable t;
  t.names_.reserve(text.size());
  for_each_line(text, [&](std::string_view line) {
    std::string_view rest = line;
    std::string_view start = next_field(rest), size = next_field(rest);
    size_t b = rest.find_first_not_of(" \t");
    std::string_view name = b == std::string_view::npos ? std::string_view{} : rest.substr(b);
    uint64_t s = 0, n = 0;
    if (start.empty()) return;  // blank line
    if (!parse_hex(start, s) || !parse_hex(size, n) || name.empty() || n == 0 || s + n < s ||
        t.names_.size() > UINT32_MAX - name.size() || name.size() >= (size_t{1} << 31)) {
      ++t.malformed_lines_;
      return;
    }
    t.entries_.push_back(Entry{s, static_cast<uint32_t>(t.names_.size()), static_cast<uint32_t>(name.size()), 0});
    t.sizes_.push_back(n);
    t.names_.insert(t.names_.end(), name.begin(), name.end());
  });
  t.sort_entries();
  return t;
}

model::Result<SymbolTable> SymbolTable::load_kallsyms(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::unexpected(model::Error{model::ErrorCode::kIo, "cannot read", path, -1, -1});
  struct stat st {};
  const bool regular = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0;
  if (regular && static_cast<uint64_t>(st.st_size) < UINT32_MAX) {
    // A saved copy: mapped, parsed in place, names left in the mapping (no copy), and the pages
    // dropped afterwards — a lookup faults in the few it reads.
    const size_t size = static_cast<size_t>(st.st_size);
    void* m = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
    ::close(fd);
    if (m == MAP_FAILED) return std::unexpected(model::Error{model::ErrorCode::kIo, "cannot map", path, -1, -1});
    const char* base = static_cast<const char*>(m);
    std::shared_ptr<const char> mapping(base, [size](const char* p) { ::munmap(const_cast<char*>(p), size); });
    SymbolTable t = build_kallsyms([&](auto&& on_line) { for_each_line(std::string_view(base, size), on_line); },
                                   [base](SymbolTable&, std::string_view name) -> std::optional<uint32_t> {
                                     return static_cast<uint32_t>(name.data() - base);
                                   });
    ::madvise(m, size, MADV_DONTNEED);
    t.mapped_ = std::move(mapping);
    return t;
  }
  // /proc/kallsyms (no size, not mappable): streamed in 1 MiB reads — reading /proc in big
  // chunks is what makes it fast — with the names copied.
  constexpr size_t kChunk = size_t{1} << 20;
  constexpr size_t kMaxLine = size_t{16} << 20;  // a longer line is not kallsyms
  std::vector<char> buf(kChunk);
  size_t bytes = 0;
  bool failed = false, too_long = false;
  auto feed = [&](auto&& on_line) {
    size_t have = 0;  // buf[0, have): the unparsed tail of what was read
    for (;;) {
      if (have == buf.size()) {
        if (buf.size() >= kMaxLine) {
          too_long = true;
          return;
        }
        buf.resize(buf.size() * 2);
      }
      const ssize_t got = ::read(fd, buf.data() + have, buf.size() - have);
      if (got < 0) {
        if (errno == EINTR) continue;
        failed = true;
        return;
      }
      const bool eof = got == 0;
      have += static_cast<size_t>(got);
      bytes += static_cast<size_t>(got);
      const char* p = buf.data();
      const char* end = buf.data() + have;
      while (p < end) {
        const char* nl = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(end - p)));
        if (!nl && !eof) break;  // a partial line: read on
        std::string_view line(p, static_cast<size_t>((nl ? nl : end) - p));
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        on_line(line);
        p = nl ? nl + 1 : end;
      }
      if (eof) return;
      have = static_cast<size_t>(end - p);
      std::memmove(buf.data(), p, have);
    }
  };
  SymbolTable t = build_kallsyms(feed, copy_name);
  ::close(fd);
  if (failed) return std::unexpected(model::Error{model::ErrorCode::kIo, "read error", path, static_cast<int64_t>(bytes), -1});
  if (too_long) {
    return std::unexpected(model::Error{model::ErrorCode::kParse, "a line longer than 16 MiB: not a kallsyms file", path,
                                        static_cast<int64_t>(bytes), -1});
  }
  return t;
}

model::Result<SymbolTable> SymbolTable::load_perf_map(const std::string& path) {
  auto text = slurp(path);
  if (!text) return std::unexpected(text.error());
  return parse_perf_map(*text);
}

void SymbolTable::sort_entries() {
  // Later entries of a perf map win for the same start (code was re-jitted); stable keeps order.
  // kallsyms is nearly sorted already (modules follow the kernel).
  auto by_start = [](const Entry& a, const Entry& b) { return a.start < b.start; };
  if (std::is_sorted(entries_.begin(), entries_.end(), by_start)) return;
  std::vector<uint32_t> order(entries_.size());
  for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return entries_[a].start < entries_[b].start; });
  std::vector<Entry> sorted;
  sorted.reserve(entries_.size());
  for (uint32_t i : order) sorted.push_back(entries_[i]);
  entries_ = std::move(sorted);
  if (!sizes_.empty()) {
    std::vector<uint64_t> sizes;
    sizes.reserve(sizes_.size());
    for (uint32_t i : order) sizes.push_back(sizes_[i]);
    sizes_ = std::move(sizes);
  }
}

SymbolTable::Symbol SymbolTable::symbol(size_t i) const {
  const Entry& e = entries_[i];
  Symbol s;
  s.start = e.start;
  s.size = sizes_.empty() ? 0 : sizes_[i];
  s.name = std::string_view(names() + e.name_at, e.name_len);
  s.in_module = e.in_module != 0;
  auto it = std::lower_bound(ends_.begin(), ends_.end(), static_cast<uint32_t>(i),
                             [](const std::pair<uint32_t, uint64_t>& p, uint32_t v) { return p.first < v; });
  if (it != ends_.end() && it->first == i) s.end = it->second;
  return s;
}

std::optional<SymbolTable::Symbol> SymbolTable::find(uint64_t addr) const {
  auto it = std::upper_bound(entries_.begin(), entries_.end(), addr, [](uint64_t a, const Entry& e) { return a < e.start; });
  if (it == entries_.begin()) return std::nullopt;
  size_t i = static_cast<size_t>(it - entries_.begin()) - 1;
  if (!sizes_.empty()) {
    // A sized entry (perf map) covers [start, start + size); earlier overlapping ones may too.
    for (size_t j = i;; --j) {
      if (addr - entries_[j].start < sizes_[j]) return symbol(j);
      if (j == 0 || addr - entries_[j].start > (uint64_t{1} << 32)) break;
    }
    return std::nullopt;
  }
  // kallsyms: the symbol runs until the next one starts, or to its `end` where none follows.
  Symbol s = symbol(i);
  if (s.end != 0 && addr >= s.end) return std::nullopt;
  return s;
}

std::string build_id_from_notes(std::string_view notes) {
  auto u32 = [&](size_t at) {
    uint32_t v = 0;
    for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(notes[at + i]);
    return v;
  };
  auto pad4 = [](uint64_t n) { return (n + 3) & ~uint64_t{3}; };
  size_t at = 0;
  while (notes.size() - at >= 12) {
    const uint64_t namesz = u32(at), descsz = u32(at + 4), type = u32(at + 8);
    const uint64_t name_at = at + 12, desc_at = name_at + pad4(namesz), next = desc_at + pad4(descsz);
    if (namesz > notes.size() || descsz > notes.size() || next > notes.size()) break;
    if (type == 3 && namesz == 4 && notes.substr(name_at, 4) == std::string_view("GNU\0", 4)) {
      static const char* digits = "0123456789abcdef";
      std::string hex;
      for (size_t i = 0; i < descsz; ++i) {
        const auto b = static_cast<unsigned char>(notes[desc_at + i]);
        hex.push_back(digits[b >> 4]);
        hex.push_back(digits[b & 15]);
      }
      return hex;
    }
    at = next;
  }
  return {};
}

}  // namespace profkit::symbolize
