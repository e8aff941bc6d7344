#include "models/metrics/inference_server_metrics.hpp"

#include <algorithm>
#include <cmath>

namespace kubetwin::models {

const std::vector<double>& vllm_e2e_latency_buckets() {
  static const std::vector<double> b = {0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0,
                                        30.0, 40.0, 50.0, 60.0, 120.0, 240.0, 480.0, 960.0, 1920.0, 7680.0};
  return b;
}

const std::vector<double>& vllm_ttft_buckets() {
  static const std::vector<double> b = {0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75,
                                        1.0,   2.5,   5.0,  7.5,  10.0, 20.0, 40.0, 80.0, 160.0, 640.0, 2560.0};
  return b;
}

InferenceServerState::InferenceServerState(const InferenceServerSpec& spec, double started_at)
    : spec_(spec),
      updated_at_(started_at),
      e2e_(vllm_e2e_latency_buckets().size() + 1, 0.0),
      ttft_(vllm_ttft_buckets().size() + 1, 0.0) {}

void InferenceServerState::observe(std::vector<double>& counts, const std::vector<double>& bounds, double served,
                                   double base, double mean_wait) {
  for (std::size_t b = 0; b < bounds.size(); ++b) {
    if (bounds[b] < base) continue;
    counts[b] += served * (mean_wait <= 0 ? 1.0 : 1.0 - std::exp(-(bounds[b] - base) / mean_wait));
  }
  counts.back() += served;
}

void InferenceServerState::advance(double t, const std::function<double(double)>& offered) {
  constexpr double kStep = 1.0;  // seconds: fine enough for scrape intervals of 5 s and more
  const double capacity = spec_.capacity();
  while (updated_at_ < t) {
    const bool last = t - updated_at_ <= kStep;
    const double dt = last ? t - updated_at_ : kStep;
    const double arrived = std::max(0.0, offered(updated_at_)) * dt;
    const double wait = waiting_ / capacity;  // seconds the backlog ahead takes to clear
    const double served = std::min(waiting_ + arrived, capacity * dt);
    waiting_ += arrived - served;
    successes_ += served;
    if (served > 0) {
      observe(e2e_, vllm_e2e_latency_buckets(), served, spec_.request_latency, wait);
      observe(ttft_, vllm_ttft_buckets(), served, spec_.time_to_first_token, wait);
      e2e_sum_ += served * (spec_.request_latency + wait);
      ttft_sum_ += served * (spec_.time_to_first_token + wait);
    }
    busy_ = served / dt / capacity;
    running_ = std::min(served / dt * spec_.request_latency, static_cast<double>(spec_.max_num_seqs));
    updated_at_ = last ? t : updated_at_ + dt;
  }
}

}  // namespace kubetwin::models
