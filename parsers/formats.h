// parsers/formats.h — the list of known formats, in sniffing order.
//
// Each format's files expose one `Format xxx_format()` function; add yours here and in
// formats.cpp. Keeping the list in one place makes the sniffing order reviewable.
#pragma once

#include <vector>

#include "parsers/format.h"

namespace profkit::parsers {

std::vector<Format> all_formats();

}  // namespace profkit::parsers
