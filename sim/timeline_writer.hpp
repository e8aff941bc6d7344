#pragma once
// Streams a timeline in the Chrome trace event format (JSON object form), which the Perfetto UI
// and chrome://tracing open directly. Tracks are (process, thread) pairs: the runner maps node
// pools to processes and nodes to threads. Times are given in simulated seconds and written in
// microseconds, as the format requires.

#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kubetwin::sim {

class TimelineWriter {
 public:
  explicit TimelineWriter(std::ostream& out);
  TimelineWriter(const TimelineWriter&) = delete;
  TimelineWriter& operator=(const TimelineWriter&) = delete;
  ~TimelineWriter();

  void name_process(int pid, std::string_view name);
  void name_thread(int pid, int tid, std::string_view name);
  /// A slice from `start` lasting `duration` seconds on track (pid, tid); `args_json` is an
  /// object literal or empty.
  void slice(int pid, int tid, std::string_view name, std::string_view category, double start,
             double duration, std::string_view args_json = {});
  /// A counter sample: each (series, value) pair is one line of the counter track `name`.
  void counter(int pid, std::string_view name, double t,
               const std::vector<std::pair<std::string_view, double>>& values);
  /// Writes the closing brackets; called by the destructor if not called before.
  void close();

 private:
  std::string& begin_event();
  void end_event();

  std::ostream& out_;
  std::string buffer_;
  bool first_ = true;
  bool closed_ = false;
};

}  // namespace kubetwin::sim
