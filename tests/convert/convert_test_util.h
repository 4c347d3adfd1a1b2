// Helpers for the converter's tests: import a model file into memory, run an
// in-memory graph on a photo with classify's pre-processing.
#pragma once

#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "edgerun/edgerun.h"
#include "io/import.h"
#include "runtime/model_impl.h"
#include "shared_data.h"
#include "vision/image.h"
#include "vision/preprocess.h"

namespace edgerun::testing_convert {

// The bytes of a model file and the model imported from them (its constants
// point into `bytes`, so the two travel together).
struct Imported {
  std::shared_ptr<std::vector<uint8_t>> bytes;
  io::ImportedModel model;
};

inline Imported import_file(const std::string& path) {
  Imported r;
  r.bytes = std::make_shared<std::vector<uint8_t>>(testdata::read_file_bytes(path));
  auto m = io::import_model(r.bytes->data(), r.bytes->size(), LoadOptions{});
  EXPECT_TRUE(m.ok()) << m.status().message();
  if (m.ok()) r.model = std::move(m).value();
  return r;
}

// Output 0 of the model on the photo, as float (quantized outputs dequantized),
// with classify's pre-processing (metadata normalization).
inline std::vector<float> run_on_photo(const std::shared_ptr<const Model>& model, const std::string& photo) {
  auto session = Session::create(model);
  auto image = vision::decode_image_file(photo);
  if (!session.ok() || !image.ok()) {
    ADD_FAILURE() << "cannot run on " << photo;
    return {};
  }
  const TensorInfo& in = model->input_info(0);
  auto norm = vision::metadata_normalization(in, model->metadata().mean, model->metadata().std);
  auto input = vision::preprocess(*image, in, norm);
  if (!input.ok()) {
    ADD_FAILURE() << input.status().message();
    return {};
  }
  std::memcpy(session->input_data(0), input->data(), input->size());
  EXPECT_TRUE(session->invoke().ok());
  const TensorInfo& out = model->output_info(0);
  std::vector<float> v(static_cast<size_t>(out.elements()));
  const void* y = session->output_data(0);
  for (size_t i = 0; i < v.size(); ++i) {
    switch (out.dtype) {
      case DType::kFloat32: v[i] = static_cast<const float*>(y)[i]; break;
      case DType::kUInt8:
        v[i] = out.quant.scale[0] * static_cast<float>(static_cast<const uint8_t*>(y)[i] - out.quant.zero_point[0]);
        break;
      case DType::kInt8:
        v[i] = out.quant.scale[0] * static_cast<float>(static_cast<const int8_t*>(y)[i] - out.quant.zero_point[0]);
        break;
      default: ADD_FAILURE() << "output dtype " << dtype_name(out.dtype); return {};
    }
  }
  return v;
}

inline std::shared_ptr<const Model> model_of(io::ImportedModel m) {
  auto model = Model::Impl::from_imported(std::move(m));
  EXPECT_TRUE(model.ok()) << model.status().message();
  return model.ok() ? *model : nullptr;
}

inline int argmax(const std::vector<float>& v) {
  int best = 0;
  for (size_t i = 1; i < v.size(); ++i) {
    if (v[i] > v[static_cast<size_t>(best)]) best = static_cast<int>(i);
  }
  return best;
}

// 10 log10(sum ref^2 / sum (ref - x)^2), dB.
inline double sqnr_db(const std::vector<float>& ref, const std::vector<float>& x) {
  double s = 0, e = 0;
  for (size_t i = 0; i < ref.size() && i < x.size(); ++i) {
    s += double(ref[i]) * ref[i];
    e += (double(ref[i]) - x[i]) * (double(ref[i]) - x[i]);
  }
  return 10.0 * std::log10(s / e);
}

}  // namespace edgerun::testing_convert
