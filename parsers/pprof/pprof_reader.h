// parsers/pprof/pprof_reader.h — reading pprof's profile.proto (raw; gzip is unwrapped earlier).
//
// The decoder is a checked, two-pass streaming decoder: pass one reads the string table and the
// mapping, function and location tables; pass two streams samples straight into the
// ProfileBuilder, so memory stays at the input plus the model. Every length is checked before use
// (a length field claiming gigabytes is ErrorCode::kLimit), and the profile is validated the way
// pprof's CheckValid does: ids non-zero and unique, referenced ids existing, string indices in
// range, one value per sample type. Errors name the offending id or sample and the byte offset.
//
// pprof ids map onto positional model ids in file order (the builder runs with aggregation and
// table deduplication off), so samples, their order and every table survive unchanged and
// write_pprof(read(x)) reproduces x's content. Locations without lines stay unsymbolized with
// their mapping; a mapping's symbol_state says whether any of its locations carried lines.
// Not kept: doc_url (field 15), which the model has no place for.
#pragma once

#include <cstdint>
#include <span>

#include "model/profile.h"
#include "parsers/format.h"

namespace profkit::parsers {

// Yes when the bytes start like a Profile message: the first fields carry known field numbers
// with the right wire types and their nested messages decode (stricter than "any bytes").
Sniff sniff_pprof(std::span<const uint8_t> head);

// Decodes and validates one profile.proto message.
model::Result<model::Profile> parse_pprof(std::span<const uint8_t> bytes, const ParseOptions& options);

Format pprof_format();

}  // namespace profkit::parsers
