#include "models/perf/collectives_flow_level.hpp"

#include <simgrid/s4u.hpp>
#include <stdexcept>
#include <string>
#include <unordered_map>

#include "models/topology/simgrid_platform.hpp"

namespace kubetwin::models {

namespace sg4 = simgrid::s4u;

struct FlowLevelCollectives::State {
  std::unique_ptr<sg4::Engine> engine;
  ExportedPlatform platform;
  std::unordered_map<VertexId, std::size_t> index;  // GPU -> position in platform.hosts
  RoutedCollectiveParameters p;
  const Fabric* fabric = nullptr;
};

FlowLevelCollectives::FlowLevelCollectives(const Fabric& fabric, std::vector<VertexId> gpus, RoutedCollectiveParameters p)
    : state_(std::make_unique<State>()) {
  static char arg0[] = "kubetwin";
  static char arg1[] = "--log=root.thresh:warning";
  static char arg2[] = "--log=xbt_cfg.thresh:warning";
  // CM02 is max-min sharing without LV08's correction factors; a huge TCP gamma lifts the window
  // bound (gamma / 2 RTT, which would cap NVLink flows); no reverse-direction ACK traffic.
  static char arg3[] = "--cfg=network/model:CM02";
  static char arg4[] = "--cfg=network/TCP-gamma:1e30";
  static char arg5[] = "--cfg=network/crosstraffic:0";
#ifdef __SANITIZE_ADDRESS__
  static char arg6[] = "--cfg=contexts/factory:thread";  // ASan cannot follow SimGrid's stack switches
  char* argv[] = {arg0, arg1, arg2, arg3, arg4, arg5, arg6, nullptr};
  int argc = 7;
#else
  char* argv[] = {arg0, arg1, arg2, arg3, arg4, arg5, nullptr};
  int argc = 6;
#endif
  state_->engine = std::make_unique<sg4::Engine>(&argc, argv);
  state_->p = p;
  state_->fabric = &fabric;
  PlatformExportOptions options;
  options.gpus = std::move(gpus);
  options.nvlink_scale = p.nvlink_efficiency;
  options.network_scale = p.network_efficiency;
  state_->platform = export_to_simgrid(fabric, options);
  for (std::size_t i = 0; i < state_->platform.gpus.size(); ++i) state_->index.emplace(state_->platform.gpus[i], i);
}

FlowLevelCollectives::~FlowLevelCollectives() = default;

std::size_t FlowLevelCollectives::links() const { return state_->platform.links; }

double FlowLevelCollectives::run(const CommSchedule& schedule) {
  State& st = *state_;
  for (const CommStep& step : schedule) {
    for (const Transfer& t : step.transfers) {
      if (!st.index.contains(t.src) || !st.index.contains(t.dst))
        throw std::invalid_argument("FlowLevelCollectives: a transfer uses a GPU that was not exported");
    }
  }
  const double start = sg4::Engine::get_clock();
  double end = start;
  static int payload = 0;  // comms carry a pointer; the simulated size is what matters
  for (std::size_t i = 0; i < st.platform.gpus.size(); ++i) {
    const VertexId me = st.platform.gpus[i];
    sg4::Actor::create(st.fabric->vertex(me).name, st.platform.hosts[i], [&st, &schedule, &end, me] {
      auto mailbox = [&st](VertexId a, VertexId b) {
        return sg4::Mailbox::by_name(st.fabric->vertex(a).name + ">" + st.fabric->vertex(b).name);
      };
      for (const CommStep& step : schedule) {
        for (int r = 0; r < step.repeat; ++r) {
          sg4::this_actor::sleep_for(st.p.step_latency);
          std::vector<sg4::CommPtr> comms;
          std::vector<int*> received;
          received.reserve(step.transfers.size());
          // Per-pair mailboxes match sends and receives in posting order, i.e. step by step.
          for (const Transfer& t : step.transfers) {
            if (t.src == me) comms.push_back(mailbox(t.src, t.dst)->put_async(&payload, static_cast<std::uint64_t>(t.bytes)));
            if (t.dst == me) {
              received.push_back(nullptr);
              comms.push_back(mailbox(t.src, t.dst)->get_async<int>(&received.back()));
            }
          }
          sg4::Comm::wait_all(comms);
        }
      }
      end = std::max(end, sg4::Engine::get_clock());
    });
  }
  st.engine->run();
  return end - start;
}

}  // namespace kubetwin::models
