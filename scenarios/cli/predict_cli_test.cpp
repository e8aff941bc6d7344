// System tests of `kubetwin predict train`: drive the real binary, check the JSON it prints, the
// exit codes and the one-line errors for bad input.

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

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

TEST(PredictTrain, TextOutputSummarizesStepAndMemory) {
  const CommandResult r = kubetwin(
      "predict train --model gpt3-175b --seq 2048 --global-batch 1536 --micro-batch 1 --gpu A100-SXM-80GB --gpus 1024 "
      "--tp 8 --pp 8 --recompute full");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("kubetwin: gpt3-175b (174.6B parameters) on 1024 x A100-SXM-80GB", 0), 0u) << r.out;
  EXPECT_NE(r.out.find("memory"), std::string::npos);
}

}  // namespace
