#pragma once
// The append-only event log: one JSON object per line, `{"t":<seconds>,"type":"<Kind>",...}`.
// Events are typed structs that declare their kind and write their own fields:
//
//   struct JobCompleted {
//     static constexpr std::string_view kType = "JobCompleted";
//     std::string_view job;
//     void write(JsonObjectWriter& w) const { w.field("job", job); }
//   };
//   log.record(engine.now(), JobCompleted{"job-1"});

#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>

#include "sim/json_writer.hpp"
#include "sim/random.hpp"

namespace kubetwin::sim {

class EventLog {
 public:
  /// Logs to `out`; a null stream keeps only the count and fingerprint.
  explicit EventLog(std::ostream* out = nullptr) : out_(out) {}
  EventLog(const EventLog&) = delete;
  EventLog& operator=(const EventLog&) = delete;
  ~EventLog() { flush(); }

  template <class Event>
  void record(double t, const Event& event) {
    const std::size_t start = buffer_.size();
    {
      JsonObjectWriter w(buffer_);
      w.field("t", t).field("type", Event::kType);
      event.write(w);
      w.close();
    }
    buffer_ += '\n';
    fingerprint_ = fnv1a64(std::string_view(buffer_).substr(start), fingerprint_);
    ++count_;
    if (buffer_.size() > kFlushBytes) flush();
  }

  void flush();
  std::uint64_t count() const { return count_; }
  /// FNV-1a of every byte logged so far: equal logs have equal fingerprints.
  std::uint64_t fingerprint() const { return fingerprint_; }

 private:
  static constexpr std::size_t kFlushBytes = 1 << 20;
  std::ostream* out_;
  std::string buffer_;
  std::uint64_t count_ = 0;
  std::uint64_t fingerprint_ = 0xcbf29ce484222325ULL;
};

}  // namespace kubetwin::sim
