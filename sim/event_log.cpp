#include "sim/event_log.hpp"

namespace kubetwin::sim {

void EventLog::flush() {
  if (out_ != nullptr && !buffer_.empty()) out_->write(buffer_.data(), static_cast<std::streamsize>(buffer_.size()));
  buffer_.clear();
}

}  // namespace kubetwin::sim
