// Runs a case's scenario in a child process: SimGrid allows one engine per process, and a suite
// runs many simulations. The child writes the usual run folder; the parent reads it back.

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "conformance/case.hpp"
#include "scenarios/runner.hpp"
#include "scenarios/scenario_loader.hpp"
#include "sim/input_error.hpp"
#include "sim/strict_json.hpp"

namespace kubetwin::conformance {

namespace fs = std::filesystem;

const char* status_name(Status s) {
  switch (s) {
    case Status::Pass: return "pass";
    case Status::Fail: return "fail";
    case Status::NotApplicable: return "n/a";
    case Status::Untested: return "untested";
  }
  return "untested";
}

std::vector<const nlohmann::json*> SimulationResult::of_type(std::string_view type) const {
  std::vector<const nlohmann::json*> out;
  for (const auto& e : events) {
    if (e["type"].get<std::string>() == type) out.push_back(&e);
  }
  return out;
}

namespace {

std::string read_text(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

std::string SimulationResult::read_output(const std::string& name) const {
  const fs::path file = out_dir / name;
  if (!fs::is_regular_file(file)) throw std::runtime_error("the run wrote no " + file.string());
  return read_text(file);
}

SimulationResult CaseContext::simulate(const nlohmann::json& case_scenario) const {
  nlohmann::json doc = profile_.apply(case_scenario);
  const std::string source = "case scenario \"" + doc.value("name", std::string("?")) + "\" with profile " + profile_.source;
  // Load in the parent, so bad input is reported before anything runs.
  const scenarios::Scenario sc = scenarios::load_scenario(doc, source, fs::current_path());
  const fs::path out = work_dir_ / sc.name;
  fs::create_directories(work_dir_);
  std::fflush(nullptr);
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed for " + source);
  if (pid == 0) {
    int code = 0;
    try {
      scenarios::RunOptions options;
      options.out_dir = out;
      options.progress = false;
      scenarios::run_scenario(sc, options);
    } catch (const std::exception& e) {
      std::ofstream(work_dir_ / (sc.name + ".error")) << e.what();
      code = 1;
    }
    std::fflush(nullptr);
    _exit(code);  // no atexit handlers: the parent owns them
  }
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    throw std::runtime_error(source + ": simulation failed: " + read_text(work_dir_ / (sc.name + ".error")));
  }
  SimulationResult r;
  r.out_dir = out;
  r.summary = sim::parse_json_document(read_text(out / "summary.json"), (out / "summary.json").string());
  std::istringstream lines(read_text(out / "events.jsonl"));
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty()) r.events.push_back(nlohmann::json::parse(line));
  }
  return r;
}

}  // namespace kubetwin::conformance
