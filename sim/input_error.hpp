#pragma once
// Bad input (a scenario, trace line, manifest or flag) is reported as an InputError whose message
// is the complete one-line diagnosis, starting with where: "trace.jsonl:17: /pods/0/replicas: must
// be at least 1". The command line prints it and exits with code 2.

#include <stdexcept>
#include <string>
#include <vector>

namespace kubetwin::sim {

class InputError : public std::runtime_error {
 public:
  explicit InputError(const std::string& line) : std::runtime_error(line), lines_{line} {}
  /// Several independent problems found at once (each a full line).
  explicit InputError(std::vector<std::string> lines)
      : std::runtime_error(lines.empty() ? std::string("invalid input") : lines.front()),
        lines_(std::move(lines)) {}
  const std::vector<std::string>& lines() const { return lines_; }

 private:
  std::vector<std::string> lines_;
};

}  // namespace kubetwin::sim
