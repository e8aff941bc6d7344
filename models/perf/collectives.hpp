#pragma once
// Collectives on a routed fabric (models/topology). A collective is planned as a schedule of steps,
// each a set of concurrent GPU-to-GPU transfers; the same schedule is timed two ways:
//   - analytically here (RoutedCollectives / schedule_seconds): per step, the max-min fair rate of
//     every transfer over the directed links of its route, solved once; a transfer takes its
//     route's latency + bytes / rate and starts when both its ends are ready (a fixed software
//     latency after their previous step), so ranks move on as data arrives, as NCCL's do;
//   - by SimGrid's flow-level model (collectives_flow_level.hpp), as S4U comms on the exported
//     platform, which validates the first on small cases (see docs/topology.md).
// Steps of equal-sized transfers that start together are what one max-min solution gets exactly:
// the slowest transfer's bottleneck link is shared only by transfers as slow as it, none of which
// ends before it does, so its rate never changes during the step. Where transfers of a step start
// at different instants (unbalanced trees) the model assumes they all overlap: pessimistic.

#include <map>
#include <span>
#include <tuple>
#include <vector>

#include "models/perf/collective_model.hpp"
#include "models/topology/fabric.hpp"

namespace kubetwin::models {

enum class CollectiveOp { AllReduce, AllGather, ReduceScatter, AllToAll, SendRecv };
enum class CollectiveAlgorithm {
  Ring,          ///< one ring over the ranks in the given order
  Tree,          ///< all-reduce: reduce up a binary tree, broadcast down (latency-optimal, not pipelined)
  Hierarchical,  ///< ring inside each node (NVLink), then a ring across nodes per local rank (NCCL-style)
};

const char* to_string(CollectiveOp op);
const char* to_string(CollectiveAlgorithm algorithm);

struct Transfer {
  VertexId src = 0, dst = 0;
  double bytes = 0;
};

struct CommStep {
  std::vector<Transfer> transfers;  ///< all start together
  int repeat = 1;                   ///< identical steps back to back (ring steps)
};

using CommSchedule = std::vector<CommStep>;

/// The steps of `op` over `ranks` (GPUs in rank order). Bytes follow CollectiveModel's conventions.
/// Hierarchical groups the ranks by the fabric's node and needs as many in every node (otherwise
/// it is a ring); Tree applies to all-reduce (the others use a ring); SendRecv is ranks[0] -> ranks[1].
CommSchedule plan_collective(CollectiveOp op, CollectiveAlgorithm algorithm, const Fabric& fabric,
                             std::span<const VertexId> ranks, double bytes);

/// Schedules that run at once (e.g. the data-parallel groups of each tensor-parallel rank), step by
/// step; they must have the same shape (number of steps and repeats).
CommSchedule run_together(const std::vector<CommSchedule>& schedules);

struct RoutedCollectiveParameters {
  CollectiveAlgorithm algorithm = CollectiveAlgorithm::Hierarchical;
  /// Achieved fraction of link capacity, as AlphaBetaParameters (NCCL bus bandwidth) [A].
  double nvlink_efficiency = 0.8;
  double network_efficiency = 0.9;
  /// Software latency per step (kernel launch, synchronisation), on top of the route's latency.
  double step_latency = 3e-6;
  /// A group with fewer ranks per node than the node has GPUs runs beside its sibling groups
  /// (the other tensor-parallel ranks' data-parallel groups), which share the fabric with it.
  bool concurrent_groups = true;
};

/// A schedule with its rates solved: each transfer's latency and seconds per byte. Time is then a
/// cheap function of the buffer size (every transfer's size scales with it).
struct TimedSchedule {
  struct Flow {
    std::size_t src = 0, dst = 0;  ///< rank indices
    double latency = 0, seconds_per_byte = 0;
  };
  struct Step {
    int repeat = 1;
    std::vector<Flow> flows;
  };
  std::size_t ranks = 0;
  std::vector<Step> steps;
};

/// Solves every step's max-min rates; transfers' bytes are taken per byte of `unit_bytes`.
TimedSchedule time_schedule(const Fabric& fabric, const CommSchedule& schedule, const RoutedCollectiveParameters& p,
                            double unit_bytes = 1.0);
/// Seconds the timed schedule takes for `scale` x its unit bytes, each rank moving on when its
/// own transfers of a step are done.
double schedule_seconds(const TimedSchedule& timed, double scale, double step_latency);
/// Seconds the schedule takes on `fabric` under the analytic model.
double schedule_seconds(const Fabric& fabric, const CommSchedule& schedule, const RoutedCollectiveParameters& p);

/// CollectiveModel on a fabric for one placement: a CommGroup{size, per_node} is mapped to the
/// first size / per_node nodes of the placement, per_node GPUs in each, strided as Megatron-LM lays
/// out data-parallel ranks; its sibling groups run at once when p.concurrent_groups. Results are
/// memoized per (operation, group), so repeated queries cost a lookup.
class RoutedCollectives : public CollectiveModel {
 public:
  /// `placement`: the job's GPUs, node by node. Throws std::invalid_argument for a non-GPU vertex.
  RoutedCollectives(const Fabric& fabric, std::vector<VertexId> placement, RoutedCollectiveParameters p = {});

  double all_reduce(double bytes, const CommGroup& g) const override;
  double all_gather(double bytes, const CommGroup& g) const override;
  double reduce_scatter(double bytes, const CommGroup& g) const override;
  double all_to_all(double bytes, const CommGroup& g) const override;
  /// Across nodes every GPU of the first node sends to its peer in the second (a pipeline stage
  /// hand-off of all tensor-parallel ranks); inside a node one GPU to the next.
  double send_recv(double bytes, bool same_node) const override;

  /// The schedule a query runs (for the flow-level fidelity and for tests).
  CommSchedule schedule(CollectiveOp op, double bytes, const CommGroup& g) const;
  const RoutedCollectiveParameters& parameters() const { return p_; }

 private:
  double cost(CollectiveOp op, double bytes, const CommGroup& g) const;

  const Fabric& fabric_;
  std::vector<std::vector<VertexId>> nodes_;  // the placement grouped by node, in order
  RoutedCollectiveParameters p_;
  mutable std::map<std::tuple<int, int, int>, TimedSchedule> plans_;  // (op, size, per_node), for 1 byte
  mutable std::map<std::tuple<int, int, int, double>, double> seconds_;
};

}  // namespace kubetwin::models
