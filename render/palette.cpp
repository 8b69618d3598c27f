#include "render/palette.h"

#include <fmt/format.h>

#include <array>

namespace profkit::render {

namespace {

using model::FrameKind;

constexpr std::array<std::pair<std::string_view, Palette>, 13> kPalettes{{
    {"hot", Palette::kHot},       {"mem", Palette::kMem},       {"io", Palette::kIo},
    {"java", Palette::kJava},     {"js", Palette::kJs},         {"perl", Palette::kPerl},
    {"red", Palette::kRed},       {"green", Palette::kGreen},   {"blue", Palette::kBlue},
    {"aqua", Palette::kAqua},     {"yellow", Palette::kYellow}, {"purple", Palette::kPurple},
    {"orange", Palette::kOrange},
}};

// Three independent numbers in [0, 1) from a 64-bit FNV-1a hash of the name.
struct Hash3 {
  double v1, v2, v3;
};
Hash3 hash_name(std::string_view name) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : name) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  h ^= h >> 29;  // spread the low bits, which FNV mixes least
  h *= 0xbf58476d1ce4e5b9ULL;
  h ^= h >> 32;
  auto part = [h](int shift) { return static_cast<double>((h >> shift) & 0xffff) / 65536.0; };
  return {part(0), part(16), part(32)};
}

int scaled(int base, int range, double v) { return base + static_cast<int>(range * v); }

Rgb hue(Palette p, double v1) {
  switch (p) {
    case Palette::kRed: {
      int x = scaled(50, 80, v1);
      return {scaled(200, 55, v1), x, x};
    }
    case Palette::kGreen: {
      int x = scaled(50, 60, v1);
      return {x, scaled(200, 55, v1), x};
    }
    case Palette::kBlue: {
      int x = scaled(80, 60, v1);
      return {x, x, scaled(205, 50, v1)};
    }
    case Palette::kYellow: {
      int x = scaled(175, 55, v1);
      return {x, x, scaled(50, 20, v1)};
    }
    case Palette::kPurple: {
      int x = scaled(190, 65, v1);
      return {x, scaled(80, 60, v1), x};
    }
    case Palette::kAqua: return {scaled(50, 60, v1), scaled(165, 55, v1), scaled(165, 55, v1)};
    case Palette::kOrange: return {scaled(190, 65, v1), scaled(90, 65, v1), 0};
    default: return {0, 0, 0};
  }
}

bool starts_with_java_package(std::string_view n) {
  if (!n.empty() && n[0] == 'L') n.remove_prefix(1);
  for (std::string_view pkg : {"java/", "javax/", "jdk/", "net/", "org/", "com/", "io/", "sun/"}) {
    if (n.starts_with(pkg)) return true;
  }
  return false;
}

// The single hue a multi-hue palette gives this frame (flamegraph.pl's java/js/perl rules,
// with annotations read from the FrameKind).
Palette pick_hue(Palette p, std::string_view n, FrameKind kind) {
  auto has = [n](std::string_view s) { return n.find(s) != std::string_view::npos; };
  switch (p) {
    case Palette::kJava:
      if (kind == FrameKind::kJit) return Palette::kGreen;
      if (kind == FrameKind::kInlined) return Palette::kAqua;
      if (starts_with_java_package(n) || has(":::")) return Palette::kGreen;
      if (has("::")) return Palette::kYellow;
      if (kind == FrameKind::kKernel) return Palette::kOrange;
      return Palette::kRed;
    case Palette::kJs:
      if (kind == FrameKind::kJit) return has("/") ? Palette::kGreen : Palette::kAqua;
      if (has("::")) return Palette::kYellow;
      if (auto slash = n.find('/'); slash != std::string_view::npos && n.find(".js", slash) != std::string_view::npos) {
        return Palette::kGreen;
      }
      if (has(":")) return Palette::kAqua;
      if (n == " ") return Palette::kGreen;
      if (kind == FrameKind::kKernel) return Palette::kOrange;
      return Palette::kRed;
    case Palette::kPerl:
      if (has("::")) return Palette::kYellow;
      if (has("Perl") || has(".pl")) return Palette::kGreen;
      if (kind == FrameKind::kKernel) return Palette::kOrange;
      return Palette::kRed;
    default: return p;
  }
}

}  // namespace

std::optional<Palette> parse_palette(std::string_view name) {
  for (const auto& [n, p] : kPalettes) {
    if (n == name) return p;
  }
  return std::nullopt;
}

std::string palette_names() {
  std::string s;
  for (const auto& [n, p] : kPalettes) {
    if (!s.empty()) s += ", ";
    s += n;
  }
  return s;
}

Rgb frame_color(Palette palette, std::string_view name, FrameKind kind) {
  if (name == "--") return {160, 160, 160};
  if (name == "-") return {200, 200, 200};
  Hash3 v = hash_name(name);
  switch (palette) {
    case Palette::kHot:
    case Palette::kMem:
    case Palette::kIo:
      // Annotated kinds stand out from user code under the default palettes too.
      if (kind == FrameKind::kKernel) return hue(Palette::kOrange, v.v1);
      if (kind == FrameKind::kJit) return hue(Palette::kGreen, v.v1);
      if (kind == FrameKind::kInlined || kind == FrameKind::kWaker) return hue(Palette::kAqua, v.v1);
      if (palette == Palette::kHot) return {scaled(205, 50, v.v3), scaled(0, 230, v.v1), scaled(0, 55, v.v2)};
      if (palette == Palette::kMem) return {0, scaled(190, 50, v.v2), scaled(0, 210, v.v1)};
      {
        int r = scaled(80, 60, v.v1);
        return {r, r, scaled(190, 55, v.v2)};
      }
    case Palette::kJava:
    case Palette::kJs:
    case Palette::kPerl: return hue(pick_hue(palette, name, kind), v.v1);
    default: return hue(palette, v.v1);
  }
}

Rgb diff_color(double delta, double max_delta) {
  if (max_delta <= 0) max_delta = 1;
  if (delta > max_delta) delta = max_delta;
  if (delta < -max_delta) delta = -max_delta;
  if (delta > 0) {
    int x = static_cast<int>(210 * (max_delta - delta) / max_delta);
    return {255, x, x};
  }
  if (delta < 0) {
    int x = static_cast<int>(210 * (max_delta + delta) / max_delta);
    return {x, x, 255};
  }
  return {255, 255, 255};
}

std::pair<std::string_view, std::string_view> background(Palette palette) {
  switch (palette) {
    case Palette::kMem: return {"#eef2ee", "#e0ffe0"};
    case Palette::kIo: return {"#eeeeee", "#e0e0ff"};
    case Palette::kHot:
    case Palette::kJava:
    case Palette::kJs:
    case Palette::kPerl: return {"#eeeeee", "#eeeeb0"};
    default: return {"#f8f8f8", "#e8e8e8"};
  }
}

std::string to_css(Rgb c) { return fmt::format("rgb({},{},{})", c.r, c.g, c.b); }

}  // namespace profkit::render
