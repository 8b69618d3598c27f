#include "symbolize/symbol_table.h"

#include <fcntl.h>
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
  size_t e = i + 3;
  while (e < n && line[e] != ' ' && line[e] != '\t') ++e;
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

std::string_view SymbolTable::keep(std::string_view name) {
  if (names_.size() + name.size() > names_.capacity()) return {};  // cannot happen: reserved to the input
  const size_t at = names_.size();
  names_.insert(names_.end(), name.begin(), name.end());
  return std::string_view(names_.data() + at, name.size());
}

SymbolTable SymbolTable::parse_kallsyms(std::string_view text) {
  return build_kallsyms([&](auto&& on_line) { for_each_line(text, on_line); }, text.size(),
                        static_cast<size_t>(std::count(text.begin(), text.end(), '\n')) + 1);
}

// `feed(on_line)` calls on_line for every line; `max_bytes` bounds the names' total size and
// `max_lines` the symbol count (both reserved once: untouched reserve is never resident).
template <class Feed>
SymbolTable SymbolTable::build_kallsyms(Feed feed, size_t max_bytes, size_t max_lines) {
  SymbolTable t;
  t.names_.reserve(max_bytes);
  t.symbols_.reserve(max_lines);
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
    t.symbols_.push_back(Symbol{a, 0, t.keep(name), 0, in_module});
  });
  t.zero_addresses_ = !t.symbols_.empty() && !any_nonzero;
  if (t.zero_addresses_) t.symbols_.clear();
  t.sort_and_index();
  // The last symbol, and the last before the kernel text gives way to modules (or back), end
  // one page on, rounded up to a page, as perf's symbols__fixup_end.
  for (size_t i = 0; i < t.symbols_.size(); ++i) {
    Symbol& s = t.symbols_[i];
    if (i + 1 < t.symbols_.size() && t.symbols_[i + 1].in_module == s.in_module) continue;
    constexpr uint64_t kPage = 4096;
    s.end = s.start > UINT64_MAX - 2 * kPage ? UINT64_MAX : (s.start + 2 * kPage - 1) & ~(kPage - 1);
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
    if (!parse_hex(start, s) || !parse_hex(size, n) || name.empty() || n == 0 || s + n < s) {
      ++t.malformed_lines_;
      return;
    }
    t.symbols_.push_back(Symbol{s, n, t.keep(name)});
  });
  t.sort_and_index();
  return t;
}

model::Result<SymbolTable> SymbolTable::load_kallsyms(const std::string& path) {
  // Streamed in 1 MiB reads: /proc/kallsyms is several MB of text that need not be held at once
  // (and reading /proc in big chunks is what makes it fast). Its size is unknown up front (a
  // /proc file reports 0), so the reserves are generous bounds.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::unexpected(model::Error{model::ErrorCode::kIo, "cannot read", path, -1, -1});
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
  struct stat st {};
  const size_t known = ::fstat(fd, &st) == 0 && st.st_size > 0 ? static_cast<size_t>(st.st_size) : 0;
  SymbolTable t = build_kallsyms(feed, known ? known : size_t{64} << 20, known ? known / 16 + 1 : size_t{1} << 21);
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

void SymbolTable::sort_and_index() {
  // Later entries of a perf map win for the same start (code was re-jitted); stable keeps order.
  // kallsyms is nearly sorted already; sorting indices keeps the extra memory at 4 bytes a symbol
  // (a stable sort of the symbols themselves would buffer a second copy of the table).
  auto by_start = [](const Symbol& a, const Symbol& b) { return a.start < b.start; };
  if (std::is_sorted(symbols_.begin(), symbols_.end(), by_start)) return;
  std::vector<uint32_t> order(symbols_.size());
  for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return symbols_[a].start < symbols_[b].start; });
  std::vector<Symbol> sorted;
  sorted.reserve(symbols_.size());
  for (uint32_t i : order) sorted.push_back(std::move(symbols_[i]));
  symbols_ = std::move(sorted);
}

const SymbolTable::Symbol* SymbolTable::find(uint64_t addr) const {
  auto it = std::upper_bound(symbols_.begin(), symbols_.end(), addr,
                             [](uint64_t a, const Symbol& s) { return a < s.start; });
  if (it == symbols_.begin()) return nullptr;
  const Symbol& s = *std::prev(it);
  if (s.size > 0) {
    // A sized entry (perf map) covers [start, start + size); earlier overlapping ones may too.
    for (auto j = std::prev(it);; --j) {
      if (addr - j->start < j->size) return &*j;
      if (j == symbols_.begin() || addr - j->start > (uint64_t{1} << 32)) break;
    }
    return nullptr;
  }
  // kallsyms: the symbol runs until the next one starts, or to its `end` where none follows.
  if (s.end != 0 && addr >= s.end) return nullptr;
  return &s;
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
