#include <gtest/gtest.h>

#include <cstring>
#include <random>

#include "edgerun/edgerun.h"
#include "shared_data.h"

namespace edgerun {
namespace {

TEST(Session, InputSurvivesInvokeAndRunsAreRepeatable) {
  EDGERUN_REQUIRE_SHARED(path, "models/mobilenet_v1_0.25_128_quant.tflite");
  auto model = Model::load(path);
  ASSERT_TRUE(model.ok()) << model.status().message();
  auto session = Session::create(*model);
  ASSERT_TRUE(session.ok());
  const TensorInfo& in = session->input_info(0);
  std::vector<uint8_t> pixels(in.bytes());
  std::mt19937 rng(1);
  for (auto& p : pixels) p = static_cast<uint8_t>(rng());
  std::memcpy(session->input_data(0), pixels.data(), pixels.size());
  ASSERT_TRUE(session->invoke().ok());
  EXPECT_EQ(std::memcmp(session->input_data(0), pixels.data(), pixels.size()), 0)
      << "invoke() overwrote the input tensor";
  const size_t out_bytes = session->output_info(0).bytes();
  std::vector<uint8_t> first(out_bytes);
  std::memcpy(first.data(), session->output_data(0), out_bytes);
  ASSERT_TRUE(session->invoke().ok());
  EXPECT_EQ(std::memcmp(first.data(), session->output_data(0), out_bytes), 0);

  // Two sessions over one shared model are independent.
  auto other = Session::create(*model);
  ASSERT_TRUE(other.ok());
  std::memcpy(other->input_data(0), pixels.data(), pixels.size());
  ASSERT_TRUE(other->invoke().ok());
  EXPECT_EQ(std::memcmp(first.data(), other->output_data(0), out_bytes), 0);
}

TEST(Session, ThreadCountIsValidatedAndReported) {
  EDGERUN_REQUIRE_SHARED(path, "models/mobilenet_v1_0.25_128_quant.tflite");
  auto model = Model::load(path);
  ASSERT_TRUE(model.ok()) << model.status().message();
  for (int bad : {0, -1, 257}) {
    SessionOptions o;
    o.threads = bad;
    auto s = Session::create(*model, o);
    ASSERT_FALSE(s.ok()) << bad;
    EXPECT_EQ(s.status().message(),
              "Session::create: threads: expected 1 to 256, found " + std::to_string(bad));
  }
  SessionOptions o;
  o.threads = 4;
  auto s = Session::create(*model, o);
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s->threads(), 4);
}

TEST(Session, ArenaIsSmallerThanUnsharedActivations) {
  EDGERUN_REQUIRE_SHARED(path, "models/mobilenet_v2_1.0_224_quant.tflite");
  auto model = Model::load(path);
  ASSERT_TRUE(model.ok()) << model.status().message();
  const ModelStats& s = (*model)->stats();
  EXPECT_GT(s.arena_bytes, (*model)->input_info(0).bytes());
  EXPECT_LT(s.arena_bytes * 3, s.activation_bytes_unshared);
}

}  // namespace
}  // namespace edgerun
