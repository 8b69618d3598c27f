#include "analysis/stackcollapse_view.h"

#include <fmt/format.h>

#include <unordered_map>
#include <vector>

#include "model/profile_builder.h"
#include "model/profile_importer.h"

namespace profkit::analysis {

namespace {

// A C++ name as perf prints symbols, demangled without parameters: the final parameter list (and
// cv/ref qualifiers after it) dropped, and with it a function template's return type
// ("void std::sort<int*>(int*, int*)" -> "std::sort<int*>").
void drop_cxx_signature(std::string& f) {
  for (std::string_view q : {" const", " volatile", " &&", " &"}) {
    if (f.ends_with(q)) f.resize(f.size() - q.size());
  }
  if (f.empty() || f.back() != ')') return;
  int depth = 0;
  size_t open = std::string::npos;
  for (size_t i = f.size(); i-- > 0;) {
    char c = f[i];
    if (c == ')' || c == '>') ++depth;
    if ((c == '(' || c == '<') && --depth == 0) {
      if (c == '(') open = i;
      break;
    }
  }
  if (open == std::string::npos || open == 0) return;
  f.resize(open);
  if (f.back() != '>') return;
  depth = 0;
  for (size_t i = f.size(); i-- > 0;) {
    char c = f[i];
    if (c == '>' || c == ')') {
      ++depth;
    } else if ((c == '<' || c == '(') && depth > 0) {
      --depth;
    } else if (c == ' ' && depth == 0) {
      if (std::string_view(f.data(), i).ends_with("operator")) continue;  // "operator new<…>"
      if (f[i + 1] != '<') f.erase(0, i + 1);
      return;
    }
  }
}

}  // namespace

std::string tidy_function_name(std::string_view name) {
  std::string f(name);
  for (char& c : f) {
    if (c == ';') c = ':';
  }
  // A Go method such as "net/http.(*Client).Do" keeps its parentheses; otherwise everything
  // from the first '(' that does not open "(anonymous namespace)" is argument noise (as
  // stackcollapse-perf.pl cuts perf's names, even inside template arguments).
  const bool go_method = f.find(".(") != std::string::npos && f.find(").") != std::string::npos;
  if (!go_method) {
    drop_cxx_signature(f);
    for (size_t pos = f.find('('); pos != std::string::npos; pos = f.find('(', pos + 1)) {
      if (f.compare(pos, 21, "(anonymous namespace)") != 0) {
        f.resize(pos);
        break;
      }
    }
  }
  std::erase_if(f, [](char c) { return c == '"' || c == '\''; });
  return f;
}

model::Result<model::Profile> stackcollapse_view(const model::Profile& in, const StackcollapseOptions& o) {
  model::ProfileBuilder b;
  model::ProfileImporter imp(in, b);
  imp.copy_metadata();

  // Each source location becomes one location: the containing symbol (outermost line), or all
  // lines with --inline; names tidied; kinds kept only where an annotation was asked for.
  std::vector<model::LocationId> mapped(in.locations().size());
  auto map_location = [&](model::LocationId id) {
    model::LocationId& slot = mapped[id.index()];
    if (slot.valid()) return slot;
    const model::Location& src = in.location(id);
    model::Location loc;
    loc.mapping = imp.mapping(src.mapping);
    loc.address = src.address;
    if (src.kind == model::FrameKind::kKernel && o.kernel) loc.kind = model::FrameKind::kKernel;
    if (src.kind == model::FrameKind::kJit && o.jit) loc.kind = model::FrameKind::kJit;
    const size_t first = o.inlines || src.lines.empty() ? 0 : src.lines.size() - 1;
    for (size_t i = first; i < src.lines.size(); ++i) {
      const model::Function& f = in.function(src.lines[i].function);
      std::string name = tidy_function_name(in.str(f.name.valid() ? f.name : f.system_name));
      model::StringId n = b.intern(name);
      loc.lines.push_back(model::Line{b.add_function(model::Function{n, n, {}, 0}), 0, 0});
    }
    slot = b.add_location(std::move(loc));
    return slot;
  };

  const model::StringId comm_key = in.strings().find("comm");
  const model::StringId pid_key = in.strings().find("pid");
  const model::StringId tid_key = in.strings().find("tid");
  std::unordered_map<std::string, model::LocationId> roots;
  std::vector<model::LocationId> frames;
  for (size_t s = 0; s < in.sample_count(); ++s) {
    const model::Sample& sample = in.sample(s);
    frames.clear();
    for (model::LocationId l : in.stack(sample.stack)) frames.push_back(map_location(l));
    if (o.process_root) {
      std::string_view comm;
      int64_t pid = -1, tid = -1;
      for (const model::Label& l : in.labels(sample.labels)) {
        if (comm_key.valid() && l.key == comm_key) comm = in.str(l.str);
        if (pid_key.valid() && l.key == pid_key) pid = l.num;
        if (tid_key.valid() && l.key == tid_key) tid = l.num;
      }
      if (!comm.empty()) {
        std::string root(comm);
        if (o.tid) {
          root += fmt::format("-{}/{}", pid, tid);
        } else if (o.pid) {
          root += fmt::format("-{}", pid);
        }
        for (char& c : root) {
          if (c == ' ') c = '_';
        }
        auto [it, inserted] = roots.try_emplace(root);
        if (inserted) it->second = b.add_named_frame(root);
        frames.push_back(it->second);
      }
    }
    b.add_sample(b.intern_stack(frames), {}, in.values(s));
  }
  return b.finish();
}

}  // namespace profkit::analysis
