// render/palette.h — flame graph colours: flamegraph.pl's palettes, driven by a hash of the name.
//
// Colours never depend on randomness, time or input order: each frame's colour is a function of
// (palette, name, kind) only, so identical input renders identically. Palette hues and ranges
// follow flamegraph.pl (hot, mem, io; java, js, perl pick a hue per frame; red … orange are
// single hues). Kernel, JIT and inlined frames are told apart by their FrameKind: under the
// multi-hue palettes as flamegraph.pl does for _[k] _[j] _[i] annotations, and under hot with
// orange / green / aqua so they stand out from user code.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "model/profile.h"

namespace profkit::render {

enum class Palette { kHot, kMem, kIo, kJava, kJs, kPerl, kRed, kGreen, kBlue, kAqua, kYellow, kPurple, kOrange };

struct Rgb {
  int r = 0, g = 0, b = 0;
  bool operator==(const Rgb&) const = default;
};

std::optional<Palette> parse_palette(std::string_view name);
// "hot, mem, io, java, js, perl, red, green, blue, aqua, yellow, purple, orange".
std::string palette_names();

// The fill of a frame. "-" and "--" (flamegraph.pl's stack separators) are grey.
Rgb frame_color(Palette palette, std::string_view name, model::FrameKind kind);
// Differential fill: white for 0, towards red for growth (delta > 0), towards blue for shrinkage,
// saturating at |delta| = max_delta (flamegraph.pl's color_scale).
Rgb diff_color(double delta, double max_delta);
// Background gradient (top, bottom) in #rrggbb, by palette family as flamegraph.pl picks it.
std::pair<std::string_view, std::string_view> background(Palette palette);

std::string to_css(Rgb c);  // "rgb(r,g,b)"

}  // namespace profkit::render
