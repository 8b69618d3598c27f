#include "analysis/flame_tree.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <unordered_map>

namespace profkit::analysis {

using model::ErrorCode;
using model::FrameKind;

std::string frame_name(const model::Profile& p, const model::Location& loc, size_t line_index) {
  if (line_index < loc.lines.size()) {
    const model::Line& line = loc.lines[line_index];
    if (line.function) {
      const model::Function& f = p.function(line.function);
      if (!p.str(f.name).empty()) return std::string(p.str(f.name));
      if (!p.str(f.system_name).empty()) return std::string(p.str(f.system_name));
    }
  }
  if (loc.mapping) {
    const model::Mapping& m = p.mapping(loc.mapping);
    std::string_view file = p.str(m.file);
    if (!file.empty()) {
      if (size_t slash = file.rfind('/'); slash != std::string_view::npos && slash + 1 < file.size()) {
        file = file.substr(slash + 1);
      }
      uint64_t rel_addr = loc.address >= m.start ? loc.address - m.start + m.file_offset : loc.address;
      return fmt::format("{}+0x{:x}", file, rel_addr);
    }
  }
  return fmt::format("0x{:x}", loc.address);
}

namespace {

constexpr uint32_t kNone = UINT32_MAX;

// Open-addressing map from (parent node, frame symbol) to child node; keys are never erased.
class ChildIndex {
 public:
  ChildIndex() { slots_.assign(1024, Slot{}); }
  // Returns the slot value for `key`, inserting `fresh()` when absent.
  template <class Fresh>
  uint32_t find_or_insert(uint64_t key, Fresh&& fresh) {
    if ((used_ + 1) * 2 > slots_.size()) grow();
    size_t mask = slots_.size() - 1;
    size_t i = mix(key) & mask;
    while (true) {
      Slot& s = slots_[i];
      if (s.value == kNone) {
        s.key = key;
        s.value = fresh();
        ++used_;
        return s.value;
      }
      if (s.key == key) return s.value;
      i = (i + 1) & mask;
    }
  }

 private:
  struct Slot {
    uint64_t key = 0;
    uint32_t value = kNone;
  };
  static size_t mix(uint64_t k) {
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    k *= 0xc4ceb3f91a8b3c2dULL;
    k ^= k >> 33;
    return static_cast<size_t>(k);
  }
  void grow() {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(old.size() * 2, Slot{});
    size_t mask = slots_.size() - 1;
    for (const Slot& s : old) {
      if (s.value == kNone) continue;
      size_t i = mix(s.key) & mask;
      while (slots_[i].value != kNone) i = (i + 1) & mask;
      slots_[i] = s;
    }
  }
  std::vector<Slot> slots_;
  size_t used_ = 0;
};

// The collapsed-stack annotation of a frame kind.
std::string_view annotation(FrameKind kind) {
  switch (kind) {
    case FrameKind::kKernel: return "_[k]";
    case FrameKind::kJit: return "_[j]";
    case FrameKind::kInlined: return "_[i]";
    case FrameKind::kWaker: return "_[w]";
    default: return "";
  }
}

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

}  // namespace

// Builds a FlameTree from one or two profiles: interns frame names, grows the tree through a
// (parent, symbol) index, then sorts children and renumbers nodes breadth first.
class FlameTreeBuilder {
 public:
  explicit FlameTreeBuilder(bool reverse) : reverse_(reverse) {
    tmp_.push_back(TmpNode{intern_symbol("all", FrameKind::kNormal), 0});
  }

  // Adds column 0 of `p` (values times `multiplier`) to the new side, or to the base side.
  void add_profile(const model::Profile& p, bool base_side, int64_t multiplier) {
    ProfileCache cache{&p, {}, {}, {}};
    cache.loc_offset.assign(p.locations().size(), kNone);
    cache.stack_leaf.assign(p.stacks().size(), kNone);
    if (p.sample_types().empty()) return;
    // Walk each distinct stack once, in path order, so consecutive stacks share their common
    // prefix of tree nodes instead of looking it up again.
    std::vector<model::StackId> stacks;
    std::vector<uint8_t> seen(p.stacks().size(), 0);
    for (size_t i = 0; i < p.sample_count(); ++i) {
      model::StackId id = p.sample(i).stack;
      if (p.values(i)[0] != 0 && !seen[id.value]) {
        seen[id.value] = 1;
        stacks.push_back(id);
      }
    }
    std::sort(stacks.begin(), stacks.end(), [&](model::StackId a, model::StackId b) {
      auto fa = p.stack(a), fb = p.stack(b);  // leaf first
      if (reverse_) return std::lexicographical_compare(fa.begin(), fa.end(), fb.begin(), fb.end());
      return std::lexicographical_compare(fa.rbegin(), fa.rend(), fb.rbegin(), fb.rend());
    });
    PathCache path;
    for (model::StackId id : stacks) cache.stack_leaf[id.value] = walk(cache, path, id);
    for (size_t i = 0; i < p.sample_count(); ++i) {
      int64_t v = p.values(i)[0] * multiplier;
      if (v == 0) continue;
      uint32_t leaf = cache.stack_leaf[p.sample(i).stack.value];
      if (base_side) {
        tmp_[leaf].base_self += v;
      } else {
        tmp_[leaf].self += v;
      }
    }
  }

  FlameTree finish() {
    FlameTree tree;
    tree.reversed_ = reverse_;
    // flamegraph.pl sorts the collapsed lines bytewise, so siblings are ordered by their text in
    // a line: the name, its kind annotation, then ' ' when the frame ends a stack (has self
    // samples) or ';' when it does not. Rank those texts once so sorting compares integers.
    std::vector<std::string> texts(symbols_.size() * 2);
    for (size_t i = 0; i < symbols_.size(); ++i) {
      std::string t = names_[symbols_[i].name];
      t += annotation(symbols_[i].kind);
      texts[2 * i] = t + ' ';
      texts[2 * i + 1] = t + ';';
    }
    std::vector<uint32_t> order(texts.size());
    std::iota(order.begin(), order.end(), 0u);
    std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return texts[a] < texts[b]; });
    std::vector<uint32_t> rank(texts.size());
    for (uint32_t r = 0; r < order.size(); ++r) rank[order[r]] = r;

    // Children lists of the temporary nodes.
    std::vector<uint32_t> child_start(tmp_.size() + 1, 0);
    for (size_t i = 1; i < tmp_.size(); ++i) ++child_start[tmp_[i].parent + 1];
    std::partial_sum(child_start.begin(), child_start.end(), child_start.begin());
    std::vector<uint32_t> children(tmp_.size() > 0 ? tmp_.size() - 1 : 0);
    {
      std::vector<uint32_t> fill(child_start.begin(), child_start.end() - 1);
      for (uint32_t i = 1; i < tmp_.size(); ++i) children[fill[tmp_[i].parent]++] = i;
    }
    auto key = [&](uint32_t t) {
      bool ends_stack = tmp_[t].self != 0 || tmp_[t].base_self != 0;
      return rank[2 * tmp_[t].symbol + (ends_stack ? 0 : 1)];
    };

    // Breadth-first renumbering: children of each node become a contiguous, sorted range.
    tree.nodes_.resize(tmp_.size());
    std::vector<uint32_t> queue;  // temporary ids in new order
    queue.reserve(tmp_.size());
    queue.push_back(0);
    for (size_t head = 0; head < queue.size(); ++head) {
      uint32_t t = queue[head];
      auto first = children.begin() + child_start[t];
      auto last = children.begin() + child_start[t + 1];
      std::sort(first, last, [&](uint32_t a, uint32_t b) { return key(a) < key(b); });
      FlameNode& n = tree.nodes_[head];
      const Symbol& s = symbols_[tmp_[t].symbol];
      n.name = s.name;
      n.kind = s.kind;
      n.self = tmp_[t].self;
      n.base_self = tmp_[t].base_self;
      n.first_child = static_cast<uint32_t>(queue.size());
      n.child_count = static_cast<uint32_t>(last - first);
      for (auto it = first; it != last; ++it) {
        FlameNode& c = tree.nodes_[queue.size()];
        c.parent = static_cast<uint32_t>(head);
        c.depth = n.depth + 1;
        queue.push_back(*it);
      }
    }
    for (FlameNode& n : tree.nodes_) {
      n.total = n.self;
      n.base_total = n.base_self;
    }
    for (size_t i = tree.nodes_.size(); i-- > 1;) {
      FlameNode& n = tree.nodes_[i];
      tree.nodes_[n.parent].total += n.total;
      tree.nodes_[n.parent].base_total += n.base_total;
    }
    tree.names_ = std::move(names_);
    return tree;
  }

 private:
  struct Symbol {
    uint32_t name;
    FrameKind kind;
  };
  struct TmpNode {
    uint32_t symbol;
    uint32_t parent;
    int64_t self = 0;
    int64_t base_self = 0;
  };
  struct ProfileCache {
    const model::Profile* p;
    std::vector<uint32_t> loc_offset;  // per location index: start in loc_syms, kNone = not yet
    std::vector<uint32_t> loc_syms;    // per location: count, then symbols outermost first
    std::vector<uint32_t> stack_leaf;  // per StackId value: tree node of the path, kNone = unused
  };

  uint32_t intern_name(std::string_view name) {
    if (auto it = name_index_.find(name); it != name_index_.end()) return it->second;
    uint32_t id = static_cast<uint32_t>(names_.size());
    names_.emplace_back(name);
    name_index_.emplace(names_.back(), id);
    return id;
  }
  uint32_t intern_symbol(std::string_view name, FrameKind kind) {
    uint32_t n = intern_name(name);
    uint64_t key = (uint64_t{n} << 8) | static_cast<uint8_t>(kind);
    if (auto it = symbol_index_.find(key); it != symbol_index_.end()) return it->second;
    uint32_t id = static_cast<uint32_t>(symbols_.size());
    symbols_.push_back(Symbol{n, kind});
    symbol_index_.emplace(key, id);
    return id;
  }

  // Symbols of a location, outermost first: each line is a frame, the inner ones inlined.
  std::span<const uint32_t> location_symbols(ProfileCache& c, model::LocationId id) {
    size_t idx = id.index();
    if (c.loc_offset[idx] == kNone) {
      const model::Location& loc = c.p->location(id);
      c.loc_offset[idx] = static_cast<uint32_t>(c.loc_syms.size());
      size_t n = std::max<size_t>(loc.lines.size(), 1);
      c.loc_syms.push_back(static_cast<uint32_t>(n));
      for (size_t k = n; k-- > 0;) {  // lines are innermost first
        FrameKind kind = loc.kind;
        if (k + 1 < n && kind == FrameKind::kNormal) kind = FrameKind::kInlined;
        c.loc_syms.push_back(intern_symbol(frame_name(*c.p, loc, k), kind));
      }
    }
    uint32_t off = c.loc_offset[idx];
    return {c.loc_syms.data() + off + 1, c.loc_syms[off]};
  }

  uint32_t child(uint32_t parent, uint32_t symbol) {
    return index_.find_or_insert((uint64_t{parent} << 32) | symbol, [&] {
      tmp_.push_back(TmpNode{symbol, parent});
      return static_cast<uint32_t>(tmp_.size() - 1);
    });
  }

  // The locations of the previous walk in walk order, and the tree node reached after each.
  struct PathCache {
    std::vector<model::LocationId> locs;
    std::vector<uint32_t> nodes;
  };

  // The tree node of `stack`'s path, reusing the prefix it shares with the previous walk.
  uint32_t walk(ProfileCache& c, PathCache& prev, model::StackId stack) {
    std::span<const model::LocationId> frames = c.p->stack(stack);  // leaf first
    const size_t n = frames.size();
    auto loc_at = [&](size_t i) { return reverse_ ? frames[i] : frames[n - 1 - i]; };  // in walk order
    size_t same = 0;
    while (same < n && same < prev.locs.size() && prev.locs[same] == loc_at(same)) ++same;
    prev.locs.resize(same);
    prev.nodes.resize(same);
    uint32_t node = same > 0 ? prev.nodes[same - 1] : 0;
    for (size_t i = same; i < n; ++i) {
      model::LocationId loc = loc_at(i);
      std::span<const uint32_t> syms = location_symbols(c, loc);  // outermost first
      if (!reverse_) {
        for (uint32_t sym : syms) node = child(node, sym);
      } else {
        for (size_t k = syms.size(); k-- > 0;) node = child(node, syms[k]);
      }
      prev.locs.push_back(loc);
      prev.nodes.push_back(node);
    }
    return node;
  }

  bool reverse_;
  std::vector<std::string> names_;
  std::unordered_map<std::string, uint32_t, StringHash, std::equal_to<>> name_index_;
  std::vector<Symbol> symbols_;
  std::unordered_map<uint64_t, uint32_t> symbol_index_;
  std::vector<TmpNode> tmp_;
  ChildIndex index_;
};

namespace {

model::Result<void> check_columns(const model::Profile& p, const char* what) {
  if (p.sample_types().empty()) {
    return model::make_error(ErrorCode::kUsage, fmt::format("{} profile has no value column", what));
  }
  return {};
}

int64_t pow10(int32_t n) {
  int64_t r = 1;
  for (int32_t i = 0; i < n; ++i) r *= 10;
  return r;
}

}  // namespace

model::Result<FlameTree> build_flame_tree(const model::Profile& profile, const FlameTreeOptions& options) {
  if (auto ok = check_columns(profile, "the"); !ok) return std::unexpected(ok.error());
  FlameTreeBuilder b(options.reverse);
  b.add_profile(profile, false, 1);
  FlameTree tree = b.finish();
  const model::ValueType& vt = profile.sample_types()[0];
  tree.value_type_ = std::string(profile.str(vt.type));
  tree.value_unit_ = std::string(profile.str(vt.unit));
  tree.decimals_ = vt.decimals;
  return tree;
}

model::Result<FlameTree> build_diff_flame_tree(const model::Profile& base, const model::Profile& current, bool normalize,
                                               const FlameTreeOptions& options) {
  if (auto ok = check_columns(base, "the base"); !ok) return std::unexpected(ok.error());
  if (auto ok = check_columns(current, "the new"); !ok) return std::unexpected(ok.error());
  const model::ValueType& bt = base.sample_types()[0];
  const model::ValueType& ct = current.sample_types()[0];
  std::string_view bu = base.str(bt.unit), cu = current.str(ct.unit);
  if (bu != cu) {
    return model::make_error(ErrorCode::kUsage,
                             fmt::format("cannot compare '{}' ({}) with '{}' ({}): the units differ", base.str(bt.type), bu,
                                         current.str(ct.type), cu));
  }
  const int32_t decimals = std::max(bt.decimals, ct.decimals);
  if (decimals > 18) return model::make_error(ErrorCode::kLimit, "too many fractional digits to compare");
  FlameTreeBuilder b(options.reverse);
  b.add_profile(base, true, pow10(decimals - bt.decimals));
  b.add_profile(current, false, pow10(decimals - ct.decimals));
  FlameTree tree = b.finish();
  tree.diff_ = true;
  tree.value_type_ = std::string(current.str(ct.type));
  tree.value_unit_ = std::string(cu);
  tree.decimals_ = decimals;
  if (normalize && tree.base_total() != 0 && tree.total() != 0) {
    double scale = static_cast<double>(tree.total()) / static_cast<double>(tree.base_total());
    for (FlameNode& n : tree.nodes_) {
      n.base_total = std::llround(static_cast<double>(n.base_total) * scale);
      n.base_self = std::llround(static_cast<double>(n.base_self) * scale);
    }
    tree.normalized_ = true;
    tree.base_scale_ = scale;
  }
  return tree;
}

}  // namespace profkit::analysis
