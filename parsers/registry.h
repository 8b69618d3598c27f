// parsers/registry.h — picks the parser for an input by sniffing its bytes.
//
// Formats are tried in a fixed order (most specific magic first, the permissive collapsed-stack
// grammar last). The file name never decides.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "parsers/format.h"
#include "parsers/input.h"

namespace profkit::parsers {

// All formats in sniffing order.
std::span<const Format> formats();
// The first format whose sniffer says yes; nullptr when none does.
const Format* detect(std::span<const uint8_t> bytes);
// Detects and parses already-read (gunzipped) bytes.
model::Result<std::vector<model::Profile>> parse_bytes(std::span<const uint8_t> bytes, const ParseOptions& options);
// Reads `path` ("-" = stdin), gunzips, detects and parses.
model::Result<std::vector<model::Profile>> load(const std::string& path, const ParseOptions& options,
                                                const InputLimits& limits = {});

}  // namespace profkit::parsers
