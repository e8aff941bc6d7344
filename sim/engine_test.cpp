#include "sim/engine.hpp"

#include <gtest/gtest.h>

#include <simgrid/s4u.hpp>
#include <string>
#include <vector>

namespace kubetwin::sim {
namespace {

// Each TEST runs in its own process under ctest (SimGrid allows one engine per process).

TEST(Engine, RunsTimersInTimeOrderAndSameInstantInScheduleOrder) {
  Engine engine;
  std::vector<std::string> seen;
  engine.schedule_at(5, [&] { seen.push_back("b@" + std::to_string(engine.now())); });
  engine.schedule_at(1, [&] { seen.push_back("a1"); });
  engine.schedule_at(1, [&] { seen.push_back("a2"); });
  engine.schedule_at(1, [&] {
    seen.push_back("a3");
    engine.schedule_in(0, [&] { seen.push_back("a4"); });  // same instant, after the others
  });
  engine.run();
  EXPECT_EQ(seen, (std::vector<std::string>{"a1", "a2", "a3", "a4", "b@5.000000"}));
  EXPECT_EQ(engine.events_processed(), 5u);
  EXPECT_DOUBLE_EQ(engine.now(), 5);
}

TEST(Engine, CancelledTimersNeverRun) {
  Engine engine;
  int ran = 0;
  const auto id = engine.schedule_at(2, [&] { ++ran; });
  engine.schedule_at(1, [&] { EXPECT_TRUE(engine.cancel(id)); });
  engine.schedule_at(3, [&] { ran += 10; });
  engine.run();
  EXPECT_EQ(ran, 10);
  EXPECT_FALSE(engine.cancel(id));
  EXPECT_EQ(engine.pending_timers(), 0u);
}

TEST(Engine, StopsAtTheHorizon) {
  Engine engine;
  int ran = 0;
  engine.schedule_at(10, [&] { ++ran; });
  engine.schedule_at(100, [&] { ++ran; });
  engine.run(50);
  EXPECT_EQ(ran, 1);
  EXPECT_LE(engine.now(), 50);
  EXPECT_EQ(engine.pending_timers(), 1u);
}

TEST(Engine, ActorsShareTheClockAndCanWakeTheDispatcherEarly) {
  Engine engine;
  std::vector<double> fired;
  engine.schedule_at(100, [&] { fired.push_back(engine.now()); });
  engine.spawn("worker", [&] {
    simgrid::s4u::this_actor::sleep_for(10);
    // The dispatcher is waiting for t=100; this timer must still fire at t=15.
    engine.schedule_in(5, [&] { fired.push_back(engine.now()); });
  });
  engine.run();
  EXPECT_EQ(fired, (std::vector<double>{15, 100}));
}

TEST(Engine, SecondEngineInOneProcessIsRefused) {
  Engine engine;
  EXPECT_THROW(Engine(), std::logic_error);
}

TEST(Engine, TimersScheduledAfterTheQueueDrainedStillRun) {
  Engine engine;
  std::vector<double> fired;
  engine.schedule_at(1, [&] { fired.push_back(engine.now()); });
  engine.spawn("late", [&] {
    simgrid::s4u::this_actor::sleep_for(20);  // the dispatcher has exited by now
    engine.schedule_in(1, [&] { fired.push_back(engine.now()); });
  });
  engine.run();
  EXPECT_EQ(fired, (std::vector<double>{1, 21}));
}

TEST(Engine, ExceptionInATimerEndsTheRunAndIsRethrown) {
  Engine engine;
  bool later_ran = false;
  engine.schedule_at(1, [] { throw std::runtime_error("bad record"); });
  engine.schedule_at(2, [&] { later_ran = true; });
  EXPECT_THROW(engine.run(), std::runtime_error);
  EXPECT_FALSE(later_ran);
}

TEST(Engine, AnIdOfAFinishedTimerNeverCancelsTheTimerReusingItsSlot) {
  Engine engine;
  std::vector<int> ran;
  const auto first = engine.schedule_at(1, [&] { ran.push_back(1); });
  engine.schedule_at(2, [&] {
    // The first timer's slot is free again and goes to this new timer; the old id must miss it.
    engine.schedule_at(3, [&] { ran.push_back(3); });
    EXPECT_FALSE(engine.cancel(first));
  });
  engine.run();
  EXPECT_EQ(ran, (std::vector<int>{1, 3}));
}

TEST(Engine, TimersSeeTheirExactInstantWhenTheDispatcherRunsAlone) {
  Engine engine;
  // Instants a SimGrid wait (a relative duration) could land an ulp off.
  const std::vector<double> at{1e-6 * 2076 + 0.0000001, 0.1, 0.30000000000000004, 7.7};
  std::vector<double> seen;
  for (double t : at) engine.schedule_at(t, [&] { seen.push_back(engine.now()); });
  engine.run();
  EXPECT_EQ(seen, at);  // bit-exact
}

TEST(Engine, AnActorSpawnedAfterTheDispatcherRanAloneStartsAtItsSpawnInstant) {
  Engine engine;
  std::vector<double> seen;
  engine.schedule_at(10, [&] {
    engine.spawn("late-worker", [&] {
      seen.push_back(engine.now());
      simgrid::s4u::this_actor::sleep_for(5);
      seen.push_back(simgrid::s4u::Engine::get_clock());  // SimGrid's own clock has caught up
    });
    engine.schedule_in(1, [&] { seen.push_back(engine.now()); });  // while the actor lives
  });
  engine.run();
  EXPECT_EQ(seen, (std::vector<double>{10, 11, 15}));
}

}  // namespace
}  // namespace kubetwin::sim
