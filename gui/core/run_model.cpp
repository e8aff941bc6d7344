#include <algorithm>
#include <cmath>

#include "gui/core/run_model.hpp"

namespace kubetwin::gui {

int ClusterState::busy_cells() const {
  return static_cast<int>(std::count_if(cell_milli.begin(), cell_milli.end(), [](std::int16_t m) { return m > 0; }));
}

std::int32_t RunModel::find_job(const std::string& id) const {
  const auto it = job_index_.find(id);
  return it == job_index_.end() ? kNoJob : it->second;
}

namespace {

void apply(ClusterState& s, const CellChange& c) {
  s.cell_job[c.cell] = c.job;
  s.cell_milli[c.cell] = static_cast<std::int16_t>(c.milli);
}

}  // namespace

void RunModel::build_checkpoints() {
  checkpoints_.clear();
  ClusterState s;
  s.cell_job.assign(cell_count_, kNoJob);
  s.cell_milli.assign(cell_count_, 0);
  for (std::size_t i = 0; i < changes_.size(); ++i) {
    apply(s, changes_[i]);
    if ((i + 1) % kCheckpointEvery == 0) {
      s.t = changes_[i].t;
      checkpoints_.push_back(s);
    }
  }
}

bool RunModel::has_fabric_places() const {
  return std::any_of(nodes_.begin(), nodes_.end(), [](const Node& n) { return !n.block.empty() || !n.leaf.empty(); });
}

// ClusterState::t doubles as the cursor: the state holds every change with time <= t. The changes
// applied so far are found by binary search on time, so states need no hidden index.
void RunModel::advance(ClusterState& state, double t) const {
  // Nodes first: autoscaler events are few, so a move back replays them from the start, and the
  // checkpoints (cells only) do not carry them.
  std::vector<std::uint8_t> exists = std::move(state.node_exists);
  const auto node_changes_until = [&](double time) {
    return static_cast<std::size_t>(std::upper_bound(node_changes_.begin(), node_changes_.end(), time,
                                                     [](double v, const NodeChange& c) { return v < c.t; }) -
                                    node_changes_.begin());
  };
  std::size_t node_from = 0;
  if (exists.size() == nodes_.size() && t >= state.t) {
    node_from = node_changes_until(state.t);
  } else {
    exists.resize(nodes_.size());
    for (std::size_t n = 0; n < nodes_.size(); ++n) exists[n] = nodes_[n].exists_at_start ? 1 : 0;
  }
  const std::size_t node_target = node_changes_until(t);
  for (std::size_t i = node_from; i < node_target; ++i) exists[node_changes_[i].node] = node_changes_[i].exists ? 1 : 0;

  const auto applied_end = [&](double time) {
    return static_cast<std::size_t>(
        std::upper_bound(changes_.begin(), changes_.end(), time, [](double v, const CellChange& c) { return v < c.t; }) -
        changes_.begin());
  };
  const std::size_t target = applied_end(t);
  std::size_t from = 0;
  const bool fresh = state.cell_job.size() != cell_count_;
  if (!fresh && t >= state.t) {
    from = applied_end(state.t);
  } else {
    // Start from the last checkpoint at or before target (or from the empty cluster).
    const std::size_t k = std::min(target / kCheckpointEvery, checkpoints_.size());
    if (k == 0) {
      state.cell_job.assign(cell_count_, kNoJob);
      state.cell_milli.assign(cell_count_, 0);
    } else {
      state = checkpoints_[k - 1];
    }
    from = k * kCheckpointEvery;
  }
  // A forward move of more than one checkpoint interval jumps to the checkpoint first.
  const std::size_t k = std::min(target / kCheckpointEvery, checkpoints_.size());
  if (k > 0 && k * kCheckpointEvery > from) {
    state = checkpoints_[k - 1];
    from = k * kCheckpointEvery;
  }
  for (std::size_t i = from; i < target; ++i) apply(state, changes_[i]);
  state.node_exists = std::move(exists);
  state.t = t;
}

ClusterState RunModel::state_at(double t) const {
  ClusterState s;
  advance(s, t);
  return s;
}

bool RunModel::running_at(std::int32_t job, double t) const {
  const Job& j = jobs_[static_cast<std::size_t>(job)];
  for (std::uint32_t r = 0; r < j.run_count; ++r) {
    const RunInterval& run = runs_[j.first_run + r];
    if (run.start <= t && t < run.stop) return true;
  }
  return false;
}

std::vector<std::int32_t> RunModel::pending_at(double t) const {
  std::vector<std::int32_t> out;
  for (std::size_t j = 0; j < jobs_.size() && jobs_[j].submit <= t; ++j) {  // jobs are in submission order
    const Job& job = jobs_[j];
    if (job.end >= 0 && job.end <= t) continue;
    if (!running_at(static_cast<std::int32_t>(j), t)) out.push_back(static_cast<std::int32_t>(j));
  }
  return out;
}

std::vector<std::uint32_t> RunModel::slices_on_node_at(std::uint32_t node, double t) const {
  std::vector<std::uint32_t> out;
  for (std::size_t i = 0; i < slices_.size() && slices_[i].start <= t; ++i) {  // slices in bind order
    const PodSlice& s = slices_[i];
    if (s.node == node && t < s.stop) out.push_back(static_cast<std::uint32_t>(i));
  }
  return out;
}

double RunModel::fragmentation(const ClusterState& state) const {
  long free_total = 0, free_on_partial = 0;
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    if (i < state.node_exists.size() && !state.node_exists[i]) continue;  // an empty autoscaler slot has no GPUs
    const Node& n = nodes_[i];
    long free = 0;
    for (std::uint32_t c = n.first_cell; c < n.first_cell + n.gpus; ++c) free += state.cell_milli[c] == 0 ? 1 : 0;
    free_total += free;
    if (free > 0 && free < static_cast<long>(n.gpus)) free_on_partial += free;
  }
  return free_total == 0 ? 0.0 : static_cast<double>(free_on_partial) / static_cast<double>(free_total);
}

std::vector<std::pair<double, double>> RunModel::fragmentation_series(int points) const {
  std::vector<std::pair<double, double>> out;
  if (points < 2) points = 2;
  ClusterState s;
  for (int i = 0; i < points; ++i) {
    const double t = end_time_ * i / (points - 1);
    advance(s, t);
    out.emplace_back(t, fragmentation(s));
  }
  return out;
}

std::vector<double> RunModel::sorted_jcts() const {
  std::vector<double> out;
  for (const Job& j : jobs_) {
    if (j.outcome == JobOutcome::Completed) out.push_back(j.jct);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace kubetwin::gui
