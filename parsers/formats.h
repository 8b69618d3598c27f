// parsers/formats.h — the list of known formats, in sniffing order.
//
// Each format's files expose a `Format xxx_format()` factory; formats.cpp lists them in sniffing
// order, in one place, so the order is reviewable.
#pragma once

#include <vector>

#include "parsers/format.h"

namespace profkit::parsers {

std::vector<Format> all_formats();

}  // namespace profkit::parsers
