#include "parsers/pprof/goroutine_dump.h"

#include <fmt/format.h>

#include <charconv>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/profile_builder.h"

namespace profkit::parsers {

namespace {

using model::ErrorCode;

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }
bool ends_with(std::string_view s, std::string_view p) {
  return s.size() >= p.size() && s.substr(s.size() - p.size()) == p;
}
bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

struct Header {
  int64_t id = 0;
  std::string_view state;
  std::optional<int64_t> wait_minutes;
  bool locked = false;
};

// "goroutine 18 [chan receive, 5 minutes, locked to thread]:" (Go 1.23+ may add " gp=… m=…"
// between the id and the bracket).
std::optional<Header> parse_header(std::string_view line) {
  if (!starts_with(line, "goroutine ") || !ends_with(line, "]:")) return std::nullopt;
  std::string_view rest = line.substr(10);
  size_t sp = rest.find(' ');
  if (sp == std::string_view::npos || !all_digits(rest.substr(0, sp))) return std::nullopt;
  Header h;
  std::from_chars(rest.data(), rest.data() + sp, h.id);
  size_t open = rest.find('[', sp);
  if (open == std::string_view::npos) return std::nullopt;
  std::string_view between = rest.substr(sp, open - sp);
  for (char c : between)
    if (c == '[' || c == ']') return std::nullopt;
  std::string_view inner = rest.substr(open + 1, rest.size() - open - 3);
  // The state comes first; "N minutes" and "locked to thread" follow after ", ".
  size_t comma = inner.find(", ");
  h.state = inner.substr(0, comma);
  while (comma != std::string_view::npos) {
    inner = inner.substr(comma + 2);
    comma = inner.find(", ");
    std::string_view part = inner.substr(0, comma);
    if (ends_with(part, " minutes") || ends_with(part, " minute")) {
      std::string_view n = part.substr(0, part.find(' '));
      int64_t v = 0;
      if (all_digits(n) && std::from_chars(n.data(), n.data() + n.size(), v).ec == std::errc()) h.wait_minutes = v;
    } else if (part == "locked to thread") {
      h.locked = true;
    }
  }
  if (h.state.empty()) return std::nullopt;
  return h;
}

// "main.(*T).m(0xc000010000, {0x1, 0x2})" -> "main.(*T).m"; "created by main.f in goroutine 1"
// -> "main.f". Returns nullopt for lines that are not function lines.
std::optional<std::string_view> function_name(std::string_view line, bool& created_by) {
  created_by = false;
  if (starts_with(line, "created by ")) {
    created_by = true;
    line = line.substr(11);
    if (size_t in = line.find(" in goroutine "); in != std::string_view::npos) line = line.substr(0, in);
    return line.empty() ? std::nullopt : std::optional(line);
  }
  if (line.empty() || line.back() != ')') return std::nullopt;
  // Find the '(' opening the argument list that ends the line.
  int depth = 0;
  for (size_t i = line.size(); i-- > 0;) {
    if (line[i] == ')') ++depth;
    else if (line[i] == '(' && --depth == 0) {
      if (i == 0) return std::nullopt;
      return line.substr(0, i);
    }
  }
  return std::nullopt;
}

// "\t/src/main.go:42 +0x1d" -> (file, 42).
std::optional<std::pair<std::string_view, int64_t>> file_line(std::string_view line) {
  if (line.empty() || line[0] != '\t') return std::nullopt;
  line = line.substr(1);
  size_t end = line.find(' ');
  std::string_view loc = line.substr(0, end);
  size_t colon = loc.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return std::nullopt;
  std::string_view num = loc.substr(colon + 1);
  int64_t n = 0;
  if (!all_digits(num) || std::from_chars(num.data(), num.data() + num.size(), n).ec != std::errc()) return std::nullopt;
  return std::pair{loc.substr(0, colon), n};
}

std::string_view chomp(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

bool is_preamble(std::string_view line) {
  return starts_with(line, "panic: ") || starts_with(line, "fatal error: ") || starts_with(line, "SIGQUIT") ||
         starts_with(line, "runtime: ") || starts_with(line, "[signal ") || starts_with(line, "fatal: ") ||
         starts_with(line, "unexpected fault");
}

}  // namespace

Sniff sniff_goroutine_dump(std::span<const uint8_t> head) {
  std::string_view text(reinterpret_cast<const char*>(head.data()), std::min<size_t>(head.size(), 1 << 16));
  bool preamble = false;
  size_t pos = 0;
  int lines = 0;
  while (pos < text.size() && lines < 200) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos && head.size() > text.size()) break;  // cut line
    std::string_view line = chomp(text.substr(pos, nl == std::string_view::npos ? text.size() - pos : nl - pos));
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
    ++lines;
    if (line.empty()) continue;
    if (parse_header(line)) return Sniff::kYes;
    if (!preamble && lines == 1 && !is_preamble(line)) return Sniff::kNo;
    preamble = true;  // a panic message may span lines; look further for the first goroutine
  }
  return Sniff::kNo;
}

model::Result<model::Profile> parse_goroutine_dump(std::span<const uint8_t> bytes, const ParseOptions& options) {
  std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  model::ProfileBuilder b;
  b.add_sample_type("goroutine", "count");
  model::Profile& md = b.metadata();
  md.period_type = model::ValueType{b.intern("goroutine"), b.intern("count"), 0};
  md.period = 1;
  const model::StringId k_state = b.intern("state"), k_wait = b.intern("wait_minutes"),
                        k_minutes = b.intern("minutes"), k_locked = b.intern("locked_to_thread"),
                        v_true = b.intern("true");

  std::vector<model::LocationId> stack;
  std::optional<Header> current;
  std::optional<std::string_view> pending_function;  // a function line waiting for its file line
  bool pending_created_by = false;
  std::optional<model::LocationId> created_by;
  int64_t goroutines = 0, line_no = 0, skipped = 0;
  bool seen_goroutine = false;
  std::vector<std::string> preamble;

  auto frame = [&](std::string_view fn, std::string_view file, int64_t line) {
    model::FunctionId f = b.add_function(model::Function{b.intern(fn), b.intern(fn), b.intern(file), 0});
    model::Location loc;
    loc.lines.push_back(model::Line{f, line, 0});
    return b.add_location(std::move(loc));
  };
  auto flush = [&]() {
    if (!current) return;
    if (pending_function) {  // a function line without a file line (e.g. at the end of the input)
      model::LocationId l = frame(*pending_function, "", 0);
      if (pending_created_by) created_by = l;
      else stack.push_back(l);
      pending_function.reset();
    }
    if (created_by) stack.push_back(*created_by);
    std::vector<model::Label> labels{{k_state, b.intern(current->state), 0, {}}};
    if (current->wait_minutes) labels.push_back({k_wait, {}, *current->wait_minutes, k_minutes});
    if (current->locked) labels.push_back({k_locked, v_true, 0, {}});
    int64_t one = 1;
    b.add_sample(b.intern_stack(stack), b.intern_labels(std::move(labels)), std::span<const int64_t>(&one, 1));
    ++goroutines;
    stack.clear();
    created_by.reset();
    current.reset();
  };

  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    std::string_view line = chomp(text.substr(pos, nl == std::string_view::npos ? text.size() - pos : nl - pos));
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
    ++line_no;
    if (auto h = parse_header(line)) {
      flush();
      current = *h;
      seen_goroutine = true;
      continue;
    }
    if (!current) {
      if (!seen_goroutine && !line.empty() && preamble.size() < 16) preamble.emplace_back(line.substr(0, 1024));
      continue;
    }
    if (line.empty()) {
      flush();
      continue;
    }
    if (pending_function) {
      if (auto fl = file_line(line)) {
        model::LocationId l = frame(*pending_function, fl->first, fl->second);
        if (pending_created_by) created_by = l;
        else stack.push_back(l);
        pending_function.reset();
        continue;
      }
      // No file line followed: keep the function without a position.
      model::LocationId l = frame(*pending_function, "", 0);
      if (pending_created_by) created_by = l;
      else stack.push_back(l);
      pending_function.reset();
    }
    if (line == "...additional frames elided..." || starts_with(line, "...") ) continue;
    bool is_created_by = false;
    if (auto fn = function_name(line, is_created_by)) {
      pending_function = *fn;
      pending_created_by = is_created_by;
      continue;
    }
    ++skipped;
    warn(options, "goroutine-dump.skipped-line",
         fmt::format("{}:{}: skipped a line that is neither a frame nor a goroutine header", options.file_name, line_no));
  }
  flush();
  if (goroutines == 0)
    return std::unexpected(model::Error{ErrorCode::kParse, "goroutine dump: no goroutine found", options.file_name, -1, -1});
  for (const std::string& l : preamble) {
    if (is_preamble(l) || !md.comments.empty()) md.comments.push_back(b.intern(l));
  }
  auto p = b.finish();
  if (!p) {
    model::Error e = p.error();
    e.file = options.file_name;
    return std::unexpected(std::move(e));
  }
  p->source_format = "goroutine-dump";
  return p;
}

Format goroutine_dump_format() {
  return Format{"goroutine-dump", &sniff_goroutine_dump,
                [](std::span<const uint8_t> bytes, const ParseOptions& options) -> model::Result<std::vector<model::Profile>> {
                  auto p = parse_goroutine_dump(bytes, options);
                  if (!p) return std::unexpected(p.error());
                  std::vector<model::Profile> out;
                  out.push_back(std::move(*p));
                  return out;
                }};
}

}  // namespace profkit::parsers
