// `kubetwin predict serve`: a continuous-batching server under Poisson arrivals
// (models/perf/serving_simulator).

#include <cstdio>
#include <nlohmann/json.hpp>

#include "models/hardware/efficiency.hpp"
#include "models/perf/collective_model.hpp"
#include "models/perf/serving_simulator.hpp"
#include "scenarios/cli/predict_verbs.hpp"
#include "sim/input_error.hpp"

namespace kubetwin::cli {
namespace {

// "512" (fixed) or "128..1024" (uniform integers).
models::TokenLengths parse_lengths(const std::string& flag, const std::string& s) {
  auto whole = [](const std::string& t, int& out) {
    try {
      std::size_t used = 0;
      out = std::stoi(t, &used);
      return used == t.size() && out >= 1;
    } catch (const std::exception&) {
      return false;
    }
  };
  models::TokenLengths l;
  const auto dots = s.find("..");
  const bool ok = dots == std::string::npos ? whole(s, l.min) && whole(s, l.max)
                                            : whole(s.substr(0, dots), l.min) && whole(s.substr(dots + 2), l.max);
  if (!ok || l.min > l.max)
    throw sim::InputError(flag + " must be a token count or MIN..MAX (1 <= MIN <= MAX), got \"" + s + "\"");
  return l;
}

nlohmann::ordered_json percentiles(const models::DistributionSummary& d) {
  return {{"mean", d.mean}, {"p50", d.p50}, {"p90", d.p90}, {"p99", d.p99}};
}

}  // namespace

void add_serve_options(CLI::App* verb, PredictServeArgs& a) {
  add_model_options(verb, a.model);
  verb->add_option("--gpu", a.gpu, "GPU model from the catalog (e.g. H100-SXM-80GB)")->required();
  verb->add_option("--tp", a.tp, "Tensor-parallel size of the server")->capture_default_str()->check(CLI::PositiveNumber);
  verb->add_option("--rate", a.rate, "Requests per second (Poisson arrivals)")->required()->check(CLI::PositiveNumber);
  verb->add_option("--requests", a.requests, "Requests to serve")->required()->check(CLI::Range(1, 10000000));
  verb->add_option("--input-len", a.input_len, "Prompt tokens: N, or MIN..MAX drawn uniformly")->required();
  verb->add_option("--output-len", a.output_len, "Output tokens: N, or MIN..MAX drawn uniformly")->required();
  verb->add_flag("--chunked-prefill", a.chunked_prefill,
                                 "Split prompts into chunks that share iterations with decodes");
  verb->add_option("--max-batched-tokens", a.max_batched_tokens,
                   "Tokens per iteration at most (default 2048 with chunked prefill, else the longest request, >= 2048)")
      ->check(CLI::PositiveNumber);
  verb->add_option("--max-num-seqs", a.max_num_seqs, "Running requests at most")->capture_default_str()->check(CLI::PositiveNumber);
  verb->add_option("--block-size", a.block_size, "Tokens per K/V cache block")->capture_default_str()->check(CLI::Range(1, 1024));
  verb->add_option("--gpu-memory-utilization", a.gpu_memory_utilization, "Share of GPU memory the server may use")
      ->capture_default_str()->check(CLI::Range(0.05, 1.0));
  verb->add_option("--seed", a.seed, "Seed of the arrival and length streams")->capture_default_str();
  verb->add_flag("--json", a.json, "Print the result as JSON");
}

int run_serve(const PredictServeArgs& a) {
  const models::GpuSpec& gpu = resolve_gpu(a.gpu);
  const models::TransformerSpec m = resolve_model(a.model, "predict serve");
  auto problems = models::InferenceStepModel::check(m, a.tp);
  if (!problems.empty()) throw sim::InputError(std::move(problems));
  models::RequestStream stream;
  stream.rate = a.rate;
  stream.requests = a.requests;
  stream.input = parse_lengths("--input-len", a.input_len);
  stream.output = parse_lengths("--output-len", a.output_len);
  stream.seed = a.seed;

  models::InferenceOptions options;
  options.tp = a.tp;
  const models::AlphaBetaCollectives comm = models::AlphaBetaCollectives::for_gpu(gpu);
  const models::InferenceStepModel step(gpu, models::EfficiencyModel::builtin(), comm, options);
  models::ServerConfig config;
  config.block_size = a.block_size;
  config.max_num_seqs = a.max_num_seqs;
  config.max_batched_tokens = a.max_batched_tokens;
  config.chunked_prefill = a.chunked_prefill;
  config.gpu_memory_utilization = a.gpu_memory_utilization;
  const models::ServingSimulator server(step, m, config);
  const models::ServingResult r = server.run(models::poisson_requests(stream));

  if (a.json) {
    const nlohmann::ordered_json j = {
        {"model", m.name},
        {"gpu", gpu.name},
        {"tp", a.tp},
        {"rate", a.rate},
        {"requests", a.requests},
        {"seed", a.seed},
        {"chunkedPrefill", a.chunked_prefill},
        {"maxBatchedTokens", r.max_batched_tokens},
        {"kvCacheBlocks", r.kv_blocks},
        {"kvCacheTokens", static_cast<long long>(r.kv_blocks) * a.block_size},
        {"completed", r.completed},
        {"preemptions", r.preemptions},
        {"iterations", r.iterations},
        {"meanBatch", r.mean_batch},
        {"durationSeconds", r.duration_seconds},
        {"requestsPerSecond", r.requests_per_second},
        {"outputTokensPerSecond", r.output_tokens_per_second},
        {"totalTokensPerSecond", r.total_tokens_per_second},
        {"ttftSeconds", percentiles(r.ttft)},
        {"tpotSeconds", percentiles(r.tpot)},
        {"latencySeconds", percentiles(r.latency)},
    };
    std::printf("%s\n", j.dump(2).c_str());
    return 0;
  }
  std::printf("kubetwin: %s on %d x %s serving %d requests at %.2f/s%s, K/V cache %d blocks of %d tokens\n",
              m.name.c_str(), a.tp, gpu.name.c_str(), a.requests, a.rate, a.chunked_prefill ? " (chunked prefill)" : "",
              r.kv_blocks, a.block_size);
  std::printf("  TTFT       p50 %.1f ms, p90 %.1f ms, p99 %.1f ms\n", 1e3 * r.ttft.p50, 1e3 * r.ttft.p90, 1e3 * r.ttft.p99);
  std::printf("  TPOT       p50 %.2f ms, p90 %.2f ms, p99 %.2f ms\n", 1e3 * r.tpot.p50, 1e3 * r.tpot.p90, 1e3 * r.tpot.p99);
  std::printf("  throughput %.2f requests/s, %.0f output tokens/s, %.0f tokens/s in all, %d preemptions, mean batch %.1f\n",
              r.requests_per_second, r.output_tokens_per_second, r.total_tokens_per_second, r.preemptions, r.mean_batch);
  return 0;
}

}  // namespace kubetwin::cli
