// parsers/collapsed_writer.cpp — writes one value column of a Profile as collapsed stacks.
//
// Each location's text is computed once; stacks are sorted by comparing those texts frame by
// frame (as bytes of the joined line would compare), so no per-stack string is built until the
// line is written. Stacks whose texts are equal (other labels, or distinct locations with equal
// names) are summed into one line; the order is the bytewise `sort` of the stackcollapse scripts.
#include <fmt/format.h>

#include <algorithm>
#include <span>
#include <string>
#include <string_view>
#include <cstring>
#include <utility>
#include <vector>

#include "model/units.h"
#include "parsers/collapsed.h"

namespace profkit::parsers {

namespace {

using model::FrameKind;

std::string_view kind_suffix(FrameKind kind) {
  switch (kind) {
    case FrameKind::kKernel: return "_[k]";
    case FrameKind::kJit: return "_[j]";
    case FrameKind::kInlined: return "_[i]";
    case FrameKind::kWaker: return "_[w]";
    case FrameKind::kNormal: break;
  }
  return {};
}

// Appends `name` so that it stays one frame of one line: ';' -> ':', line breaks -> ' '.
void append_frame_name(std::string& out, std::string_view name) {
  for (char c : name) {
    if (c == ';') {
      out += ':';
    } else if (c == '\n' || c == '\r') {
      out += ' ';
    } else {
      out += c;
    }
  }
}

// Renders locations to their frame text (once each) and compares or writes stacks as the
// ';'-joined text they stand for, without building that text for every stack.
class StackText {
 public:
  StackText(const model::Profile& p, const CollapsedWriteOptions& options)
      : p_(p), options_(options), texts_(p.locations().size()), done_(p.locations().size(), false) {
    rank_all();
  }

  // Bytewise (unsigned) comparison of the root-first joined texts of two stacks: <0, 0, >0.
  int compare(model::StackId a, model::StackId b) { return ranked_ ? compare_ranked(a, b) : compare_text(a, b); }

  void append(std::string& out, model::StackId stack) {
    auto frames = p_.stack(stack);
    for (size_t i = frames.size(); i-- > 0;) {
      out += text(frames[i]);
      if (i != 0) out += ';';
    }
  }

 private:
  // When no frame text holds ';' (inlined frames are joined with it), the order of "X;" over
  // the frame texts X is total and prefix-free, so stacks compare as sequences of those ranks —
  // except where one text is a proper prefix of the other and the stack with the shorter one
  // ends there ("f1" < "f10", though "f1;" > "f10;"). Each location's text is rendered once.
  void rank_all() {
    const size_t n = p_.locations().size();
    std::vector<uint32_t> order(n);
    for (uint32_t i = 0; i < n; ++i) {
      const std::string& t = text(model::LocationId::from_index(i));
      if (t.find(';') != std::string::npos) return;
      order[i] = i;
    }
    auto semi_less = [this](uint32_t a, uint32_t b) {
      // (texts_[a] + ";") < (texts_[b] + ";"), bytewise.
      std::string_view x = texts_[a], y = texts_[b];
      const size_t m = std::min(x.size(), y.size());
      if (int c = std::memcmp(x.data(), y.data(), m); c != 0) return c < 0;
      const unsigned char cx = x.size() > m ? static_cast<unsigned char>(x[m]) : ';';
      const unsigned char cy = y.size() > m ? static_cast<unsigned char>(y[m]) : ';';
      return cx < cy;
    };
    std::sort(order.begin(), order.end(), semi_less);
    rank_.assign(n, 0);
    uint32_t r = 0;
    for (size_t i = 0; i < n; ++i) {
      if (i > 0 && texts_[order[i]] != texts_[order[i - 1]]) ++r;
      rank_[order[i]] = r;
    }
    ranked_ = true;
  }

  static bool proper_prefix(std::string_view x, std::string_view y) { return x.size() < y.size() && y.starts_with(x); }

  int compare_ranked(model::StackId a, model::StackId b) const {
    auto fa = p_.stack(a), fb = p_.stack(b);
    size_t i = fa.size(), j = fb.size();  // root first: frames[i - 1], frames[j - 1]
    while (i > 0 && j > 0) {
      const model::LocationId la = fa[i - 1], lb = fb[j - 1];
      if (la != lb) {
        const uint32_t ra = rank_[la.index()], rb = rank_[lb.index()];
        if (ra != rb) {
          const std::string &x = texts_[la.index()], &y = texts_[lb.index()];
          if (i == 1 && proper_prefix(x, y)) return -1;  // a's text ends inside y
          if (j == 1 && proper_prefix(y, x)) return 1;
          return ra < rb ? -1 : 1;
        }
      }
      --i;
      --j;
    }
    return i > 0 ? 1 : (j > 0 ? -1 : 0);
  }

  // Streams both texts piece by piece; frames shared by location id are skipped unread.
  int compare_text(model::StackId a, model::StackId b) {
    Cursor x(p_.stack(a)), y(p_.stack(b));
    while (true) {
      if (x.at_frame_start() && y.at_frame_start() && x.next > 0 && y.next > 0 &&
          x.frames[x.next - 1] == y.frames[y.next - 1]) {
        x.skip_frame();
        y.skip_frame();
        continue;
      }
      const bool more_x = fill(x), more_y = fill(y);
      if (!more_x || !more_y) return more_x ? 1 : (more_y ? -1 : 0);
      const size_t n = std::min(x.rest.size(), y.rest.size());
      if (int c = std::memcmp(x.rest.data(), y.rest.data(), n); c != 0) return c;
      x.rest.remove_prefix(n);
      y.rest.remove_prefix(n);
    }
  }

  // A read position in a stack's joined text: pieces are frame texts (root first) and ";".
  struct Cursor {
    explicit Cursor(std::span<const model::LocationId> f) : frames(f), next(f.size()) {}
    std::span<const model::LocationId> frames;  // leaf first
    size_t next = 0;                            // frames[next - 1] is the next frame to read
    bool separator_pending = false;
    std::string_view rest;                      // unread part of the current piece
    bool at_frame_start() const { return rest.empty() && !separator_pending; }
    void skip_frame() {
      --next;
      separator_pending = next > 0;
    }
  };
  // Makes cursor.rest non-empty; false at the end of the text.
  bool fill(Cursor& c) {
    while (c.rest.empty()) {
      if (c.separator_pending) {
        c.rest = ";";
        c.separator_pending = false;
      } else if (c.next == 0) {
        return false;
      } else {
        c.rest = text(c.frames[c.next - 1]);
        c.skip_frame();
      }
    }
    return true;
  }

  const std::string& text(model::LocationId id) {
    const size_t i = id.index();
    if (!done_[i]) {
      texts_[i] = make_location_text(p_.location(id));
      done_[i] = true;
    }
    return texts_[i];
  }

  std::string make_location_text(const model::Location& loc) const {
    const bool annotate = options_.annotate_kinds;
    std::string out;
    if (loc.lines.empty()) {
      // As stackcollapse-perf.pl: the module's base name in brackets, else [unknown].
      std::string_view module;
      if (loc.mapping.valid()) {
        module = p_.str(p_.mapping(loc.mapping).file);
        if (size_t slash = module.rfind('/'); slash != std::string_view::npos) module.remove_prefix(slash + 1);
      }
      if (module.empty()) module = "unknown";
      out += '[';
      append_frame_name(out, module);
      if (options_.addrs) out += fmt::format(" <{:x}>", loc.address);
      out += ']';
      if (annotate) out += kind_suffix(loc.kind);
      return out;
    }
    // Lines are innermost first; the stack reads outermost first, inlined frames marked _[i].
    for (size_t j = loc.lines.size(); j-- > 0;) {
      if (j + 1 != loc.lines.size()) out += ';';
      const model::Function& f = p_.function(loc.lines[j].function);
      append_frame_name(out, p_.str(f.name.valid() ? f.name : f.system_name));
      if (annotate) out += j + 1 == loc.lines.size() ? kind_suffix(loc.kind) : kind_suffix(FrameKind::kInlined);
    }
    return out;
  }

  const model::Profile& p_;
  const CollapsedWriteOptions& options_;
  std::vector<std::string> texts_;
  std::vector<bool> done_;
  std::vector<uint32_t> rank_;  // per location: rank of its text + ";" (equal texts, equal ranks)
  bool ranked_ = false;
};

}  // namespace

model::Result<void> write_collapsed(const model::Profile& p, size_t sample_index, std::ostream& out,
                                    const CollapsedWriteOptions& options) {
  if (sample_index >= p.sample_types().size()) {
    return model::make_error(model::ErrorCode::kUsage,
                             fmt::format("sample index {} is out of range: the profile has {} sample types",
                                         sample_index, p.sample_types().size()));
  }
  const int32_t decimals = p.sample_types()[sample_index].decimals;
  auto overflow = [] {
    return model::make_error(model::ErrorCode::kLimit, "collapsed output: a stack's total overflows 64 bits");
  };

  // Totals per stack id first, then stacks sorted by their text; runs of stacks with equal text
  // (other labels, or distinct locations with equal names) are summed into one line.
  std::vector<int64_t> per_stack(p.stacks().size(), 0);
  std::vector<bool> used(p.stacks().size(), false);
  for (size_t i = 0; i < p.sample_count(); ++i) {
    const uint32_t s = p.sample(i).stack.value;
    if (__builtin_add_overflow(per_stack[s], p.values(i)[sample_index], &per_stack[s])) return overflow();
    used[s] = true;
  }
  std::vector<model::StackId> order;
  for (size_t s = 0; s < used.size(); ++s) {
    if (used[s]) order.push_back(model::StackId(static_cast<uint32_t>(s)));
  }
  StackText text(p, options);
  std::sort(order.begin(), order.end(), [&](model::StackId a, model::StackId b) {
    const int c = text.compare(a, b);
    return c != 0 ? c < 0 : a < b;
  });

  std::string buffer;
  for (size_t i = 0; i < order.size();) {
    int64_t total = per_stack[order[i].value];
    size_t j = i + 1;
    for (; j < order.size() && text.compare(order[i], order[j]) == 0; ++j) {
      if (__builtin_add_overflow(total, per_stack[order[j].value], &total)) return overflow();
    }
    if (total != 0) {
      text.append(buffer, order[i]);
      buffer += ' ';
      buffer += model::format_fixed(total, decimals);
      buffer += '\n';
      if (buffer.size() >= (size_t{1} << 16)) {
        out.write(buffer.data(), static_cast<std::streamsize>(buffer.size()));
        buffer.clear();
      }
    }
    i = j;
  }
  out.write(buffer.data(), static_cast<std::streamsize>(buffer.size()));
  if (!out) return model::make_error(model::ErrorCode::kIo, "collapsed output: write failed");
  return {};
}

}  // namespace profkit::parsers
