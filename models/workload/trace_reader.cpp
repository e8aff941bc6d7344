#include "models/workload/trace_reader.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "models/workload/trace_format.hpp"
#include "sim/input_error.hpp"
#include "sim/random.hpp"

namespace kubetwin::models {

TraceReader::TraceReader(const std::string& path, const GpuCatalog& catalog)
    : path_(path), catalog_(catalog), in_(path, std::ios::binary) {
  if (!in_) throw sim::InputError(path + ": cannot open trace file");
}

std::optional<JobSpec> TraceReader::next() {
  while (std::getline(in_, buffer_)) {
    ++line_;
    if (buffer_.find_first_not_of(" \t\r") == std::string::npos) continue;  // blank line
    const std::string where = path_ + ":" + std::to_string(line_) + ": ";
    nlohmann::json record;
    try {
      record = nlohmann::json::parse(buffer_);
    } catch (const nlohmann::json::parse_error& e) {
      throw sim::InputError(where + "not valid JSON: " + e.what());
    }
    std::vector<sim::JsonIssue> issues;
    JobSpec job = read_job_record(record, "", catalog_, issues);
    if (!issues.empty()) {
      // An unknown field is usually a typo that explains the other problems: report it first.
      std::stable_partition(issues.begin(), issues.end(),
                            [](const sim::JsonIssue& i) { return i.message == "is not a known field"; });
      std::string msg = where + (issues[0].pointer.empty() ? "" : issues[0].pointer + ": ") + issues[0].message;
      if (issues.size() > 1) msg += " (and " + std::to_string(issues.size() - 1) + " more problems on this line)";
      throw sim::InputError(msg);
    }
    if (job.submit_time < last_submit_) {
      throw sim::InputError(where + "/submitTime: records must be sorted by submit time (" +
                            nlohmann::json(job.submit_time).dump() + " comes after " +
                            nlohmann::json(last_submit_).dump() + ")");
    }
    if (!seen_ids_.insert(sim::fnv1a64(job.id)).second) {
      throw sim::InputError(where + "/jobId: duplicate job id \"" + job.id + "\"");
    }
    for (std::size_t k = 0; k < job.depends_on.size(); ++k) {
      if (!seen_ids_.contains(sim::fnv1a64(job.depends_on[k])) || job.depends_on[k] == job.id) {
        throw sim::InputError(where + "/dependsOn/" + std::to_string(k) + ": \"" + job.depends_on[k] +
                              "\" is not the jobId of an earlier record");
      }
    }
    last_submit_ = job.submit_time;
    return job;
  }
  if (in_.bad()) throw sim::InputError(path_ + ":" + std::to_string(line_) + ": read error");
  return std::nullopt;
}

}  // namespace kubetwin::models
