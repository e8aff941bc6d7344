#pragma once
// Writes small run folders (the files `kubetwin run` writes) for the GUI tests, through the same
// sim::JsonObjectWriter the runner uses, so the fixtures look exactly like real output.

#include <filesystem>
#include <fstream>
#include <string>
#include <tuple>
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
  /// A fat-tree fabric (fabric.json): `blocks` spine blocks of `leaves_per_block` leaves, node i
  /// on leaf i / nodes_per_leaf (and labelled with its place); each leaf's uplinks to its spines
  /// carry `leaf_capacity` bytes/s per direction, each block's to the core `core_capacity`.
  RunFolderBuilder& fat_tree(int blocks, int leaves_per_block, int nodes_per_leaf, double leaf_capacity, double core_capacity) {
    std::string f = "{\"kind\":\"fatTree\",\"planes\":1,\"gpusPerNode\":" + std::to_string(gpus_) +
                    ",\"nicBytesPerSecond\":5e10,\"efficiency\":0.9,\"cores\":4,\n\"blocks\": [";
    for (int b = 0; b < blocks; ++b) {
      f += b == 0 ? "\n" : ",\n";
      sim::JsonObjectWriter(f).field("name", "pod" + std::to_string(b)).field("spines", leaves_per_block)
          .field("coreBytesPerSecond", core_capacity).close();
    }
    f += "\n],\n\"leaves\": [";
    for (int l = 0; l < blocks * leaves_per_block; ++l) {
      f += l == 0 ? "\n" : ",\n";
      sim::JsonObjectWriter(f).field("name", leaf_name(l, leaves_per_block)).field("block", l / leaves_per_block)
          .field("spineBytesPerSecond", leaf_capacity).close();
    }
    f += "\n],\n\"servers\": [";
    for (int n = 0; n < nodes_; ++n) {
      f += n == 0 ? "\n" : ",\n";
      const int leaf = n / nodes_per_leaf;
      sim::JsonObjectWriter(f).field("node", node(n)).raw_field("leaves", "[" + std::to_string(leaf) + "]").close();
      place(n, "pod" + std::to_string(leaf / leaves_per_block), leaf_name(leaf, leaves_per_block));
    }
    fabric_ = f + "\n]}\n";
    return *this;
  }
  /// A fabric-usage.jsonl line: `job` starts (or ends) crossing the resources given as (resource,
  /// load, demand); resource 2l / 2l+1 is leaf l's uplinks up / down, then 2 per block.
  RunFolderBuilder& link_usage(double t, const std::string& job, bool start, const std::vector<std::tuple<int, double, double>>& loads) {
    std::string resources = "[", load = "[";
    for (const auto& [r, l, d] : loads) {
      resources += (resources.size() > 1 ? "," : "") + std::to_string(r);
      load += load.size() > 1 ? ",[" : "[";
      sim::append_json_number(load, l);
      load += ',';
      sim::append_json_number(load, d);
      load += ']';
    }
    sim::JsonObjectWriter w(usage_);
    w.field("t", t).field("job", job).field("change", start ? "start" : "end").raw_field("resources", resources + "]")
        .raw_field("load", load + "]");
    w.close();
    usage_ += '\n';
    return *this;
  }
  RunFolderBuilder& without_topology() {
    topology_ = false;
    return *this;
  }

  /// Writes summary.json, events.jsonl, series.csv, topology.json (and fabric.json with
  /// fabric-usage.jsonl after fat_tree); returns the folder.
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
    if (!fabric_.empty()) {
      std::ofstream(dir_ / "fabric.json") << fabric_;
      std::ofstream(dir_ / "fabric-usage.jsonl", std::ios::binary) << usage_;
    }
    return dir_;
  }

 private:
  static std::string leaf_name(int leaf, int leaves_per_block) {
    return "pod" + std::to_string(leaf / leaves_per_block) + ".leaf" + std::to_string(leaf % leaves_per_block);
  }

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
  std::string events_, series_, fabric_, usage_;
  bool topology_ = true;
  std::vector<std::pair<std::string, std::string>> places_;  // (block, leaf) per node
  std::vector<bool> slots_;
};

}  // namespace kubetwin::gui::testing
