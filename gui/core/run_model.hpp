#pragma once
// A run folder (the files `kubetwin run` writes) held in flat arrays for the visualizer: nodes and
// their GPU cells, jobs, pod slices on nodes, the sampled series, and every change of a GPU cell in
// time order. The state at any time t (who holds each GPU, which jobs wait) is rebuilt from the
// nearest checkpoint, so scrubbing costs at most one checkpoint interval of changes. Qt-free, so
// it is tested with GoogleTest and shared by the live and the recorded mode.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "gui/core/fabric_model.hpp"

namespace kubetwin::gui {

inline constexpr std::int32_t kNoJob = -1;

struct NodePool {
  std::string name;
  std::string gpu_model;
  int gpus_per_node = 0;
  std::string zone;  ///< topology.kubernetes.io/zone (or rack) label, empty if none
};

struct Node {
  std::string name;
  std::uint32_t pool = 0;
  std::uint32_t first_cell = 0;  ///< index of its GPU 0 among all cells
  std::uint32_t gpus = 0;
  bool exists_at_start = true;  ///< false for an autoscaler node slot not yet provisioned
  std::string block, leaf;      ///< fabric place (topology.kubetwin.io/block, /leaf labels), empty without a fabric
};

/// The autoscaler provisioned (NodeAdded) or removed (ScaleDown) a node.
struct NodeChange {
  double t = 0;
  std::uint32_t node = 0;
  bool exists = false;
};

enum class JobOutcome : std::uint8_t { Pending, Running, Completed, Failed };

struct Job {
  std::string id;
  std::string queue;
  int priority = 0;
  int pods = 0;
  double gpus = 0;
  double submit = 0;
  double first_start = -1;  ///< -1: never started
  double end = -1;          ///< completion or failure time; -1: still live at the end
  double jct = -1;          ///< completed jobs only
  JobOutcome outcome = JobOutcome::Pending;
  std::uint32_t first_run = 0, run_count = 0;  ///< its running intervals in RunModel::runs()
  std::string failure;                         ///< JobFailed reason and message
  std::string waiting_reason;                  ///< FailedScheduling / Pending / SchedulingGated message
  std::vector<std::string> plugin_verdicts;    ///< "plugin: reason (N nodes)", from FilterRejected
};

/// One interval in which a job ran (from JobStarted to completion, preemption or eviction).
struct RunInterval {
  double start = 0, stop = 0;  ///< stop = +inf while running at the end
};

/// One pod on one node over time, for the timeline view.
struct PodSlice {
  std::uint32_t node = 0;
  std::int32_t job = kNoJob;
  std::string pod;
  double start = 0, stop = 0;  ///< stop = end of the run if still running
  std::string gpus;            ///< device numbers, e.g. "0,1"
  std::string claims;          ///< DRA claims held, e.g. "gpu-claim (gpu-0, gpu-1)"; empty: none
};

/// One change of one GPU cell: after it, `job` holds the cell (kNoJob: free) and `milli` of it
/// (1000 = whole GPU) is allocated.
struct CellChange {
  double t = 0;
  std::uint32_t cell = 0;
  std::int32_t job = kNoJob;
  std::int32_t milli = 0;
};

struct SeriesRow {
  double t = 0, allocated_gpus = 0, pending_pods = 0, running_jobs = 0;
};

/// The state of every GPU cell, and which nodes exist, at one instant.
struct ClusterState {
  double t = 0;
  std::vector<std::int32_t> cell_job;    ///< job holding each cell, kNoJob when free
  std::vector<std::int16_t> cell_milli;  ///< allocated share of each cell, 0..1000
  std::vector<std::uint8_t> node_exists;  ///< per node: 0 while an autoscaler slot is empty
  int busy_cells() const;
};

class RunModel {
 public:
  /// Loads a run folder. Throws sim::InputError with a one-line message (file, line) if it is not
  /// a complete kubetwin run folder.
  static RunModel load(const std::filesystem::path& dir);

  const std::filesystem::path& dir() const { return dir_; }
  const std::string& scenario() const { return scenario_; }
  double end_time() const { return end_time_; }
  bool topology_inferred() const { return topology_inferred_; }

  const std::vector<NodePool>& pools() const { return pools_; }
  const std::vector<Node>& nodes() const { return nodes_; }
  std::size_t cell_count() const { return cell_count_; }
  /// Node owning cell `c`.
  std::uint32_t node_of_cell(std::uint32_t c) const { return cell_node_[c]; }
  const std::vector<Job>& jobs() const { return jobs_; }
  const std::vector<RunInterval>& runs() const { return runs_; }
  const std::vector<PodSlice>& slices() const { return slices_; }
  const std::vector<SeriesRow>& series() const { return series_; }
  const std::vector<CellChange>& changes() const { return changes_; }
  /// NodeAdded and ScaleDown events in time order.
  const std::vector<NodeChange>& node_changes() const { return node_changes_; }
  /// The fabric's switches and link loads (fabric.json), nullptr when the run has no fabric.
  const FabricModel* fabric() const { return fabric_ ? &*fabric_ : nullptr; }
  /// Whether any node carries a fabric place (block or leaf label).
  bool has_fabric_places() const;
  /// Index of a job by id, kNoJob if unknown.
  std::int32_t find_job(const std::string& id) const;
  /// Index of a queue name (for colouring by queue), in order of first appearance.
  const std::vector<std::string>& queues() const { return queues_; }
  std::uint32_t queue_of(std::int32_t job) const { return job_queue_[static_cast<std::size_t>(job)]; }

  /// Every cell at time t (changes at exactly t applied).
  ClusterState state_at(double t) const;
  /// Moves `state` to time t, forward cheaply, backward through the nearest checkpoint.
  void advance(ClusterState& state, double t) const;

  /// Jobs submitted by t, neither ended nor running at t: the queue at t, by submission time.
  std::vector<std::int32_t> pending_at(double t) const;
  bool running_at(std::int32_t job, double t) const;
  /// Pods of `job` on `node` at t (pod slice indices).
  std::vector<std::uint32_t> slices_on_node_at(std::uint32_t node, double t) const;

  /// Fragmentation at t: the share of free GPUs that sit on nodes partly in use (free GPUs a
  /// whole-node job cannot use), over the nodes that exist at t. 0 when no GPU is free.
  double fragmentation(const ClusterState& state) const;
  /// (time, fragmentation) at `points` instants evenly spread over the run, in one sweep.
  std::vector<std::pair<double, double>> fragmentation_series(int points) const;
  /// JCT of every completed job, sorted ascending.
  std::vector<double> sorted_jcts() const;

 private:
  friend class RunLoader;
  static constexpr std::size_t kCheckpointEvery = 1 << 15;  // changes between stored states

  void build_checkpoints();

  std::filesystem::path dir_;
  std::string scenario_;
  double end_time_ = 0;
  bool topology_inferred_ = false;
  std::vector<NodePool> pools_;
  std::vector<Node> nodes_;
  std::size_t cell_count_ = 0;
  std::vector<std::uint32_t> cell_node_;
  std::vector<Job> jobs_;
  std::unordered_map<std::string, std::int32_t> job_index_;
  std::vector<std::string> queues_;
  std::vector<std::uint32_t> job_queue_;
  std::vector<RunInterval> runs_;
  std::vector<PodSlice> slices_;
  std::vector<SeriesRow> series_;
  std::vector<CellChange> changes_;
  std::vector<NodeChange> node_changes_;
  std::optional<FabricModel> fabric_;
  std::vector<ClusterState> checkpoints_;  ///< state after changes_[k * kCheckpointEvery - 1]
};

}  // namespace kubetwin::gui
