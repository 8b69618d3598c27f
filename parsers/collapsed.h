// parsers/collapsed.h — Brendan Gregg's collapsed ("folded") stacks: parser and writer.
//
// One line per stack, root first, frames joined by ';', then whitespace and a count:
//
//     bash;main;execute_command;__libc_fork 12
//
// Grammar (as flamegraph.pl and difffolded.pl read it):
//  * the count is the last whitespace-separated token: digits, optionally '.' and more digits
//    ("5", "5.", "2.25"); everything before it, with the separating whitespace trimmed, is the
//    stack, so frames may contain spaces. Frames split on ';'; trailing empty frames are dropped
//    (Perl's split), leading and inner empty frames are kept; an empty stack counts towards the
//    total only.
//  * a frame ending in _[k] _[j] _[i] _[w] (kernel, JIT, inlined, waker) is stored without the
//    suffix and with that model::FrameKind on its Location; the writer adds it back.
//  * fractional counts are stored fixed-point: ValueType::decimals is the largest number of
//    significant fractional digits seen (at most 9; further digits are truncated with a warning).
//  * differential files ("stack BEFORE AFTER", difffolded.pl output) are recognised when every
//    line carries two counts; parse() then returns two profiles, before and after.
//  * blank lines are skipped, CRLF and a missing final newline are accepted, a UTF-8 BOM skipped.
//  * a malformed line is a kParse error naming file and 1-based line; with ParseOptions::lenient
//    it is skipped and counted under the diagnostics key "collapsed.malformed-line".
// The sample type is (samples, count); identical stacks aggregate.
#pragma once

#include <cstdint>
#include <ostream>
#include <span>

#include "model/error.h"
#include "model/profile.h"
#include "parsers/format.h"

namespace profkit::parsers {

// The registry entry: name "collapsed", sniff_collapsed, parse_collapsed.
Format collapsed_format();

// Yes when the first non-blank lines (about 4 KiB, but at least one whole line) all end in a
// count, none is indented and there are no NUL bytes; Go text profile headers are refused
// explicitly. The parser itself is more liberal (see above).
Sniff sniff_collapsed(std::span<const uint8_t> head);

// One profile, or two (before, after) for a differential file. Streams over `bytes` (no copy).
model::Result<std::vector<model::Profile>> parse_collapsed(std::span<const uint8_t> bytes, const ParseOptions& options);

struct CollapsedWriteOptions {
  bool annotate_kinds = true;  // append _[k] _[j] _[i] _[w] to frames of those kinds
  bool addrs = false;          // unsymbolized frames as "[module <hex addr>]" (stackcollapse-perf --addrs)
};

// Writes column `sample_index` of `p` as collapsed stacks: one line per distinct stack text,
// root first, sorted bytewise (C locale), zero totals omitted, counts printed with the column's
// decimals. A location with several lines expands to one frame per line, outermost first, the
// inlined ones marked _[i]; a location without lines prints as "[<module basename>]" or
// "[unknown]", as stackcollapse-perf.pl does. ';' in names becomes ':' and line breaks become
// spaces, so every line stays parseable. kUsage error when sample_index is out of range.
model::Result<void> write_collapsed(const model::Profile& p, size_t sample_index, std::ostream& out,
                                    const CollapsedWriteOptions& options = {});

}  // namespace profkit::parsers
