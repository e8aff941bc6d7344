#pragma once
// What one inference-server pod (vLLM-style continuous batching) reports on its /metrics endpoint,
// from the requests per second offered to it: a fluid queue, advanced in steps of at most 1 s.
//
// - Capacity (Little's law): at most `maxNumSeqs` requests run at once and each takes
//   `requestLatency` when nothing waits, so the pod serves at most maxNumSeqs / requestLatency
//   requests per second. Offered load beyond that waits (vllm:num_requests_waiting grows by the
//   excess per second), and drains when the load falls back.
// - Running requests: served rate x requestLatency (Little's law), at most maxNumSeqs.
// - Latency of a request served while `w` requests wait ahead of it: end-to-end = requestLatency +
//   queueing, time to first token = timeToFirstToken + queueing, where queueing is exponentially
//   distributed with mean w / capacity (0 when nothing waits); the histograms get each step's
//   served requests spread over their buckets by that distribution, as expected counts.
// Counters and bucket counts are exposed rounded to whole requests (expected counts otherwise).

#include <functional>
#include <string>
#include <vector>

namespace kubetwin::models {

/// A Deployment's serving parameters (/deployments/i/server).
struct InferenceServerSpec {
  std::string model_name;             ///< the model_name label; empty: the Deployment's name
  int max_num_seqs = 256;             ///< vLLM's --max-num-seqs
  double request_latency = 2.0;       ///< seconds end to end for one request when nothing waits
  double time_to_first_token = 0.1;   ///< seconds when nothing waits
  /// Requests per second one pod serves at most.
  double capacity() const { return max_num_seqs / request_latency; }
};

/// vLLM's histogram buckets (vllm/v1/metrics/loggers.py).
const std::vector<double>& vllm_e2e_latency_buckets();
const std::vector<double>& vllm_ttft_buckets();

class InferenceServerState {
 public:
  InferenceServerState(const InferenceServerSpec& spec, double started_at);

  /// Serves from the last update to `t`, `offered(time)` being the requests per second offered to
  /// this pod at that time.
  void advance(double t, const std::function<double(double)>& offered);

  const InferenceServerSpec& spec() const { return spec_; }
  double running() const { return running_; }
  double waiting() const { return waiting_; }
  double successes() const { return successes_; }
  /// Served requests per second over capacity in the last step (0..1): how busy its GPU is.
  double busy_fraction() const { return busy_; }
  /// Cumulative expected counts per bucket bound and then the total; and the sum, in seconds.
  const std::vector<double>& e2e_counts() const { return e2e_; }
  double e2e_sum() const { return e2e_sum_; }
  const std::vector<double>& ttft_counts() const { return ttft_; }
  double ttft_sum() const { return ttft_sum_; }

 private:
  static void observe(std::vector<double>& counts, const std::vector<double>& bounds, double served, double base,
                      double mean_wait);

  InferenceServerSpec spec_;
  double updated_at_;
  double waiting_ = 0, running_ = 0, successes_ = 0, busy_ = 0;
  std::vector<double> e2e_, ttft_;
  double e2e_sum_ = 0, ttft_sum_ = 0;
};

}  // namespace kubetwin::models
