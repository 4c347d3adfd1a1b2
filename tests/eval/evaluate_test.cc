// eval::evaluate on small datasets made at test time, checked against a plain
// classify loop written out here (decode, preprocess, invoke, dequantize, sort).
#include "eval/evaluate.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>
#include <string>
#include <utility>
#include <vector>

#include "edgerun/edgerun.h"
#include "eval/dataset.h"
#include "eval/temp_dataset.h"
#include "shared_data.h"
#include "vision/image.h"
#include "vision/preprocess.h"

namespace edgerun::eval {
namespace {

const char* const kPhotos[] = {"grace_hopper.bmp", "cat.bmp", "hot_dog.jpg", "parrot.jpg"};

std::shared_ptr<const Model> load(const std::string& path) {
  auto m = Model::load(path);
  EXPECT_TRUE(m.ok()) << m.status().message();
  return m.ok() ? *m : nullptr;
}

// What classify computes for one photo: every score as a float and the best 5.
struct Scores {
  std::vector<float> values;
  std::vector<int> top5;
};

Scores classify(const std::shared_ptr<const Model>& model, const std::string& image_path) {
  Scores s;
  auto session = Session::create(model);
  auto image = vision::decode_image_file(image_path);
  if (!session.ok() || !image.ok()) {
    ADD_FAILURE() << "cannot classify " << image_path;
    return s;
  }
  auto input = vision::preprocess(*image, model->input_info(0), std::nullopt);  // uint8 models: raw pixels
  if (!input.ok()) {
    ADD_FAILURE() << input.status().message();
    return s;
  }
  std::memcpy(session->input_data(0), input->data(), input->size());
  EXPECT_TRUE(session->invoke().ok());
  const TensorInfo& out = model->output_info(0);
  EXPECT_EQ(out.dtype, DType::kUInt8);
  const auto* q = static_cast<const uint8_t*>(session->output_data(0));
  for (int64_t i = 0; i < out.elements(); ++i) {
    s.values.push_back(out.quant.scale[0] * static_cast<float>(q[i] - out.quant.zero_point[0]));
  }
  std::vector<int> order(s.values.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return s.values[a] > s.values[b]; });
  s.top5.assign(order.begin(), order.begin() + 5);
  return s;
}

// A class outside the top 5.
int wrong_class(const Scores& s) {
  int c = 0;
  while (std::find(s.top5.begin(), s.top5.end(), c) != s.top5.end()) ++c;
  return c;
}

class EvalRun : public ::testing::Test {
 protected:
  // Copies the four photos and labels them so that the model under test gets
  // image 0 and 3 right at top-1, image 1 right at top-5 only (its 3rd class) and
  // image 2 wrong: top-1 2 of 4, top-5 3 of 4.
  void make_dataset(const std::shared_ptr<const Model>& model) {
    std::string tsv = "file\tclass_index_1001\tclass_name\n";
    for (size_t i = 0; i < 4; ++i) {
      const std::string photo = ::edgerun::testdata::shared_path(std::string("images/") + kPhotos[i]);
      data_.copy(photo, kPhotos[i]);
      scores_.push_back(classify(model, photo));
      const Scores& s = scores_.back();
      const int label = i == 1 ? s.top5[2] : i == 2 ? wrong_class(s) : s.top5[0];
      tsv += std::string(kPhotos[i]) + "\t" + std::to_string(label) + "\tname " + std::to_string(i) + "\n";
      labels_.push_back(label);
    }
    data_.write("labels.tsv", tsv);
    auto ds = load_dataset(data_.dir());
    ASSERT_TRUE(ds.ok()) << ds.status().message();
    dataset_ = std::move(ds).value();
  }

  testing::TempDataset data_;
  Dataset dataset_;
  std::vector<Scores> scores_;
  std::vector<int> labels_;
};

TEST_F(EvalRun, CountsTopOneAndTopFiveLikeAPlainClassifyLoop) {
  EDGERUN_REQUIRE_SHARED(path, "models/mobilenet_v1_0.25_128_quant.tflite");
  EDGERUN_REQUIRE_SHARED(images, "images");
  auto model = load(path);
  ASSERT_TRUE(model);
  ASSERT_NO_FATAL_FAILURE(make_dataset(model));
  auto session = Session::create(model);
  ASSERT_TRUE(session.ok());

  EvalOptions options;
  std::vector<std::pair<size_t, size_t>> progress;
  options.progress = [&](size_t done, size_t total) { progress.emplace_back(done, total); };
  auto r = evaluate(dataset_, {&*session, path}, std::nullopt, options);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->num_classes, 1001);
  EXPECT_EQ(r->model.images, 4u);
  EXPECT_EQ(r->model.top1_correct, 2u);
  EXPECT_EQ(r->model.top5_correct, 3u);
  EXPECT_DOUBLE_EQ(r->model.top1_percent(), 50.0);
  EXPECT_DOUBLE_EQ(r->model.top5_percent(), 75.0);
  EXPECT_FALSE(r->reference.has_value());
  EXPECT_FALSE(r->drift.has_value());
  ASSERT_EQ(r->per_image.size(), 4u);
  double invoke_sum = 0;
  for (size_t i = 0; i < 4; ++i) {
    const ImageResult& img = r->per_image[i];
    EXPECT_EQ(img.image, i);
    EXPECT_EQ(img.expected, labels_[i]);
    EXPECT_EQ(img.top, scores_[i].top5) << kPhotos[i];
    EXPECT_GT(img.invoke_ms, 0);
    invoke_sum += img.invoke_ms;
  }
  EXPECT_EQ(progress, (std::vector<std::pair<size_t, size_t>>{{1, 4}, {2, 4}, {3, 4}, {4, 4}}));
  EXPECT_NEAR(r->model.mean_invoke_ms, invoke_sum / 4, 1e-9);
  std::vector<double> ms;
  for (const ImageResult& img : r->per_image) ms.push_back(img.invoke_ms);
  std::sort(ms.begin(), ms.end());
  EXPECT_DOUBLE_EQ(r->model.median_invoke_ms, (ms[1] + ms[2]) / 2);
  EXPECT_GE(r->total_ms, invoke_sum);

  // --limit: the first two lines only.
  options.limit = 2;
  progress.clear();
  r = evaluate(dataset_, {&*session, path}, std::nullopt, options);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->model.images, 2u);
  EXPECT_EQ(r->model.top1_correct, 1u);
  EXPECT_EQ(r->model.top5_correct, 2u);
  EXPECT_EQ(progress.back(), (std::pair<size_t, size_t>{2, 2}));
}

TEST_F(EvalRun, ReferenceWithAnotherInputSizeGivesItsAccuracyAgreementAndSqnr) {
  EDGERUN_REQUIRE_SHARED(path, "models/mobilenet_v1_0.25_128_quant.tflite");
  EDGERUN_REQUIRE_SHARED(ref_path, "models/mobilenet_v1_0.5_160_quant.tflite");
  EDGERUN_REQUIRE_SHARED(images, "images");
  auto model = load(path);
  auto reference = load(ref_path);
  ASSERT_TRUE(model && reference);
  ASSERT_NO_FATAL_FAILURE(make_dataset(model));
  auto session = Session::create(model);
  auto ref_session = Session::create(reference);
  ASSERT_TRUE(session.ok() && ref_session.ok());
  auto r = evaluate(dataset_, {&*session, path}, EvalModel{&*ref_session, ref_path}, {});
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_TRUE(r->reference.has_value() && r->drift.has_value());

  // The same figures from the plain loop: the reference runs at its own 160 x 160.
  double signal = 0, noise = 0, per_image_sum = 0;
  size_t agree = 0, ref_top1 = 0, ref_top5 = 0, identical = 0;
  for (size_t i = 0; i < 4; ++i) {
    const Scores ref = classify(reference, dataset_.images[i].path);
    const Scores& x = scores_[i];
    EXPECT_EQ(r->per_image[i].reference_top, ref.top5) << kPhotos[i];
    double s = 0, n = 0;
    for (size_t k = 0; k < ref.values.size(); ++k) {
      s += double(ref.values[k]) * ref.values[k];
      n += (double(ref.values[k]) - x.values[k]) * (double(ref.values[k]) - x.values[k]);
    }
    signal += s;
    noise += n;
    if (n == 0) {  // possible: both uint8 softmaxes saturated on the same class
      ++identical;
      EXPECT_EQ(r->per_image[i].sqnr_db, std::numeric_limits<double>::infinity());
    } else {
      EXPECT_NEAR(r->per_image[i].sqnr_db, 10 * std::log10(s / n), 1e-9);
      per_image_sum += 10 * std::log10(s / n);
    }
    agree += ref.top5[0] == x.top5[0];
    ref_top1 += ref.top5[0] == labels_[i];
    ref_top5 += std::find(ref.top5.begin(), ref.top5.end(), labels_[i]) != ref.top5.end();
  }
  EXPECT_EQ(r->reference->top1_correct, ref_top1);
  EXPECT_EQ(r->reference->top5_correct, ref_top5);
  EXPECT_GT(r->reference->mean_invoke_ms, 0);
  const Drift& d = *r->drift;
  EXPECT_EQ(d.top1_agreements, agree);
  EXPECT_DOUBLE_EQ(d.top1_agreement_percent, 25.0 * agree);
  EXPECT_NEAR(d.sqnr_db, 10 * std::log10(signal / noise), 1e-9);
  ASSERT_LT(identical, 4u) << "the two models gave identical outputs on every photo";
  EXPECT_NEAR(d.mean_sqnr_db, per_image_sum / static_cast<double>(4 - identical), 1e-9);
  EXPECT_EQ(d.identical_outputs, identical);
  EXPECT_TRUE(std::isfinite(d.sqnr_db));
}

TEST_F(EvalRun, ModelAgainstItselfAgreesEverywhereWithInfiniteSqnr) {
  EDGERUN_REQUIRE_SHARED(path, "models/mobilenet_v1_0.25_128_quant.tflite");
  EDGERUN_REQUIRE_SHARED(images, "images");
  auto model = load(path);
  ASSERT_TRUE(model);
  ASSERT_NO_FATAL_FAILURE(make_dataset(model));
  auto a = Session::create(model);
  auto b = Session::create(model);
  ASSERT_TRUE(a.ok() && b.ok());
  auto r = evaluate(dataset_, {&*a, "a"}, EvalModel{&*b, "b"}, {});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->drift->top1_agreements, 4u);
  EXPECT_DOUBLE_EQ(r->drift->top1_agreement_percent, 100.0);
  EXPECT_EQ(r->drift->sqnr_db, std::numeric_limits<double>::infinity());
  EXPECT_EQ(r->drift->mean_sqnr_db, std::numeric_limits<double>::infinity());
  EXPECT_EQ(r->drift->identical_outputs, 4u);
  EXPECT_EQ(r->reference->top1_correct, r->model.top1_correct);
  EXPECT_EQ(r->reference->top5_correct, r->model.top5_correct);
}

TEST_F(EvalRun, RejectsMismatchedOutputsOutOfRangeLabelsAndBadImages) {
  EDGERUN_REQUIRE_SHARED(path, "models/mobilenet_v1_0.25_128_quant.tflite");
  EDGERUN_REQUIRE_SHARED(bird_path, "models/mobilenet_v2_1.0_224_inat_bird_quant.tflite");
  EDGERUN_REQUIRE_SHARED(images, "images");
  auto model = load(path);
  auto bird = load(bird_path);
  ASSERT_TRUE(model && bird);
  ASSERT_NO_FATAL_FAILURE(make_dataset(model));
  auto session = Session::create(model);
  auto bird_session = Session::create(bird);
  ASSERT_TRUE(session.ok() && bird_session.ok());

  auto r = evaluate(dataset_, {&*session, "m.tflite"}, EvalModel{&*bird_session, "bird.tflite"}, {});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find(
                "bird.tflite: the reference model has 965 outputs and m.tflite has 1001: expected the same number"),
            std::string::npos)
      << r.status().message();

  // A label the 965-class model does not have.
  data_.write("labels.tsv", "file\tclass_index_1001\ncat.bmp\t12\nparrot.jpg\t990\n");
  auto ds = load_dataset(data_.dir());
  ASSERT_TRUE(ds.ok()) << ds.status().message();
  r = evaluate(*ds, {&*bird_session, "bird.tflite"}, std::nullopt, {});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find(data_.path("labels.tsv") +
                                      ":3: class_index_1001 990 is out of range for a 965-class model"),
            std::string::npos)
      << r.status().message();
  // ... even past --limit: every line is checked.
  EvalOptions limited;
  limited.limit = 1;
  EXPECT_FALSE(evaluate(*ds, {&*bird_session, "bird.tflite"}, std::nullopt, limited).ok());

  // A file that is not an image: the error names the line and the file.
  data_.write("broken.jpg", "not an image");
  data_.write("labels.tsv", "file\tclass_index_1001\ncat.bmp\t12\nbroken.jpg\t3\n");
  ds = load_dataset(data_.dir());
  ASSERT_TRUE(ds.ok()) << ds.status().message();
  r = evaluate(*ds, {&*session, "m.tflite"}, std::nullopt, {});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find(data_.path("labels.tsv") + ":3: " + data_.path("broken.jpg")), std::string::npos)
      << r.status().message();
}

TEST(EvalSqnr, IsTenLog10OfSignalOverNoise) {
  EXPECT_DOUBLE_EQ(sqnr_db(100.0, 1.0), 20.0);
  EXPECT_DOUBLE_EQ(sqnr_db(1.0, 1.0), 0.0);
  EXPECT_NEAR(sqnr_db(1.0, 2.0), -3.0103, 1e-4);
  EXPECT_EQ(sqnr_db(1.0, 0.0), std::numeric_limits<double>::infinity());
  EXPECT_EQ(sqnr_db(0.0, 0.0), std::numeric_limits<double>::infinity());  // identical all-zero outputs
  EXPECT_EQ(sqnr_db(0.0, 1.0), -std::numeric_limits<double>::infinity());
}

}  // namespace
}  // namespace edgerun::eval
