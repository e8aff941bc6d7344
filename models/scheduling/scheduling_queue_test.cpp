#include "models/scheduling/scheduling_queue.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <vector>

namespace kubetwin::models {
namespace {

constexpr std::int64_t kAnyGpus = std::numeric_limits<std::int64_t>::max();

/// Pops every job a pass with `max_free_gpus` would try, in order.
std::vector<std::uint64_t> drain(SchedulingQueue& q, std::int64_t max_free_gpus = kAnyGpus) {
  std::vector<std::uint64_t> order;
  while (auto job = q.pop_next(max_free_gpus)) order.push_back(job->seq);
  return order;
}

TEST(SchedulingQueue, PopsHigherPriorityFirstThenEarlierSubmission) {
  struct Case {
    const char* what;
    std::vector<QueuedJob> added;  // {priority, seq}
    std::vector<std::uint64_t> expected_seqs;
  };
  const std::vector<Case> table{
      {"equal priority: submission order", {{0, 2}, {0, 0}, {0, 1}}, {0, 1, 2}},
      {"higher priority first", {{0, 0}, {10, 1}, {5, 2}}, {1, 2, 0}},
      {"negative priority last", {{-1, 0}, {0, 1}}, {1, 0}},
      {"priority, then submission", {{1, 3}, {0, 0}, {1, 1}, {0, 2}}, {1, 3, 0, 2}},
  };
  for (const auto& c : table) {
    SCOPED_TRACE(c.what);
    SchedulingQueue q;
    for (const auto& j : c.added) q.add(j);
    EXPECT_EQ(q.eligible_size(), c.added.size());
    EXPECT_EQ(drain(q), c.expected_seqs);
    EXPECT_TRUE(q.empty());
  }
}

TEST(SchedulingQueue, PopOnAnEmptyQueueGivesNothing) {
  SchedulingQueue q;
  EXPECT_FALSE(q.pop_next(kAnyGpus).has_value());
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.eligible_size(), 0u);
  EXPECT_EQ(q.parked_size(), 0u);
}

TEST(SchedulingQueue, NewJobsAreTriedWhateverTheFreeGpus) {
  SchedulingQueue q;
  q.add({0, 0});
  q.add({0, 1});
  EXPECT_EQ(drain(q, 0), (std::vector<std::uint64_t>{0, 1}));
}

TEST(SchedulingQueue, ParkedJobsWaitUntilResourcesAreReleased) {
  SchedulingQueue q;
  q.add({0, 0});
  q.add({0, 1});
  q.add({0, 2});
  const auto first = q.pop_next(kAnyGpus);
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->seq, 0u);
  q.park(*first, 1);
  EXPECT_EQ(q.eligible_size(), 2u);
  EXPECT_EQ(q.parked_size(), 1u);
  EXPECT_FALSE(q.empty());

  // A parked job is not popped, whatever its priority and however many GPUs are free.
  EXPECT_EQ(drain(q), (std::vector<std::uint64_t>{1, 2}));
  EXPECT_FALSE(q.empty()) << "a parked job is still queued";

  q.resources_released();
  EXPECT_EQ(q.parked_size(), 0u);
  EXPECT_EQ(q.eligible_size(), 1u);
  EXPECT_EQ(drain(q), (std::vector<std::uint64_t>{0}));
  EXPECT_TRUE(q.empty());
}

TEST(SchedulingQueue, ReleasedJobsTakeTheirPlaceByPriorityAndSubmission) {
  SchedulingQueue q;
  q.park({0, 0}, 1);
  q.park({5, 3}, 8);
  q.park({0, 1}, 4);
  q.add({0, 2});
  q.add({0, 4});
  q.resources_released();
  EXPECT_EQ(drain(q), (std::vector<std::uint64_t>{3, 0, 1, 2, 4}));
}

TEST(SchedulingQueue, PassesOverReleasedJobsWhoseSmallestPodNeedsMoreGpusThanAnyNodeHasFree) {
  SchedulingQueue q;
  q.park({0, 0}, 8);
  q.park({0, 1}, 2);
  q.park({0, 2}, 0);  // CPU-only pods can always be tried
  q.park({0, 3}, 4);
  q.resources_released();
  q.add({0, 4});  // new: always tried

  EXPECT_EQ(drain(q, 3), (std::vector<std::uint64_t>{1, 2, 4}));
  // The others are not lost: they stay eligible for a pass with more free GPUs.
  EXPECT_EQ(q.eligible_size(), 2u);
  EXPECT_EQ(q.parked_size(), 0u);
  EXPECT_EQ(drain(q, 4), (std::vector<std::uint64_t>{3}));
  EXPECT_EQ(drain(q, 8), (std::vector<std::uint64_t>{0}));
  EXPECT_TRUE(q.empty());
}

TEST(SchedulingQueue, ReleaseWithNothingParkedChangesNothing) {
  SchedulingQueue q;
  q.add({1, 0});
  q.resources_released();
  EXPECT_EQ(q.eligible_size(), 1u);
  EXPECT_EQ(q.parked_size(), 0u);
}

TEST(SchedulingQueue, AJobParkedAgainWaitsForTheNextRelease) {
  SchedulingQueue q;
  q.add({0, 0});
  auto job = q.pop_next(kAnyGpus);
  ASSERT_TRUE(job.has_value());
  q.park(*job, 8);
  q.resources_released();
  job = q.pop_next(8);
  ASSERT_TRUE(job.has_value());
  q.park(*job, 8);  // still does not fit
  EXPECT_FALSE(q.pop_next(kAnyGpus).has_value());
  q.resources_released();
  EXPECT_EQ(drain(q, 8), (std::vector<std::uint64_t>{0}));
}

}  // namespace
}  // namespace kubetwin::models
