#include "models/scheduling/scheduling_queue.hpp"

#include "models/scheduling/plugins.hpp"

namespace kubetwin::models {

namespace {
const PrioritySort kPrioritySort;
}  // namespace

SchedulingQueue::SchedulingQueue() : SchedulingQueue(kPrioritySort) {}

SchedulingQueue::SchedulingQueue(const QueueSortPlugin& order) : order_{&order}, fresh_(order_) {}

SchedulingQueue::Bucket& SchedulingQueue::bucket(std::vector<Bucket>& buckets, std::int64_t gpus) {
  const std::size_t k = bucket_of(gpus);
  if (k >= eligible_.size()) {
    eligible_.resize(k + 1, Bucket(order_));
    parked_.resize(k + 1, Bucket(order_));
  }
  return buckets[k];
}

void SchedulingQueue::add(QueuedJob job) { eligible_count_ += fresh_.insert(job).second; }

void SchedulingQueue::park(QueuedJob job, std::int64_t min_pod_gpus) {
  parked_count_ += bucket(parked_, min_pod_gpus).insert(job).second;
}

void SchedulingQueue::resources_released() {
  if (parked_count_ == 0) return;
  for (std::size_t k = 0; k < parked_.size(); ++k) {
    eligible_count_ += parked_[k].size();
    eligible_[k].merge(parked_[k]);  // keys are unique across buckets: nothing stays behind
  }
  parked_count_ = 0;
}

std::optional<QueuedJob> SchedulingQueue::pop_next(std::int64_t max_free_gpus) {
  Bucket* best = fresh_.empty() ? nullptr : &fresh_;
  const std::size_t last = std::min(eligible_.size(), bucket_of(max_free_gpus) + 1);
  for (std::size_t k = 0; k < last; ++k) {
    Bucket& b = eligible_[k];
    if (!b.empty() && (best == nullptr || order_(*b.begin(), *best->begin()))) best = &b;
  }
  if (best == nullptr) return std::nullopt;
  QueuedJob job = *best->begin();
  best->erase(best->begin());
  --eligible_count_;
  return job;
}

}  // namespace kubetwin::models
