#pragma once
// Writes small run folders (the files `kubetwin run` writes) for the GUI tests, through the same
// sim::JsonObjectWriter the runner uses, so the fixtures look exactly like real output.

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "sim/json_writer.hpp"

namespace kubetwin::gui::testing {

class RunFolderBuilder {
 public:
  /// A cluster of `nodes` nodes with `gpus` GPUs each, in one pool named `pool`.
  RunFolderBuilder(std::filesystem::path dir, int nodes, int gpus, std::string pool = "h100")
      : dir_(std::move(dir)), nodes_(nodes), gpus_(gpus), pool_(std::move(pool)) {}

  std::string node(int i) const { return pool_ + "-" + std::to_string(i); }

  RunFolderBuilder& submit(double t, const std::string& job, int pods, int gpus_per_pod, const std::string& queue = "default") {
    emit(t, "JobSubmitted", [&](sim::JsonObjectWriter& w) { w.field("job", job).field("queue", queue).field("priority", 0).field("pods", pods)
        .field("gpus", pods * gpus_per_pod).field("minMember", pods); });
    return *this;
  }
  /// Binds pod `pod` of `job` to node `node_index` holding `devices`.
  RunFolderBuilder& bind(double t, const std::string& job, int pod, int node_index, const std::vector<int>& devices) {
    std::string list = "[";
    for (int d : devices) list += (list.size() > 1 ? "," : "") + std::to_string(d);
    list += ']';
    emit(t, "Scheduled", [&](sim::JsonObjectWriter& w) {
      w.field("job", job).field("pod", job + "-" + std::to_string(pod)).field("node", node(node_index));
      if (!devices.empty()) w.raw_field("gpus", list);
    });
    return *this;
  }
  RunFolderBuilder& start(double t, const std::string& job, double delay) {
    emit(t, "JobStarted", [&](sim::JsonObjectWriter& w) { w.field("job", job).field("queueingDelay", delay); });
    return *this;
  }
  RunFolderBuilder& complete(double t, const std::string& job, double jct, double run_time) {
    emit(t, "JobCompleted", [&](sim::JsonObjectWriter& w) { w.field("job", job).field("jct", jct).field("runTime", run_time); });
    return *this;
  }
  RunFolderBuilder& preempt(double t, const std::string& job, const std::string& by, int node_index) {
    emit(t, "Preempted", [&](sim::JsonObjectWriter& w) { w.field("job", job).field("preemptor", by).field("node", node(node_index)).field("lostRunTime", 0.0); });
    return *this;
  }
  RunFolderBuilder& unschedulable(double t, const std::string& job, const std::string& message) {
    emit(t, "FailedScheduling", [&](sim::JsonObjectWriter& w) { w.field("job", job).field("message", message); });
    return *this;
  }
  RunFolderBuilder& filter_rejected(double t, const std::string& job, int node_index, const std::string& plugin,
                                    const std::string& reason) {
    std::string reasons = "[";
    sim::append_json_string(reasons, reason);
    reasons += ']';
    emit(t, "FilterRejected", [&](sim::JsonObjectWriter& w) { w.field("job", job).field("podGroup", "worker").field("node", node(node_index))
        .field("plugin", plugin).raw_field("reasons", reasons); });
    return *this;
  }
  /// A raw line, for malformed-input tests.
  RunFolderBuilder& raw(const std::string& text) {
    events_ += text;
    return *this;
  }
  RunFolderBuilder& series_row(double t, double allocated, int pending, int running) {
    sim::append_json_number(series_, t);
    series_ += ',';
    sim::append_json_number(series_, allocated);
    series_ += "," + std::to_string(pending) + "," + std::to_string(running) + "\n";
    return *this;
  }
  /// Node `i`'s fabric place: topology.kubetwin.io/block and /leaf labels in topology.json.
  RunFolderBuilder& place(int i, const std::string& block, const std::string& leaf) {
    places_.resize(static_cast<std::size_t>(nodes_));
    places_[static_cast<std::size_t>(i)] = {block, leaf};
    return *this;
  }
  /// Node `i` is an autoscaler slot, not provisioned at the start ("exists": false).
  RunFolderBuilder& slot(int i) {
    slots_.resize(static_cast<std::size_t>(nodes_));
    slots_[static_cast<std::size_t>(i)] = true;
    return *this;
  }
  RunFolderBuilder& node_added(double t, int node_index) {
    emit(t, "NodeAdded", [&](sim::JsonObjectWriter& w) { w.field("node", node(node_index)); });
    return *this;
  }
  RunFolderBuilder& scale_down(double t, int node_index) {
    emit(t, "ScaleDown", [&](sim::JsonObjectWriter& w) { w.field("node", node(node_index)); });
    return *this;
  }
  RunFolderBuilder& without_topology() {
    topology_ = false;
    return *this;
  }

  /// Writes summary.json, events.jsonl, series.csv and topology.json; returns the folder.
  std::filesystem::path write(double end_time) const {
    std::filesystem::create_directories(dir_);
    std::string summary;
    sim::JsonObjectWriter(summary).field("scenario", "test").field("seed", 1).field("simulatedSeconds", end_time).close();
    std::ofstream(dir_ / "summary.json") << summary << '\n';
    std::ofstream(dir_ / "events.jsonl", std::ios::binary) << events_;
    std::ofstream(dir_ / "series.csv") << "time_s,allocated_gpus,pending_pods,running_jobs\n" << series_;
    if (topology_) {
      std::string t = "{\"nodePools\": [{\"name\":\"" + pool_ + "\",\"gpuModel\":\"H100-SXM-80GB\",\"gpusPerNode\":" +
                      std::to_string(gpus_) + ",\"labels\":{\"topology.kubernetes.io/zone\":\"zone-a\"}}],\n\"nodes\": [";
      for (int i = 0; i < nodes_; ++i) {
        t += i == 0 ? "\n" : ",\n";
        const auto n = static_cast<std::size_t>(i);
        sim::JsonObjectWriter w(t);
        w.field("name", node(i)).field("pool", 0).field("exists", !(n < slots_.size() && slots_[n]));
        if (n < places_.size() && !places_[n].first.empty()) {
          std::string labels = "{\"topology.kubetwin.io/block\":";
          sim::append_json_string(labels, places_[n].first);
          labels += ",\"topology.kubetwin.io/leaf\":";
          sim::append_json_string(labels, places_[n].second);
          w.raw_field("labels", labels + "}");
        }
        w.close();
      }
      t += "\n]}\n";
      std::ofstream(dir_ / "topology.json") << t;
    } else {
      std::filesystem::remove(dir_ / "topology.json");
    }
    return dir_;
  }

 private:
  template <class Fields>
  void emit(double t, const char* type, Fields fields) {
    sim::JsonObjectWriter w(events_);
    w.field("t", t).field("type", type);
    fields(w);
    w.close();
    events_ += '\n';
  }

  std::filesystem::path dir_;
  int nodes_, gpus_;
  std::string pool_;
  std::string events_, series_;
  bool topology_ = true;
  std::vector<std::pair<std::string, std::string>> places_;  // (block, leaf) per node
  std::vector<bool> slots_;
};

}  // namespace kubetwin::gui::testing
