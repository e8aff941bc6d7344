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

}  // namespace
}  // namespace kubetwin::sim
