#include "scenarios/cli/conformance_command.hpp"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "conformance/case.hpp"
#include "conformance/catalog.hpp"
#include "conformance/profile.hpp"
#include "conformance/report.hpp"
#include "sim/input_error.hpp"

namespace kubetwin::cli {

namespace fs = std::filesystem;
using namespace kubetwin::conformance;

struct ConformanceArgs {
  bool list = false;
  std::string profile, version, out;
};

ConformanceCommand::ConformanceCommand(CLI::App& app) : args_(std::make_unique<ConformanceArgs>()) {
  cmd_ = app.add_subcommand("conformance",
                            "Run the Kubernetes AI Conformance suite against a scheduler profile and write "
                            "DIR/report.json, report.md, junit.xml");
  auto* list = cmd_->add_flag("--list", args_->list, "List the built-in profiles and the requirements of --version");
  auto* profile = cmd_->add_option("--profile", args_->profile, "A built-in profile (see --list) or a profile file (JSON)");
  cmd_->add_option("--version", args_->version, "Kubernetes AI Conformance version (default: the newest)");
  auto* out = cmd_->add_option("--out", args_->out, "Output folder for report.json, report.md, junit.xml");
  list->excludes(profile)->excludes(out);
}

ConformanceCommand::~ConformanceCommand() = default;

bool ConformanceCommand::selected() const { return cmd_->parsed(); }

int ConformanceCommand::run() const {
  const Catalog& catalog = Catalog::builtin();
  const std::string version = args_->version.empty() ? catalog.latest() : args_->version;
  if (!catalog.has_version(version)) {
    std::string known;
    for (const auto& v : catalog.versions()) known += (known.empty() ? "" : ", ") + v;
    throw sim::InputError("--version: unknown AI Conformance version \"" + version + "\" (known: " + known + ")");
  }
  if (args_->list) {
    std::printf("profiles:\n");
    for (const auto& name : builtin_profile_names()) {
      std::printf("  %-14s %s\n", name.c_str(), load_profile(name).description.c_str());
    }
    std::printf("requirements of AI Conformance %s:\n", version.c_str());
    for (const auto& [spec, level] : catalog.for_version(version)) {
      const Case* c = find_case(spec->id);
      std::printf("  %-28s %-6s %-24s %s\n", spec->id.c_str(), level.c_str(), spec->category.c_str(),
                  c != nullptr ? c->summary : ("untested: " + missing_model(spec->id)).c_str());
    }
    std::printf("workload families (every version):\n");
    for (const auto& [family, title] : workload_families()) {
      std::printf("  %s (%s):\n", family.c_str(), title.c_str());
      for (const auto& w : workload_scenarios()) {
        if (w.family == family) std::printf("    %-36s %s\n", w.name, w.summary);
      }
    }
    return 0;
  }
  if (args_->profile.empty()) throw sim::InputError("--profile is required (or --list)");
  if (args_->out.empty()) throw sim::InputError("--out is required");
  const Profile profile = load_profile(args_->profile);
  // Case simulations run in a scratch folder beside nothing the user owns, removed afterwards.
  const fs::path work = fs::temp_directory_path() / ("kubetwin-conformance-" + std::to_string(getpid()));
  struct Cleanup {
    fs::path dir;
    ~Cleanup() {
      std::error_code ec;
      fs::remove_all(dir, ec);
    }
  } cleanup{work};
  const Report report = run_suite(profile, version, work);
  write_report(report, args_->out);
  std::printf("AI Conformance %s, profile %s: %d pass, %d fail, %d n/a, %d untested; workload families: %d pass, %d fail; "
              "%s/report.json, report.md, junit.xml\n",
              version.c_str(), profile.name.c_str(), report.count(Status::Pass), report.count(Status::Fail),
              report.count(Status::NotApplicable), report.count(Status::Untested), report.count_workloads(Status::Pass),
              report.count_workloads(Status::Fail), args_->out.c_str());
  return 0;
}

}  // namespace kubetwin::cli
