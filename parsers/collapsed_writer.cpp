// parsers/collapsed_writer.cpp — writes one value column of a Profile as collapsed stacks.
//
// Stacks are rendered root first with each location's text computed once; samples whose stacks
// render to the same text (other labels, or distinct locations with equal names) are summed, and
// the lines come out sorted bytewise like the `sort` at the end of the stackcollapse scripts.
#include <fmt/format.h>

#include <algorithm>
#include <string>
#include <string_view>
#include <unordered_map>
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

class StackRenderer {
 public:
  StackRenderer(const model::Profile& p, const CollapsedWriteOptions& options)
      : p_(p), options_(options), texts_(p.locations().size()), done_(p.locations().size(), false) {}

  std::string render(model::StackId stack) {
    std::string out;
    auto frames = p_.stack(stack);
    for (auto it = frames.rbegin(); it != frames.rend(); ++it) {
      if (it != frames.rbegin()) out += ';';
      out += location_text(*it);
    }
    return out;
  }

 private:
  const std::string& location_text(model::LocationId id) {
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

  // Totals per stack id first (cheap), then per rendered text.
  std::vector<int64_t> per_stack(p.stacks().size(), 0);
  std::vector<bool> used(p.stacks().size(), false);
  for (size_t i = 0; i < p.sample_count(); ++i) {
    const uint32_t s = p.sample(i).stack.value;
    if (__builtin_add_overflow(per_stack[s], p.values(i)[sample_index], &per_stack[s])) return overflow();
    used[s] = true;
  }
  StackRenderer renderer(p, options);
  std::unordered_map<std::string, int64_t> per_text;
  for (size_t s = 0; s < per_stack.size(); ++s) {
    if (!used[s]) continue;
    int64_t& total = per_text[renderer.render(model::StackId(static_cast<uint32_t>(s)))];
    if (__builtin_add_overflow(total, per_stack[s], &total)) return overflow();
  }

  std::vector<std::pair<std::string_view, int64_t>> lines;
  lines.reserve(per_text.size());
  for (const auto& [text, total] : per_text) {
    if (total != 0) lines.emplace_back(text, total);
  }
  std::sort(lines.begin(), lines.end());  // string_view compares bytes as unsigned char: C-locale order
  std::string buffer;
  for (const auto& [text, total] : lines) {
    buffer.assign(text);
    buffer += ' ';
    buffer += model::format_fixed(total, decimals);
    buffer += '\n';
    out.write(buffer.data(), static_cast<std::streamsize>(buffer.size()));
  }
  if (!out) return model::make_error(model::ErrorCode::kIo, "collapsed output: write failed");
  return {};
}

}  // namespace profkit::parsers
