#include "symbolize/symbol_table.h"

#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>

#include <algorithm>
#include <charconv>
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
    std::string_view addr = next_field(line), type = next_field(line), name = next_field(line);
    const bool in_module = !next_field(line).empty();  // "\t[module]"
    uint64_t a = 0;
    if (name.empty() || type.size() != 1 || !parse_hex(addr, a)) {
      if (!addr.empty()) ++t.malformed_lines_;
      return;
    }
    if (a != 0) any_nonzero = true;
    char c = type[0];
    if (c != 't' && c != 'T' && c != 'w' && c != 'W') return;
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
  // Streamed line by line: /proc/kallsyms is several MB of text that need not be held at once.
  // Its size is unknown up front (a /proc file reports 0), so the reserves are generous bounds.
  std::FILE* f = std::fopen(path.c_str(), "re");
  if (!f) return std::unexpected(model::Error{model::ErrorCode::kIo, "cannot read", path, -1, -1});
  char* buf = nullptr;
  size_t cap = 0;
  size_t bytes = 0;
  auto feed = [&](auto&& on_line) {
    for (ssize_t n; (n = ::getline(&buf, &cap, f)) > 0;) {
      bytes += static_cast<size_t>(n);
      std::string_view line(buf, static_cast<size_t>(n));
      while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
      on_line(line);
    }
  };
  struct stat st {};
  const size_t known = ::fstat(fileno(f), &st) == 0 && st.st_size > 0 ? static_cast<size_t>(st.st_size) : 0;
  SymbolTable t = build_kallsyms(feed, known ? known : size_t{64} << 20, known ? known / 16 + 1 : size_t{1} << 21);
  const bool failed = std::ferror(f) != 0;
  std::free(buf);
  std::fclose(f);
  if (failed) return std::unexpected(model::Error{model::ErrorCode::kIo, "read error", path, static_cast<int64_t>(bytes), -1});
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
