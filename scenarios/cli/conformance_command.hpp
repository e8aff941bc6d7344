#pragma once
// `kubetwin conformance`: the Kubernetes AI Conformance suite against a scheduler profile
// (docs/conformance.md).
//
//   ConformanceCommand conformance(app);                   // before app.parse()
//   if (conformance.selected()) return conformance.run();  // inside the InputError handler
//
// Bad input (an unknown profile or version, a bad profile file) throws sim::InputError: exit
// code 2, nothing written.

#include <CLI/CLI.hpp>
#include <memory>

namespace kubetwin::cli {

struct ConformanceArgs;

class ConformanceCommand {
 public:
  explicit ConformanceCommand(CLI::App& app);
  ~ConformanceCommand();
  ConformanceCommand(const ConformanceCommand&) = delete;
  ConformanceCommand& operator=(const ConformanceCommand&) = delete;

  bool selected() const;
  /// --list prints profiles and requirements; otherwise runs the suite and writes the report.
  /// Returns the exit code: 0 also when requirements fail (the report says which).
  int run() const;

 private:
  CLI::App* cmd_ = nullptr;
  std::unique_ptr<ConformanceArgs> args_;
};

}  // namespace kubetwin::cli
