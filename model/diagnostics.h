// model/diagnostics.h — the sink for survivable problems.
//
// A parser or pass that skips a record, meets an unsymbolized mapping or tolerates a malformed
// line (with --lenient) reports it here instead of failing. Reports with the same key are
// counted, not repeated; the first message and location of each key are kept as an example.
// The CLI prints the summary once, on stderr, at the end of a run.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace profkit::model {

class Diagnostics {
 public:
  struct Entry {
    std::string key;        // stable category, e.g. "collapsed.malformed-line"
    std::string example;    // the first message reported under this key
    int64_t count = 0;
  };

  // Records one occurrence of `key`; `message` is kept if it is the first of its key.
  void warn(const std::string& key, const std::string& message);
  // Records an informational note (printed, but not a problem).
  void note(const std::string& message) { notes_.push_back(message); }

  bool empty() const { return entries_.empty() && notes_.empty(); }
  int64_t count(const std::string& key) const;
  // Entries in first-reported order.
  std::vector<Entry> entries() const;
  const std::vector<std::string>& notes() const { return notes_; }
  // One line per key ("warning: <example> (and N more like it)") and per note.
  std::string summary() const;

 private:
  std::vector<Entry> entries_;
  std::map<std::string, size_t> index_;
  std::vector<std::string> notes_;
};

}  // namespace profkit::model
