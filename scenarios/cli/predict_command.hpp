#pragma once
// `kubetwin predict train|infer|serve|search`: the performance models on the command line.
//
//   PredictCommand predict(app);            // before app.parse()
//   if (predict.selected()) return predict.run();  // inside the InputError handler
//
// Bad input (unknown GPU or model, sizes that do not divide) throws sim::InputError: exit code 2.

#include <CLI/CLI.hpp>
#include <memory>

namespace kubetwin::cli {

struct PredictTrainArgs;
struct PredictInferArgs;
struct PredictServeArgs;
struct PredictSearchArgs;

class PredictCommand {
 public:
  explicit PredictCommand(CLI::App& app);
  ~PredictCommand();
  PredictCommand(const PredictCommand&) = delete;
  PredictCommand& operator=(const PredictCommand&) = delete;

  /// Whether the command line chose `predict ...`.
  bool selected() const;
  /// Runs the chosen verb, prints its result on stdout, returns the exit code.
  int run() const;

 private:
  CLI::App* predict_ = nullptr;
  CLI::App* train_ = nullptr;
  CLI::App* infer_ = nullptr;
  CLI::App* serve_ = nullptr;
  CLI::App* search_ = nullptr;
  std::unique_ptr<PredictTrainArgs> train_args_;
  std::unique_ptr<PredictInferArgs> infer_args_;
  std::unique_ptr<PredictServeArgs> serve_args_;
  std::unique_ptr<PredictSearchArgs> search_args_;
};

}  // namespace kubetwin::cli
