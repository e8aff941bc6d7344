#include "conformance/report.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <sstream>

#include "conformance/catalog.hpp"
#include "sim/output_directory.hpp"

namespace kubetwin::conformance {

int Report::count(Status s) const {
  return static_cast<int>(std::count_if(requirements.begin(), requirements.end(), [&](const auto& r) { return r.status == s; }));
}

int Report::count_workloads(Status s) const {
  return static_cast<int>(std::count_if(workloads.begin(), workloads.end(), [&](const auto& w) { return w.status == s; }));
}

Report run_suite(const Profile& profile, const std::string& version, const std::filesystem::path& work_dir) {
  Report report{profile.name, profile.description, version, {}, {}};
  for (const auto& [spec, level] : Catalog::builtin().for_version(version)) {
    RequirementResult r{spec->id, spec->category, spec->kar, level, Status::Untested, ""};
    if (auto na = profile.not_applicable.find(spec->id); na != profile.not_applicable.end()) {
      r.status = Status::NotApplicable;
      r.evidence = "declared n/a by the profile: " + na->second + " (the requirement applies if " + spec->condition +
                   "); the case did not run";
    } else if (const Case* c = find_case(spec->id)) {
      const CaseResult result = c->run(CaseContext(profile, work_dir / spec->id));
      r.status = result.status;
      r.evidence = result.evidence;
    } else {
      r.evidence = "untested: no kubetwin case yet; " + missing_model(spec->id);
    }
    report.requirements.push_back(std::move(r));
  }
  for (const auto& w : workload_scenarios()) {
    const CaseResult result = w.run(CaseContext(profile, work_dir / "workloads" / w.name));
    report.workloads.push_back({w.family, w.name, result.status, result.evidence});
  }
  return report;
}

std::string report_json(const Report& r) {
  nlohmann::ordered_json doc = {{"profile", r.profile}, {"version", r.version}, {"generator", "kubetwin conformance"}};
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const auto& q : r.requirements) {
    list.push_back({{"id", q.id}, {"category", q.category}, {"kar", q.kar}, {"level", q.level},
                    {"status", status_name(q.status)}, {"evidence", q.evidence}});
  }
  doc["summary"] = {{"pass", r.count(Status::Pass)}, {"fail", r.count(Status::Fail)},
                    {"n/a", r.count(Status::NotApplicable)}, {"untested", r.count(Status::Untested)}};
  doc["requirements"] = std::move(list);
  nlohmann::ordered_json workloads = nlohmann::ordered_json::array();
  for (const auto& w : r.workloads) {
    workloads.push_back({{"family", w.family}, {"name", w.name}, {"status", status_name(w.status)}, {"evidence", w.evidence}});
  }
  doc["workloadSummary"] = {{"pass", r.count_workloads(Status::Pass)}, {"fail", r.count_workloads(Status::Fail)}};
  doc["workloads"] = std::move(workloads);
  return doc.dump(2) + "\n";
}

namespace {

std::string md_cell(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '|') out += "\\|";
    else if (c == '\n') out += ' ';
    else out += c;
  }
  return out;
}

std::string xml_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

}  // namespace

std::string report_markdown(const Report& r) {
  std::ostringstream md;
  md << "# Kubernetes AI Conformance " << r.version << ": profile `" << r.profile << "`\n\n";
  if (!r.profile_description.empty()) md << r.profile_description << "\n\n";
  md << r.count(Status::Pass) << " pass, " << r.count(Status::Fail) << " fail, " << r.count(Status::NotApplicable)
     << " n/a, " << r.count(Status::Untested) << " untested (no kubetwin case yet). Simulated by kubetwin "
     << "(`kubetwin conformance --profile " << r.profile << " --version " << r.version << "`).\n\n";
  md << "| requirement | category | level | status | evidence |\n|---|---|---|---|---|\n";
  for (const auto& q : r.requirements) {
    md << "| `" << q.id << "` | " << q.category << " | " << q.level << " | **" << status_name(q.status) << "** | "
       << md_cell(q.evidence) << " |\n";
  }
  if (!r.workloads.empty()) {
    md << "\n## Workload families\n\nRealistic work of the program's three families, run against the same profile: "
       << r.count_workloads(Status::Pass) << " pass, " << r.count_workloads(Status::Fail) << " fail.\n\n"
       << "| family | scenario | status | evidence |\n|---|---|---|---|\n";
    for (const auto& w : r.workloads) {
      std::string title = w.family;
      for (const auto& [id, t] : workload_families()) {
        if (id == w.family) title = t;
      }
      md << "| " << title << " | `" << w.name << "` | **" << status_name(w.status) << "** | " << md_cell(w.evidence) << " |\n";
    }
  }
  return md.str();
}

std::string report_junit(const Report& r) {
  std::ostringstream x;
  x << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  const int failures = r.count(Status::Fail);
  const int skipped = r.count(Status::NotApplicable) + r.count(Status::Untested);
  x << "<testsuites>\n  <testsuite name=\"kubetwin-ai-conformance-" << xml_escape(r.version) << "-" << xml_escape(r.profile)
    << "\" tests=\"" << r.requirements.size() << "\" failures=\"" << failures << "\" skipped=\"" << skipped
    << "\" errors=\"0\">\n";
  for (const auto& q : r.requirements) {
    x << "    <testcase classname=\"ai-conformance." << xml_escape(q.category) << "\" name=\"" << xml_escape(q.id)
      << " [" << q.level << "]\"";
    if (q.status == Status::Pass) {
      x << ">\n      <system-out>" << xml_escape(q.evidence) << "</system-out>\n    </testcase>\n";
    } else if (q.status == Status::Fail) {
      x << ">\n      <failure message=\"" << xml_escape(q.evidence) << "\"/>\n    </testcase>\n";
    } else {
      x << ">\n      <skipped message=\"" << status_name(q.status) << ": " << xml_escape(q.evidence) << "\"/>\n    </testcase>\n";
    }
  }
  x << "  </testsuite>\n";
  if (!r.workloads.empty()) {
    x << "  <testsuite name=\"kubetwin-ai-workloads-" << xml_escape(r.version) << "-" << xml_escape(r.profile) << "\" tests=\""
      << r.workloads.size() << "\" failures=\"" << r.count_workloads(Status::Fail) << "\" skipped=\"0\" errors=\"0\">\n";
    for (const auto& w : r.workloads) {
      x << "    <testcase classname=\"ai-workloads." << xml_escape(w.family) << "\" name=\"" << xml_escape(w.name) << "\"";
      if (w.status == Status::Fail) x << ">\n      <failure message=\"" << xml_escape(w.evidence) << "\"/>\n    </testcase>\n";
      else x << ">\n      <system-out>" << xml_escape(w.evidence) << "</system-out>\n    </testcase>\n";
    }
    x << "  </testsuite>\n";
  }
  x << "</testsuites>\n";
  return x.str();
}

void write_report(const Report& r, const std::filesystem::path& dir) {
  sim::OutputDirectory out(dir);
  out.open("report.json") << report_json(r);
  out.open("report.md") << report_markdown(r);
  out.open("junit.xml") << report_junit(r);
  out.commit();
}

}  // namespace kubetwin::conformance
