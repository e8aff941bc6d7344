// System tests of `kubetwin predict train`: drive the real binary, check the JSON it prints, the
// exit codes and the one-line errors for bad input.

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "scenarios/testing/cli_support.hpp"

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

constexpr int kExitBadInput = 2;

struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

using kubetwin::scenarios::testing::read_file;

// Runs kubetwin with `args` (already shell-safe words), capturing stdout and stderr.
CommandResult kubetwin(const std::string& args) {
  const fs::path dir = fs::temp_directory_path() / ("kubetwin-predict-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string cmd = std::string(KUBETWIN_BINARY) + " " + args + " >" + (dir / "out").string() + " 2>" +
                          (dir / "err").string();
  const int status = std::system(cmd.c_str());
  CommandResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = read_file(dir / "out");
  r.err = read_file(dir / "err");
  fs::remove_all(dir);
  return r;
}

const std::string kLlama70b =
    "predict train --model llama-3-70b --seq 8192 --global-batch 512 --gpu H100-SXM-80GB --gpus 512 "
    "--tp 8 --pp 4 --vpp 5 --sequence-parallel --recompute selective --json";

TEST(PredictTrain, PrintsEveryDocumentedJsonField) {
  const CommandResult r = kubetwin(kLlama70b);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  const json j = json::parse(r.out);
  for (const char* key : {"stepSeconds", "tokensPerSecond", "modelTflopsPerGpu", "hardwareTflopsPerGpu", "mfu",
                          "memoryPerGpuBytes", "fits", "breakdown"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
  const json& b = j["breakdown"];
  for (const char* key : {"computeSeconds", "bubbleSeconds", "exposedCommSeconds", "forwardBackwardPerLayerSeconds"}) {
    EXPECT_TRUE(b.contains(key)) << key;
  }
  for (const char* kind : {"tp", "pp", "dp", "ep"}) EXPECT_TRUE(b["exposedCommSeconds"].contains(kind)) << kind;
  EXPECT_TRUE(j["fits"].get<bool>());
  EXPECT_GT(j["stepSeconds"].get<double>(), 0);
  EXPECT_NEAR(j["tokensPerSecond"].get<double>(), 512.0 * 8192 / j["stepSeconds"].get<double>(), 1e-6 * j["tokensPerSecond"].get<double>());
  EXPECT_GT(j["mfu"].get<double>(), 0.2);
  EXPECT_LT(j["mfu"].get<double>(), 0.8);
  EXPECT_GE(j["hardwareTflopsPerGpu"].get<double>(), j["modelTflopsPerGpu"].get<double>());
  EXPECT_EQ(j["layout"]["dp"], 16);
}

TEST(PredictTrain, SameInputSameOutput) {
  EXPECT_EQ(kubetwin(kLlama70b).out, kubetwin(kLlama70b).out);
}

TEST(PredictTrain, AutoMicroBatchIsNoSlowerThanAnyFixedOneThatFits) {
  const std::string base =
      "predict train --model llama-3-8b --seq 4096 --global-batch 256 --gpu H100-SXM-80GB --gpus 32 --tp 2 --json ";
  const json automatic = json::parse(kubetwin(base + "--micro-batch auto").out);
  ASSERT_TRUE(automatic["fits"].get<bool>());
  for (int b : {1, 2, 4, 8}) {
    const json fixed = json::parse(kubetwin(base + "--micro-batch " + std::to_string(b)).out);
    EXPECT_EQ(fixed["layout"]["microBatch"], b);
    if (fixed["fits"].get<bool>()) {
      EXPECT_LE(automatic["stepSeconds"].get<double>(), fixed["stepSeconds"].get<double>()) << "b = " << b;
    }
  }
}

TEST(PredictTrain, SaysWhenTheModelDoesNotFit) {
  const CommandResult r = kubetwin(
      "predict train --model llama-3.1-405b --seq 8192 --global-batch 64 --gpu H100-SXM-80GB --gpus 8 --tp 8 --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json j = json::parse(r.out);
  EXPECT_FALSE(j["fits"].get<bool>());
  EXPECT_GT(j["memoryPerGpuBytes"].get<double>(), j["gpuMemoryBytes"].get<double>());
}

TEST(PredictTrain, AcceptsAnInlineModelAndAModelFile) {
  const CommandResult inline_model = kubetwin(
      "predict train --layers 32 --hidden 4096 --heads 32 --kv-heads 8 --ffn 14336 --vocab 128256 --mlp swiglu "
      "--seq 8192 --global-batch 64 --gpu H100-SXM-80GB --gpus 8 --json");
  ASSERT_EQ(inline_model.exit_code, 0) << inline_model.err;
  const fs::path file = fs::temp_directory_path() / ("kubetwin-model-" + std::to_string(::getpid()) + ".json");
  std::ofstream(file) << R"({"name": "my-llama", "layers": 32, "hidden": 4096, "heads": 32, "kvHeads": 8, "ffn": 14336,
    "vocab": 128256, "mlp": "swiglu", "norm": "rmsnorm", "bias": false, "tiedEmbeddings": false, "dropout": false})";
  const CommandResult from_file =
      kubetwin("predict train --model " + file.string() + " --seq 8192 --global-batch 64 --gpu H100-SXM-80GB --gpus 8 --json");
  fs::remove(file);
  ASSERT_EQ(from_file.exit_code, 0) << from_file.err;
  const CommandResult catalog =
      kubetwin("predict train --model llama-3-8b --seq 8192 --global-batch 64 --gpu H100-SXM-80GB --gpus 8 --json");
  // The same shape three ways: the same step.
  EXPECT_DOUBLE_EQ(json::parse(inline_model.out)["stepSeconds"].get<double>(), json::parse(catalog.out)["stepSeconds"].get<double>());
  EXPECT_DOUBLE_EQ(json::parse(from_file.out)["stepSeconds"].get<double>(), json::parse(catalog.out)["stepSeconds"].get<double>());
  EXPECT_EQ(json::parse(from_file.out)["model"], "my-llama");
}

TEST(PredictTrain, BadInputExitsTwoWithOneLineNamingTheProblem) {
  const std::string ok = " --seq 2048 --global-batch 64 --gpus 64 ";
  struct Case {
    std::string args;
    std::string first_line;
  };
  const std::vector<Case> cases{
      {"predict train --model llama-3-8b --gpu H900" + ok,
       "kubetwin: error: --gpu: unknown GPU \"H900\" (known: A100-SXM-80GB, H100-SXM-80GB, H200-SXM-141GB, B200-SXM-180GB)"},
      {"predict train --model llama-9b --gpu H100-SXM-80GB" + ok, "kubetwin: error: --model: unknown model \"llama-9b\""},
      {"predict train --model llama-3-70b --gpu H100-SXM-80GB --tp 3" + ok,
       "kubetwin: error: heads (64) are not divisible by --tp 3"},
      {"predict train --model llama-3-70b --gpu H100-SXM-80GB --tp 8 --pp 3" + ok,
       "kubetwin: error: layers (80) are not divisible by --pp x --vpp = 3"},
      {"predict train --model mixtral-8x7b --gpu H100-SXM-80GB --tp 4 --pp 4 --ep 8" + ok,
       "kubetwin: error: --gpus 64 is not divisible by --tp x --pp x --ep = 128"},
      {"predict train --model llama-3-8b --gpu H100-SXM-80GB --micro-batch some" + ok,
       "kubetwin: error: --micro-batch must be a whole number of sequences (at least 1) or auto, got \"some\""},
      {"predict train --gpu H100-SXM-80GB" + ok,
       "kubetwin: error: predict train needs --model NAME|FILE, or --layers, --hidden and --heads"},
      {"predict train --model llama-3-8b --gpu H100-SXM-80GB --recompute some" + ok, "kubetwin: error: --recompute: "},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.args);
    const CommandResult r = kubetwin(c.args);
    EXPECT_EQ(r.exit_code, kExitBadInput);
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(r.err.rfind(c.first_line, 0), 0u) << r.err;
  }
}

// A fat-tree of 16 HGX H100 servers, 4 under each leaf, with leaf uplinks at `oversubscription`.
fs::path fabric_file(const std::string& name, const std::string& oversubscription) {
  const fs::path file = fs::temp_directory_path() / ("kubetwin-fabric-" + name + "-" + std::to_string(::getpid()) + ".json");
  std::ofstream(file) << R"({"topology": "fatTree", "nodes": 16, "gpuModel": "H100-SXM-80GB", "nicBandwidth": "400Gbps",
                            "nodesPerPod": 16, "nodesPerLeaf": 4, "oversubscription": ")"
                      << oversubscription << "\"}\n";
  return file;
}

TEST(PredictTrain, FabricTimesCollectivesOnTheRoutedTopology) {
  // Llama-3-8B at TP 8 on 8 servers = 2 leaves: the data-parallel all-reduce crosses the leaf
  // uplinks, so 4:1 oversubscribed uplinks expose more of it than a 1:1 (non-blocking) fabric.
  const fs::path full = fabric_file("1to1", "1:1"), over = fabric_file("4to1", "4:1");
  const std::string job = "predict train --model llama-3-8b --seq 8192 --global-batch 64 --micro-batch 1 --gpu H100-SXM-80GB "
                          "--gpus 64 --tp 8 --json --fabric ";
  const CommandResult a = kubetwin(job + full.string()), b = kubetwin(job + over.string());
  ASSERT_EQ(a.exit_code, 0) << a.err;
  ASSERT_EQ(b.exit_code, 0) << b.err;
  const json ja = json::parse(a.out), jb = json::parse(b.out);
  EXPECT_EQ(ja["network"]["collectives"], "routed");
  EXPECT_EQ(ja["network"]["servers"], 8);
  EXPECT_EQ(jb["network"]["oversubscription"], 4.0);
  const double dp_full = ja["breakdown"]["exposedCommSeconds"]["dp"], dp_over = jb["breakdown"]["exposedCommSeconds"]["dp"];
  EXPECT_GT(dp_full, 0);
  EXPECT_GT(dp_over, 1.5 * dp_full);
  EXPECT_GT(jb["stepSeconds"].get<double>(), ja["stepSeconds"].get<double>());
  // Compute and tensor parallelism (inside a server) do not depend on the uplinks.
  EXPECT_EQ(ja["breakdown"]["computeSeconds"], jb["breakdown"]["computeSeconds"]);
  EXPECT_EQ(ja["breakdown"]["exposedCommSeconds"]["tp"], jb["breakdown"]["exposedCommSeconds"]["tp"]);
  // What bounds the all-reduce: NICs on the non-blocking fabric, the leaf uplinks on the 4:1 one.
  auto bottleneck_names = [](const json& j) {
    std::string names;
    for (const auto& link : j["network"]["bottleneck"]["links"]) names += link["from"].get<std::string>() + ">" + link["to"].get<std::string>() + " ";
    return names;
  };
  EXPECT_EQ(jb["network"]["bottleneck"]["collective"], "data-parallel all-reduce");
  EXPECT_NE(bottleneck_names(jb).find("spine"), std::string::npos) << bottleneck_names(jb);
  EXPECT_EQ(bottleneck_names(ja).find("spine"), std::string::npos) << bottleneck_names(ja);
  EXPECT_LT(jb["network"]["bottleneck"]["transferGbps"].get<double>(), ja["network"]["bottleneck"]["transferGbps"].get<double>());
  // Same inputs, same bytes.
  EXPECT_EQ(kubetwin(job + over.string()).out, b.out);
  fs::remove(full);
  fs::remove(over);
}

TEST(PredictTrain, BadFabricFileExitsTwoNamingTheFileAndPointer) {
  const fs::path bad = fabric_file("bad", "1:4");
  const fs::path small = fabric_file("small", "1:1");
  const std::string job = "predict train --model llama-3-8b --seq 8192 --global-batch 64 --gpu H100-SXM-80GB --tp 8 ";
  struct Case {
    std::string args;
    std::string first_line;
  };
  const std::vector<Case> cases{
      {job + "--gpus 64 --fabric " + bad.string(),
       "kubetwin: error: " + bad.string() + ": /oversubscription: must be a downlink:uplink ratio of at least 1"},
      {job + "--gpus 256 --fabric " + small.string(),
       "kubetwin: error: " + small.string() + ": /nodes: 16 servers of 8 GPUs hold fewer than --gpus 256"},
      {"predict train --model llama-3-8b --seq 8192 --global-batch 64 --gpu A100-SXM-80GB --tp 8 --gpus 64 --fabric " +
           small.string(),
       "kubetwin: error: " + small.string() + ": /gpuModel: the fabric's servers hold H100-SXM-80GB"},
      {job + "--gpus 64 --fabric /nonexistent/fabric.json", "kubetwin: error: /nonexistent/fabric.json: cannot open fabric file"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.args);
    const CommandResult r = kubetwin(c.args);
    EXPECT_EQ(r.exit_code, kExitBadInput);
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(r.err.rfind(c.first_line, 0), 0u) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
  // --fabric replaces the flat network's flags.
  EXPECT_EQ(kubetwin(job + "--gpus 64 --nic-gbps 200 --fabric " + small.string()).exit_code, kExitBadInput);
  fs::remove(bad);
  fs::remove(small);
}

TEST(PredictTrain, TextOutputSummarizesStepAndMemory) {
  const CommandResult r = kubetwin(
      "predict train --model gpt3-175b --seq 2048 --global-batch 1536 --micro-batch 1 --gpu A100-SXM-80GB --gpus 1024 "
      "--tp 8 --pp 8 --recompute full");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("kubetwin: gpt3-175b (174.6B parameters) on 1024 x A100-SXM-80GB", 0), 0u) << r.out;
  EXPECT_NE(r.out.find("memory"), std::string::npos);
}

TEST(PredictInfer, DecodeIsMemoryBoundAndPrefillComputeBound) {
  const std::string base = "predict infer --model llama-3-8b --gpu H100-SXM-80GB --json ";
  const CommandResult decode = kubetwin(base + "--batch 8 --context 2048 --phase decode");
  ASSERT_EQ(decode.exit_code, 0) << decode.err;
  const json d = json::parse(decode.out);
  EXPECT_EQ(d["boundBy"], "memory");
  EXPECT_GT(d["stepSeconds"].get<double>(), 0.004);  // 16 GB of weights at 3.35 TB/s at least
  EXPECT_NEAR(d["tokensPerSecond"].get<double>(), 8 / d["stepSeconds"].get<double>(), 1e-9 * d["tokensPerSecond"].get<double>());
  EXPECT_TRUE(d["fits"].get<bool>());
  EXPECT_DOUBLE_EQ(d["kvBytesPerToken"].get<double>(), 2.0 * 32 * 8 * 128 * 2);
  const CommandResult prefill = kubetwin(base + "--batch 4 --context 4096 --phase prefill");
  ASSERT_EQ(prefill.exit_code, 0) << prefill.err;
  const json p = json::parse(prefill.out);
  EXPECT_EQ(p["boundBy"], "compute");
  for (const char* key : {"gemmSeconds", "attentionSeconds", "elementwiseSeconds", "tpCommSeconds"})
    EXPECT_TRUE(p["breakdown"].contains(key)) << key;
  EXPECT_EQ(kubetwin(base + "--batch 4 --context 4096 --phase prefill").out, prefill.out);  // deterministic
}

TEST(PredictInfer, TensorParallelismShortensDecodeAndSaysWhenTheCacheDoesNotFit) {
  const std::string base = "predict infer --model llama-3-70b --gpu H100-SXM-80GB --batch 64 --context 8192 --phase decode --json ";
  const json one = json::parse(kubetwin(base + "--tp 1").out);
  const json eight = json::parse(kubetwin(base + "--tp 8").out);
  EXPECT_FALSE(one["fits"].get<bool>());  // 140 GB of weights on one 80 GB GPU
  EXPECT_TRUE(eight["fits"].get<bool>());
  EXPECT_LT(eight["stepSeconds"].get<double>(), one["stepSeconds"].get<double>() / 3);  // weights and cache split 8 ways, plus all-reduces
  EXPECT_GT(eight["breakdown"]["tpCommSeconds"].get<double>(), 0);
  const CommandResult text = kubetwin("predict infer --model llama-3-70b --gpu H100-SXM-80GB --batch 64 --context 8192 --phase decode");
  ASSERT_EQ(text.exit_code, 0);
  EXPECT_NE(text.out.find("DOES NOT FIT"), std::string::npos) << text.out;
}

TEST(PredictServe, ReportsLatencyPercentilesAndThroughput) {
  const std::string args =
      "predict serve --model llama-3-8b --gpu H100-SXM-80GB --rate 4 --requests 200 --input-len 512 --output-len 64..256 "
      "--seed 3 --json";
  const CommandResult r = kubetwin(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json j = json::parse(r.out);
  EXPECT_EQ(j["completed"], 200);
  for (const char* key : {"ttftSeconds", "tpotSeconds", "latencySeconds"}) {
    for (const char* p : {"p50", "p90", "p99"}) EXPECT_GT(j[key][p].get<double>(), 0) << key << " " << p;
    EXPECT_LE(j[key]["p50"].get<double>(), j[key]["p99"].get<double>());
  }
  EXPECT_GT(j["outputTokensPerSecond"].get<double>(), 0);
  EXPECT_NEAR(j["requestsPerSecond"].get<double>(), 4, 1.0);  // the server keeps up with the offered load
  EXPECT_EQ(kubetwin(args).out, r.out);                       // same seed, same bytes
  EXPECT_NE(kubetwin("predict serve --model llama-3-8b --gpu H100-SXM-80GB --rate 4 --requests 200 --input-len 512 "
                     "--output-len 64..256 --seed 4 --json").out, r.out);
}

TEST(PredictServe, ChunkedPrefillIsAnOption) {
  const std::string base = "predict serve --model llama-3-8b --gpu H100-SXM-80GB --rate 2 --requests 60 --input-len 4096 --output-len 128 ";
  const CommandResult r = kubetwin(base + "--chunked-prefill --max-batched-tokens 512 --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json j = json::parse(r.out);
  EXPECT_TRUE(j["chunkedPrefill"].get<bool>());
  EXPECT_EQ(j["maxBatchedTokens"], 512);
  const CommandResult text = kubetwin(base);
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("TTFT"), std::string::npos);
}

TEST(PredictSearch, FindsAFittingLayoutThatDivides) {
  const CommandResult r =
      kubetwin("predict search --model gpt3-175b --gpus 1024 --gpu A100-SXM-80GB --seq 2048 --global-batch 1536 --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json j = json::parse(r.out);
  ASSERT_TRUE(j["found"].get<bool>());
  const json& best = j["best"];
  EXPECT_TRUE(best["fits"].get<bool>());
  const json& l = best["layout"];
  EXPECT_EQ(l["tp"].get<int>() * l["pp"].get<int>() * l["dp"].get<int>(), 1024);
  EXPECT_EQ(96 % (l["pp"].get<int>() * l["vpp"].get<int>()), 0);
  EXPECT_EQ(96 % l["tp"].get<int>(), 0);
  EXPECT_EQ(j["ranked"].size(), 5u);
  // The best is what predict train says for it.
  const std::string train = "predict train --model gpt3-175b --gpus 1024 --gpu A100-SXM-80GB --seq 2048 --global-batch 1536 --json"
                            " --tp " + std::to_string(l["tp"].get<int>()) + " --pp " + std::to_string(l["pp"].get<int>()) +
                            " --vpp " + std::to_string(l["vpp"].get<int>()) + " --zero " + std::to_string(l["zero"].get<int>()) +
                            " --recompute " + l["recompute"].get<std::string>() + " --micro-batch " +
                            std::to_string(l["microBatch"].get<int>()) + (l["sequenceParallel"].get<bool>() ? " --sequence-parallel" : "");
  const CommandResult t = kubetwin(train);
  ASSERT_EQ(t.exit_code, 0) << t.err;
  EXPECT_DOUBLE_EQ(json::parse(t.out)["stepSeconds"].get<double>(), best["stepSeconds"].get<double>());
}

TEST(PredictInferServeSearch, BadInputExitsTwoWithOneLineNamingTheProblem) {
  struct Case {
    std::string args;
    std::string first_line;
  };
  const std::string infer = "predict infer --batch 1 --context 128 --phase decode ";
  const std::string serve = "predict serve --rate 1 --requests 10 --input-len 128 --output-len 16 ";
  const std::string search = "predict search --gpus 64 --seq 2048 --global-batch 64 ";
  const std::vector<Case> cases{
      {infer + "--model llama-3-8b --gpu H900",
       "kubetwin: error: --gpu: unknown GPU \"H900\" (known: A100-SXM-80GB, H100-SXM-80GB, H200-SXM-141GB, B200-SXM-180GB)"},
      {infer + "--model llama-9b --gpu H100-SXM-80GB", "kubetwin: error: --model: unknown model \"llama-9b\""},
      {infer + "--model llama-3-70b --gpu H100-SXM-80GB --tp 3", "kubetwin: error: heads (64) are not divisible by --tp 3"},
      {infer + "--gpu H100-SXM-80GB", "kubetwin: error: predict infer needs --model NAME|FILE"},
      {"predict infer --model llama-3-8b --gpu H100-SXM-80GB --batch 1 --context 128 --phase both", "kubetwin: error: --phase: "},
      {"predict infer --model llama-3-8b --gpu H100-SXM-80GB --batch 0 --context 128 --phase decode", "kubetwin: error: --batch: "},
      {serve + "--model llama-3-8b --gpu H900", "kubetwin: error: --gpu: unknown GPU \"H900\""},
      {serve + "--model llama-9b --gpu H100-SXM-80GB", "kubetwin: error: --model: unknown model \"llama-9b\""},
      {serve + "--model llama-3-70b --gpu H100-SXM-80GB --tp 3", "kubetwin: error: heads (64) are not divisible by --tp 3"},
      {serve + "--model llama-3-70b --gpu H100-SXM-80GB",
       "kubetwin: error: llama-3-70b does not fit for serving on H100-SXM-80GB with --tp 1: weights"},
      {"predict serve --model llama-3-8b --gpu H100-SXM-80GB --rate 1 --requests 10 --input-len 9..3 --output-len 16",
       "kubetwin: error: --input-len must be a token count or MIN..MAX (1 <= MIN <= MAX), got \"9..3\""},
      {"predict serve --model llama-3-8b --gpu H100-SXM-80GB --rate 1 --requests 10 --input-len 4000 --output-len 16 "
       "--max-batched-tokens 1024",
       "kubetwin: error: request 0 is longer than --max-batched-tokens 1024"},
      {serve + "--model llama-3-8b --gpu H100-SXM-80GB --rate 0", "kubetwin: error: --rate: "},
      {search + "--model llama-3-8b --gpu H900", "kubetwin: error: --gpu: unknown GPU \"H900\""},
      {search + "--model llama-9b --gpu H100-SXM-80GB", "kubetwin: error: --model: unknown model \"llama-9b\""},
      {"predict search --model llama-3-8b --gpu H100-SXM-80GB --gpus 7 --seq 2048 --global-batch 64",
       "kubetwin: error: no layout of llama-3-8b divides --gpus 7 and --global-batch 64"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.args);
    const CommandResult r = kubetwin(c.args);
    EXPECT_EQ(r.exit_code, kExitBadInput);
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(r.err.rfind(c.first_line, 0), 0u) << r.err;
  }
}

}  // namespace
