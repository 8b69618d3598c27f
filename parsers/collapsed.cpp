// parsers/collapsed.cpp — sniffer and streaming parser for collapsed ("folded") stacks.
//
// The parser walks the input span line by line without copying it. Frame texts are interned
// once each through a small cache of their own (keys copied: looking them up in the input would
// miss the CPU cache); consecutive lines (the files are usually sorted) share their leading
// frames, which are reused without any lookup. Totals are
// kept per StackId in a dense vector, so fractional precision can grow while streaming (the
// totals are rescaled), and the samples are handed to the builder once each at the end.
#include "parsers/collapsed.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <functional>
#include <utility>
#include <vector>

#include "model/profile_builder.h"

namespace profkit::parsers {

namespace {

using model::FrameKind;
using model::LocationId;
using model::StackId;

constexpr int32_t kMaxDecimals = 9;
constexpr size_t kSniffWindow = 4096;             // bytes of lines the sniffer looks at
constexpr size_t kSniffMaxLine = size_t{1} << 20;  // a first line longer than this is not ours
constexpr std::array<int64_t, 19> kPow10 = {
    1LL, 10LL, 100LL, 1000LL, 10000LL, 100000LL, 1000000LL, 10000000LL, 100000000LL, 1000000000LL,
    10000000000LL, 100000000000LL, 1000000000000LL, 10000000000000LL, 100000000000000LL,
    1000000000000000LL, 10000000000000000LL, 100000000000000000LL, 1000000000000000000LL};

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

std::string_view rtrim(std::string_view s) {
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

// Iterates over the lines of a span: the '\n' is removed, and so is trailing whitespace
// (which covers CRLF). A UTF-8 byte order mark at the start is skipped.
class LineReader {
 public:
  explicit LineReader(std::span<const uint8_t> bytes)
      : data_(reinterpret_cast<const char*>(bytes.data())), size_(bytes.size()) {
    if (size_ >= 3 && std::memcmp(data_, "\xEF\xBB\xBF", 3) == 0) pos_ = 3;
  }
  // The next line (right-trimmed) or nullopt at the end; line_no() is its 1-based number.
  std::optional<std::string_view> next() {
    if (pos_ >= size_) return std::nullopt;
    const char* start = data_ + pos_;
    const void* nl = std::memchr(start, '\n', size_ - pos_);
    size_t len = nl ? static_cast<size_t>(static_cast<const char*>(nl) - start) : size_ - pos_;
    pos_ += len + (nl ? 1 : 0);
    ++line_no_;
    return rtrim(std::string_view(start, len));
  }
  int64_t line_no() const { return line_no_; }

 private:
  const char* data_;
  size_t size_;
  size_t pos_ = 0;
  int64_t line_no_ = 0;
};

// A count as written: integer part, significant fractional digits (trailing zeros dropped).
struct Count {
  int64_t integer = 0;
  int64_t fraction = 0;    // the fractional digits as an integer, `decimals` of them
  int32_t decimals = 0;
  bool truncated = false;  // more than kMaxDecimals significant fractional digits were cut
};

enum class CountError { kNone, kNotNumber, kNegative, kTooLarge };

// flamegraph.pl's count grammar: \d+(\.\d*)? — no sign, no exponent.
bool looks_like_count(std::string_view t) {
  size_t i = 0;
  while (i < t.size() && is_digit(t[i])) ++i;
  if (i == 0) return false;
  if (i == t.size()) return true;
  if (t[i] != '.') return false;
  for (++i; i < t.size(); ++i) {
    if (!is_digit(t[i])) return false;
  }
  return true;
}

CountError parse_count(std::string_view t, Count& out) {
  if (!looks_like_count(t)) {
    if (t.size() > 1 && t[0] == '-' && looks_like_count(t.substr(1))) return CountError::kNegative;
    return CountError::kNotNumber;
  }
  out = Count{};
  size_t i = 0;
  for (; i < t.size() && t[i] != '.'; ++i) {
    if (__builtin_mul_overflow(out.integer, int64_t{10}, &out.integer) ||
        __builtin_add_overflow(out.integer, int64_t{t[i] - '0'}, &out.integer)) {
      return CountError::kTooLarge;
    }
  }
  if (i < t.size()) {
    std::string_view frac = t.substr(i + 1);
    while (!frac.empty() && frac.back() == '0') frac.remove_suffix(1);
    if (frac.size() > static_cast<size_t>(kMaxDecimals)) {
      frac = frac.substr(0, kMaxDecimals);
      out.truncated = true;
    }
    for (char c : frac) out.fraction = out.fraction * 10 + (c - '0');
    out.decimals = static_cast<int32_t>(frac.size());
  }
  return CountError::kNone;
}

// `line` split at its last whitespace: the token after it and the stack before it. As in
// flamegraph.pl's /^(.*)\s+?(\d+(?:\.\d*)?)$/, exactly one whitespace byte separates them, so
// "a;  3" has the stack "a; " (a last frame " ", which stackcollapse-perf.pl does emit).
struct Tail {
  std::string_view stack;
  std::string_view token;
  bool separated = false;  // there was whitespace before the token
};

Tail split_tail(std::string_view line) {
  size_t i = line.size();
  while (i > 0 && !is_space(line[i - 1])) --i;
  Tail t;
  t.token = line.substr(i);
  t.separated = i > 0;
  t.stack = line.substr(0, t.separated ? i - 1 : 0);
  return t;
}

// Whether a line carries two counts ("stack BEFORE AFTER"); nullopt when it carries none.
std::optional<int> count_columns(std::string_view line) {
  Count n;
  Tail last = split_tail(line);
  if (!last.separated || parse_count(last.token, n) != CountError::kNone) return std::nullopt;
  Tail before = split_tail(last.stack);
  return before.separated && parse_count(before.token, n) == CountError::kNone ? 2 : 1;
}

// A differential file has two counts on every line that has any (malformed lines do not vote).
int detect_columns(std::span<const uint8_t> bytes) {
  LineReader lines(bytes);
  bool any = false;
  while (auto line = lines.next()) {
    if (line->empty()) continue;
    std::optional<int> n = count_columns(*line);
    if (!n) continue;
    if (*n == 1) return 1;
    any = true;
  }
  return any ? 2 : 1;
}

// The line for an error message: at most ~80 bytes, control bytes escaped, not cut inside a
// UTF-8 sequence.
std::string shorten(std::string_view line) {
  constexpr size_t kMax = 80;
  bool cut = line.size() > kMax;
  if (cut) {
    size_t n = kMax;
    while (n > 0 && (static_cast<uint8_t>(line[n]) & 0xC0) == 0x80) --n;
    line = line.substr(0, n);
  }
  std::string out = "\"";
  for (char c : line) {
    auto u = static_cast<uint8_t>(c);
    if (u < 0x20 || u == 0x7F) {
      out += fmt::format("\\x{:02x}", u);
    } else if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else {
      out += c;
    }
  }
  out += cut ? "\"..." : "\"";
  return out;
}

// The frame kind spelled by a trailing _[k] / _[j] / _[i] / _[w], and the name without it.
std::pair<std::string_view, FrameKind> split_kind(std::string_view frame) {
  if (frame.size() >= 4 && frame[frame.size() - 4] == '_' && frame[frame.size() - 3] == '[' && frame.back() == ']') {
    FrameKind kind = FrameKind::kNormal;
    switch (frame[frame.size() - 2]) {
      case 'k': kind = FrameKind::kKernel; break;
      case 'j': kind = FrameKind::kJit; break;
      case 'i': kind = FrameKind::kInlined; break;
      case 'w': kind = FrameKind::kWaker; break;
      default: return {frame, FrameKind::kNormal};
    }
    return {frame.substr(0, frame.size() - 4), kind};
  }
  return {frame, FrameKind::kNormal};
}

// Frame text -> LocationId. Open addressing over full 64-bit hashes; the keys are copied into
// one small arena, so lookups stay in cache instead of touching the (huge) input at random.
class FrameCache {
 public:
  // The id stored for `key`, or nullptr after reserving a slot that `insert_last` must fill.
  LocationId* find_or_reserve(std::string_view key) {
    const uint64_t hash = std::hash<std::string_view>{}(key) | 1;  // 0 marks an empty slot
    if ((count_ + 1) * 2 > slots_.size()) grow();
    const size_t mask = slots_.size() - 1;
    for (size_t i = hash & mask;; i = (i + 1) & mask) {
      Slot& s = slots_[i];
      if (s.hash == 0) {
        s = Slot{hash, arena_.size(), key.size(), LocationId{}};
        arena_.append(key);
        ++count_;
        last_ = &s;
        return nullptr;
      }
      if (s.hash == hash && s.size == key.size() && std::memcmp(arena_.data() + s.offset, key.data(), key.size()) == 0) {
        return &s.id;
      }
    }
  }
  void insert_last(LocationId id) { last_->id = id; }

 private:
  struct Slot {
    uint64_t hash = 0;
    size_t offset = 0;  // of the key in arena_
    size_t size = 0;
    LocationId id;
  };
  void grow() {
    std::vector<Slot> old(std::max<size_t>(64, slots_.size() * 2));
    old.swap(slots_);
    const size_t mask = slots_.size() - 1;
    for (const Slot& s : old) {
      if (s.hash == 0) continue;
      size_t i = s.hash & mask;
      while (slots_[i].hash != 0) i = (i + 1) & mask;
      slots_[i] = s;
    }
  }
  std::vector<Slot> slots_;
  std::string arena_;
  size_t count_ = 0;
  Slot* last_ = nullptr;
};

// Length of the common prefix of a and b, eight bytes at a time.
size_t common_prefix(std::string_view a, std::string_view b) {
  const size_t n = std::min(a.size(), b.size());
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t x, y;
    std::memcpy(&x, a.data() + i, 8);
    std::memcpy(&y, b.data() + i, 8);
    if (x != y) return i + static_cast<size_t>(__builtin_ctzll(x ^ y)) / 8;  // little-endian
  }
  while (i < n && a[i] == b[i]) ++i;
  return i;
}

// One value column being accumulated: totals per StackId value, at `decimals` fixed point.
struct Column {
  model::ProfileBuilder builder{model::ProfileBuilder::Options{.aggregate = false}};
  std::vector<int64_t> totals;  // indexed by StackId::value; never negative
  int64_t grand_total = 0;      // sum of totals, kept within int64 so Profile::total() is safe
  int32_t decimals = 0;
};

class Parser {
 public:
  Parser(std::span<const uint8_t> bytes, const ParseOptions& options) : bytes_(bytes), options_(options) {}

  model::Result<std::vector<model::Profile>> run() {
    const int ncolumns = detect_columns(bytes_);
    columns_.resize(ncolumns);
    for (Column& c : columns_) c.builder.add_sample_type("samples", "count");

    LineReader lines(bytes_);
    while (auto line = lines.next()) {
      if (line->empty()) continue;
      if (auto problem = parse_line(*line, lines.line_no(), ncolumns); !problem.empty()) {
        std::string message = fmt::format("{}: {}", problem, shorten(*line));
        if (!options_.lenient) return model::parse_error_at_line(options_.file_name, lines.line_no(), message);
        warn(options_, "collapsed.malformed-line", fmt::format("{}:{}: {}", options_.file_name, lines.line_no(), message));
      }
    }
    if (truncated_line_ > 0) {
      warn(options_, "collapsed.fraction-truncated",
           fmt::format("{}:{}: counts with more than {} fractional digits were truncated", options_.file_name,
                       truncated_line_, kMaxDecimals));
    }

    std::vector<model::Profile> out;
    for (Column& c : columns_) {
      c.builder.set_decimals(0, c.decimals);
      const size_t nstacks = c.builder.peek().stacks().size();
      c.totals.resize(nstacks, 0);
      for (size_t s = 0; s < nstacks; ++s) {
        if (s == 0 && !empty_stack_seen_) continue;
        const int64_t value = c.totals[s];
        c.builder.add_sample(StackId(static_cast<uint32_t>(s)), {}, std::span<const int64_t>(&value, 1));
      }
      c.builder.metadata().source_format = "collapsed";
      auto p = c.builder.finish();
      if (!p) return std::unexpected(p.error());
      out.push_back(std::move(*p));
    }
    return out;
  }

 private:
  // Adds one non-blank line; returns what is wrong with it (nothing added) or "".
  std::string parse_line(std::string_view line, int64_t line_no, int ncolumns) {
    std::array<Count, 2> counts;
    std::string_view stack = line;
    for (int c = ncolumns - 1; c >= 0; --c) {
      Tail t = split_tail(stack);
      const bool is_count = looks_like_count(t.token);
      if (!t.separated && is_count) return ncolumns == 2 && c == 1 ? "no stack before the counts" : "no stack before the count";
      if (ncolumns == 2 && c == 0 && (!t.separated || !is_count)) return "expected two counts (differential file), found one";
      if (!t.separated) return "no count at the end of the line";
      switch (parse_count(t.token, counts[c])) {
        case CountError::kNone: break;
        case CountError::kNotNumber:
          if (t.token.find_first_of("0123456789") == std::string_view::npos) return "no count at the end of the line";
          return fmt::format("count {} is not a number", shorten(t.token));
        case CountError::kNegative: return fmt::format("negative count {}", shorten(t.token));
        case CountError::kTooLarge: return fmt::format("count {} is too large", shorten(t.token));
      }
      stack = t.stack;
    }

    // Scale the counts to their columns' precision before touching any table.
    std::array<int64_t, 2> values{};
    for (int c = 0; c < ncolumns; ++c) {
      Column& col = columns_[c];
      const Count& n = counts[c];
      if (n.truncated && truncated_line_ == 0) truncated_line_ = line_no;
      const int32_t decimals = std::max(col.decimals, n.decimals);
      int64_t v = 0;
      if (__builtin_mul_overflow(n.integer, kPow10[decimals], &v) ||
          __builtin_add_overflow(v, n.fraction * kPow10[decimals - n.decimals], &v)) {
        return fmt::format("count is too large at {} decimal places", decimals);
      }
      values[c] = v;
    }
    for (int c = 0; c < ncolumns; ++c) {
      if (counts[c].decimals > columns_[c].decimals && !rescale(columns_[c], counts[c].decimals)) {
        return "counts too large for the fractional precision this line needs";
      }
    }

    const StackId stack_id = intern_stack(stack);
    if (!stack_id) empty_stack_seen_ = true;
    // The profile's grand total must fit too (every stack's total is at most that).
    std::array<int64_t, 2> grand{};
    for (int c = 0; c < ncolumns; ++c) {
      if (__builtin_add_overflow(columns_[c].grand_total, values[c], &grand[c])) {
        return "the total of all counts overflows 64 bits";
      }
    }
    for (int c = 0; c < ncolumns; ++c) {
      std::vector<int64_t>& totals = columns_[c].totals;
      if (totals.size() <= stack_id.value) totals.resize(stack_id.value + 1, 0);
      totals[stack_id.value] += values[c];
      columns_[c].grand_total = grand[c];
    }
    return {};
  }

  // Multiplies every total of `col` up to `decimals` places; false (nothing changed) on overflow.
  static bool rescale(Column& col, int32_t decimals) {
    const int64_t factor = kPow10[decimals - col.decimals];
    int64_t scaled = 0;
    if (__builtin_mul_overflow(col.grand_total, factor, &scaled)) return false;  // bounds every total
    for (int64_t& t : col.totals) t *= factor;
    col.grand_total = scaled;
    col.decimals = decimals;
    return true;
  }

  // Interns the ';'-separated `stack` (root first) and returns its id in every column's builder.
  StackId intern_stack(std::string_view stack) {
    while (!stack.empty() && stack.back() == ';') stack.remove_suffix(1);  // Perl's split drops trailing empty fields
    if (stack.empty()) return StackId{};
    // Reuse the leading frames this stack shares with the previous one (all of them if equal).
    const size_t common = common_prefix(stack, prev_stack_);
    if (common == stack.size() && common == prev_stack_.size() && prev_id_valid_) return prev_id_;
    size_t keep = 0;
    while (keep < prev_ends_.size() && prev_ends_[keep] < common) ++keep;
    prev_ends_.resize(keep);
    prev_ids_.resize(keep);

    size_t start = keep == 0 ? 0 : prev_ends_[keep - 1] + 1;
    while (true) {
      const size_t semi = stack.find(';', start);
      const size_t end = semi == std::string_view::npos ? stack.size() : semi;
      prev_ids_.push_back(intern_frame(stack.substr(start, end - start)));
      prev_ends_.push_back(end);
      if (semi == std::string_view::npos) break;
      start = end + 1;
    }
    prev_stack_ = stack;

    leaf_first_.assign(prev_ids_.rbegin(), prev_ids_.rend());
    StackId id = columns_[0].builder.intern_stack(leaf_first_);
    for (size_t c = 1; c < columns_.size(); ++c) columns_[c].builder.intern_stack(leaf_first_);
    prev_id_ = id;
    prev_id_valid_ = true;
    return id;
  }

  LocationId intern_frame(std::string_view frame) {
    if (LocationId* known = frame_cache_.find_or_reserve(frame)) return *known;
    auto [name, kind] = split_kind(frame);
    const LocationId id = columns_[0].builder.add_named_frame(name, kind);
    // The builders see the same frames in the same order, so they hand out the same ids.
    for (size_t c = 1; c < columns_.size(); ++c) columns_[c].builder.add_named_frame(name, kind);
    frame_cache_.insert_last(id);
    return id;
  }

  std::span<const uint8_t> bytes_;
  const ParseOptions& options_;
  std::vector<Column> columns_;
  FrameCache frame_cache_;
  std::string_view prev_stack_;
  std::vector<size_t> prev_ends_;      // end offset of each frame of prev_stack_
  std::vector<LocationId> prev_ids_;   // root first
  std::vector<LocationId> leaf_first_;
  StackId prev_id_;
  bool prev_id_valid_ = false;
  bool empty_stack_seen_ = false;
  int64_t truncated_line_ = 0;
};

bool is_go_text_header(std::string_view line) {
  return line.starts_with("--- ") || line.find(" profile: total ") != std::string_view::npos ||
         line.starts_with("goroutine ") || line.starts_with("heap profile:");
}

}  // namespace

Sniff sniff_collapsed(std::span<const uint8_t> head) {
  size_t pos = 0;
  if (head.size() >= 3 && std::memcmp(head.data(), "\xEF\xBB\xBF", 3) == 0) pos = 3;
  const char* data = reinterpret_cast<const char*>(head.data());
  if (std::memchr(data, 0, std::min(head.size(), kSniffWindow))) return Sniff::kNo;

  // The first line must match; after it, most lines must — so that a malformed line near the
  // top is reported by the parser with its line number (or skipped with --lenient) instead of
  // turning the whole file into "format unknown". Indented lines (perf script, dumps) never match.
  size_t checked = 0, bad = 0;
  while (pos < head.size() && (pos < kSniffWindow || checked == 0)) {
    const size_t avail = std::min(head.size() - pos, kSniffMaxLine);
    const void* nl = std::memchr(data + pos, '\n', avail);
    if (!nl && avail < head.size() - pos) return Sniff::kNo;  // a "line" longer than 1 MiB
    const size_t len = nl ? static_cast<size_t>(static_cast<const char*>(nl) - (data + pos)) : avail;
    std::string_view line = rtrim(std::string_view(data + pos, len));
    pos += len + 1;
    if (line.empty()) continue;
    if (line.find('\0') != std::string_view::npos) return Sniff::kNo;
    if (checked == 0 && is_go_text_header(line)) return Sniff::kNo;
    if (is_space(line.front())) return Sniff::kNo;  // indented lines: perf script and other dumps
    Tail t = split_tail(line);
    if (!t.separated || rtrim(t.stack).empty() || !looks_like_count(t.token)) {
      if (checked == 0) return Sniff::kNo;
      ++bad;
      continue;
    }
    ++checked;
  }
  return checked > 0 && bad <= checked ? Sniff::kYes : Sniff::kNo;
}

model::Result<std::vector<model::Profile>> parse_collapsed(std::span<const uint8_t> bytes, const ParseOptions& options) {
  return Parser(bytes, options).run();
}

Format collapsed_format() { return Format{"collapsed", &sniff_collapsed, &parse_collapsed}; }

}  // namespace profkit::parsers
