#pragma once
// `kubetwin experiment philly`: the Philly rigid-job replay (docs/philly-replay.md).
//
//   PhillyCommand philly(*experiment);             // before app.parse()
//   if (philly.selected()) return philly.run();    // inside the InputError handler
//
// Bad input (a malformed trace row, an unknown policy, inconsistent options) throws
// sim::InputError: exit code 2, nothing written.

#include <CLI/CLI.hpp>
#include <memory>

namespace kubetwin::cli {

struct PhillyArgs;

class PhillyCommand {
 public:
  explicit PhillyCommand(CLI::App& experiment);
  ~PhillyCommand();
  PhillyCommand(const PhillyCommand&) = delete;
  PhillyCommand& operator=(const PhillyCommand&) = delete;

  /// Whether the command line chose `experiment philly`.
  bool selected() const;
  /// Runs the replay, writes the output folder, prints one line per policy; returns the exit code.
  int run() const;

 private:
  CLI::App* cmd_ = nullptr;
  std::unique_ptr<PhillyArgs> args_;
};

}  // namespace kubetwin::cli
