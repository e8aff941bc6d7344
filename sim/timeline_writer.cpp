#include "sim/timeline_writer.hpp"

#include "sim/json_writer.hpp"

namespace kubetwin::sim {

namespace {
constexpr double kMicrosPerSecond = 1e6;
}

TimelineWriter::TimelineWriter(std::ostream& out) : out_(out) {
  buffer_ = "{\"displayTimeUnit\":\"ms\",\"traceEvents\":[\n";
}

TimelineWriter::~TimelineWriter() { close(); }

std::string& TimelineWriter::begin_event() {
  if (!first_) buffer_ += ",\n";
  first_ = false;
  return buffer_;
}

void TimelineWriter::end_event() {
  if (buffer_.size() > (1 << 20)) {
    out_.write(buffer_.data(), static_cast<std::streamsize>(buffer_.size()));
    buffer_.clear();
  }
}

void TimelineWriter::name_process(int pid, std::string_view name) {
  JsonObjectWriter w(begin_event());
  w.field("ph", "M").field("pid", pid).field("name", "process_name");
  std::string args;
  JsonObjectWriter(args).field("name", name).close();
  w.raw_field("args", args).close();
  end_event();
}

void TimelineWriter::name_thread(int pid, int tid, std::string_view name) {
  JsonObjectWriter w(begin_event());
  w.field("ph", "M").field("pid", pid).field("tid", tid).field("name", "thread_name");
  std::string args;
  JsonObjectWriter(args).field("name", name).close();
  w.raw_field("args", args).close();
  end_event();
}

void TimelineWriter::slice(int pid, int tid, std::string_view name, std::string_view category,
                           double start, double duration, std::string_view args_json) {
  JsonObjectWriter w(begin_event());
  w.field("ph", "X").field("pid", pid).field("tid", tid).field("name", name).field("cat", category);
  w.field("ts", start * kMicrosPerSecond).field("dur", duration * kMicrosPerSecond);
  if (!args_json.empty()) w.raw_field("args", args_json);
  w.close();
  end_event();
}

void TimelineWriter::counter(int pid, std::string_view name, double t,
                             const std::vector<std::pair<std::string_view, double>>& values) {
  JsonObjectWriter w(begin_event());
  w.field("ph", "C").field("pid", pid).field("name", name).field("ts", t * kMicrosPerSecond);
  std::string args;
  {
    JsonObjectWriter a(args);
    for (const auto& [series, value] : values) a.field(series, value);
    a.close();
  }
  w.raw_field("args", args).close();
  end_event();
}

void TimelineWriter::close() {
  if (closed_) return;
  closed_ = true;
  buffer_ += "\n]}\n";
  out_.write(buffer_.data(), static_cast<std::streamsize>(buffer_.size()));
  buffer_.clear();
  out_.flush();
}

}  // namespace kubetwin::sim
