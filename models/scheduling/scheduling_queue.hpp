#pragma once
// Pending jobs in the order of the profile's QueueSort plugin (by default PrioritySort: higher
// priority first, then earlier submission). A job that could not be placed is parked until resources are released, as
// kube-scheduler parks unschedulable pods until a cluster event may help them.
//
// Every new job is tried at the next pass. Jobs that were tried before and became eligible again
// are also bucketed by the GPUs their smallest pending pod needs: one whose smallest pod needs
// more GPUs than any node has free cannot place a single pod, and trying it would change nothing,
// so pop_next() passes over whole buckets of such jobs (in the spirit of upstream's queueing
// hints). This keeps a pass cheap when thousands of jobs wait, and the outcome is exactly that of
// trying every eligible job in order (a system test checks it).

#include <cstdint>
#include <optional>
#include <set>
#include <vector>

#include "models/scheduling/framework.hpp"

namespace kubetwin::models {

class SchedulingQueue {
 public:
  /// Ordered by PrioritySort.
  SchedulingQueue();
  /// Ordered by `order`, which must outlive the queue and be a strict weak order on (priority, seq).
  explicit SchedulingQueue(const QueueSortPlugin& order);

  /// A job to try at the next pass, whatever the cluster's state.
  void add(QueuedJob job);
  /// A job that was tried and is still pending: it waits for resources_released().
  void park(QueuedJob job, std::int64_t min_pod_gpus);
  /// Resources were freed: every parked job may be tried again.
  void resources_released();
  /// Removes and returns the first job to try: new jobs, and jobs no longer parked whose smallest
  /// pod needs at most `max_free_gpus` GPUs; nothing if there is none.
  std::optional<QueuedJob> pop_next(std::int64_t max_free_gpus);

  std::size_t eligible_size() const { return eligible_count_; }
  std::size_t parked_size() const { return parked_count_; }
  bool empty() const { return eligible_count_ == 0 && parked_count_ == 0; }

 private:
  struct Order {
    const QueueSortPlugin* plugin;
    bool operator()(const QueuedJob& a, const QueuedJob& b) const { return plugin->less(a, b); }
  };
  using Bucket = std::set<QueuedJob, Order>;
  static std::size_t bucket_of(std::int64_t gpus) { return gpus < 0 ? 0 : static_cast<std::size_t>(gpus); }
  Bucket& bucket(std::vector<Bucket>& buckets, std::int64_t gpus);

  Order order_;
  Bucket fresh_;                  // never tried
  std::vector<Bucket> eligible_;  // [gpus of smallest pending pod]
  std::vector<Bucket> parked_;
  std::size_t eligible_count_ = 0;
  std::size_t parked_count_ = 0;
};

}  // namespace kubetwin::models
