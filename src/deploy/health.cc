#include "deploy/health.h"

#include <cmath>
#include <cstring>

namespace edgerun::deploy {
namespace {

// Output element i as a double, in the tensor's own units.
double element(const uint8_t* data, DType dtype, size_t i) {
  switch (dtype) {
    case DType::kFloat32: {
      float v;
      std::memcpy(&v, data + 4 * i, 4);
      return v;
    }
    case DType::kUInt8:
      return data[i];
    case DType::kInt8:
      return static_cast<int8_t>(data[i]);
    case DType::kInt16: {
      int16_t v;
      std::memcpy(&v, data + 2 * i, 2);
      return v;
    }
    case DType::kInt32: {
      int32_t v;
      std::memcpy(&v, data + 4 * i, 4);
      return v;
    }
    default:
      return std::nan("");
  }
}

size_t argmax(const uint8_t* data, DType dtype, size_t n) {
  size_t best = 0;
  for (size_t i = 1; i < n; ++i) {
    if (element(data, dtype, i) > element(data, dtype, best)) best = i;
  }
  return best;
}

bool supported(DType d) {
  return d == DType::kFloat32 || d == DType::kUInt8 || d == DType::kInt8 || d == DType::kInt16 || d == DType::kInt32;
}

Status check_input(const TensorInfo& in, DType dtype, const Shape& shape, const std::string& what) {
  if (dtype != in.dtype || shape != in.shape) {
    return InvalidArgument(what + ": input is " + std::string(dtype_name(dtype)) + " " + shape_string(shape) +
                           ", the model's input 0 is " + dtype_name(in.dtype) + " " + shape_string(in.shape));
  }
  return Status::Ok();
}

}  // namespace

Result<std::vector<NamedFile>> make_health_check(const std::vector<uint8_t>& model, const npy::Array& input,
                                                 Manifest* m, double tolerance) {
  const std::string what = "health check";
  EDGERUN_ASSIGN_OR_RETURN(auto loaded, Model::load_from_buffer(model.data(), model.size()));
  EDGERUN_RETURN_IF_ERROR(check_input(loaded->input_info(0), input.dtype, input.shape, what));
  const TensorInfo& out = loaded->output_info(0);
  if (!supported(out.dtype)) {
    return Unsupported(what + ": output 0 is " + std::string(dtype_name(out.dtype)) +
                       ", expected float32 or an integer type");
  }
  EDGERUN_ASSIGN_OR_RETURN(Session session, Session::create(loaded));
  std::memcpy(session.input_data(0), input.data.data(), input.data.size());
  EDGERUN_RETURN_IF_ERROR(session.invoke());
  std::vector<NamedFile> files(2);
  files[0].name = kHealthInputFile;
  EDGERUN_ASSIGN_OR_RETURN(files[0].data, npy::encode_npy(input.dtype, input.shape, input.data.data()));
  files[1].name = kHealthExpectedFile;
  EDGERUN_ASSIGN_OR_RETURN(files[1].data, npy::encode_npy(out.dtype, out.shape, session.output_data(0)));
  HealthCheck hc;
  hc.input = kHealthInputFile;
  hc.expected = kHealthExpectedFile;
  hc.max_abs_diff = tolerance >= 0 ? tolerance : (out.dtype == DType::kFloat32 ? 1e-4 : 0.0);
  m->health_check = hc;
  return files;
}

Status run_health_check(const OpenedBundle& b, const LoadOptions& options) {
  const Manifest& m = b.manifest;
  const std::string what = "bundle " + m.name + " " + m.version + ": health check failed";
  const NamedFile* model_file = b.file(m.model);
  if (model_file == nullptr) return InvalidArgument(what + ": no model file '" + m.model + "'");
  auto loaded = Model::load_from_buffer(model_file->data.data(), model_file->data.size(), options);
  if (!loaded.ok()) return InvalidArgument(what + ": the model does not load: " + loaded.status().message());
  auto session = Session::create(*loaded);
  if (!session.ok()) return InvalidArgument(what + ": " + session.status().message());
  const TensorInfo& in = (*loaded)->input_info(0);
  if (!m.health_check) {
    std::memset(session->input_data(0), 0, in.bytes());
    if (Status st = session->invoke(); !st.ok())
      return InvalidArgument(what + ": the model does not run: " + st.message());
    return Status::Ok();
  }
  const NamedFile* in_file = b.file(m.health_check->input);
  const NamedFile* want_file = b.file(m.health_check->expected);
  if (in_file == nullptr || want_file == nullptr) return InvalidArgument(what + ": its .npy files are missing");
  auto input = npy::parse_npy(in_file->data.data(), in_file->data.size(), in_file->name);
  if (!input.ok()) return InvalidArgument(what + ": " + input.status().message());
  auto want = npy::parse_npy(want_file->data.data(), want_file->data.size(), want_file->name);
  if (!want.ok()) return InvalidArgument(what + ": " + want.status().message());
  if (Status st = check_input(in, input->dtype, input->shape, what); !st.ok()) return st;
  const TensorInfo& out = (*loaded)->output_info(0);
  if (want->dtype != out.dtype || want->shape != out.shape || !supported(out.dtype)) {
    return InvalidArgument(what + ": expected output is " + std::string(dtype_name(want->dtype)) + " " +
                           shape_string(want->shape) + ", the model's output 0 is " + dtype_name(out.dtype) + " " +
                           shape_string(out.shape));
  }
  std::memcpy(session->input_data(0), input->data.data(), input->data.size());
  if (Status st = session->invoke(); !st.ok())
    return InvalidArgument(what + ": the model does not run: " + st.message());
  const auto* got = static_cast<const uint8_t*>(session->output_data(0));
  const size_t n = static_cast<size_t>(shape_elements(out.shape));
  double worst = 0;
  size_t worst_at = 0;
  for (size_t i = 0; i < n; ++i) {
    const double d = std::fabs(element(got, out.dtype, i) - element(want->data.data(), out.dtype, i));
    if (!(d <= worst)) worst = d, worst_at = i;  // NaN counts as worst
  }
  if (!(worst <= m.health_check->max_abs_diff)) {
    return InvalidArgument(what + ": output element " + std::to_string(worst_at) + " differs by " +
                           std::to_string(worst) + " from the expected value, at most " +
                           std::to_string(m.health_check->max_abs_diff) + " allowed");
  }
  const size_t top = argmax(got, out.dtype, n), want_top = argmax(want->data.data(), out.dtype, n);
  if (top != want_top) {
    return InvalidArgument(what + ": top-1 is class " + std::to_string(top) + ", expected " + std::to_string(want_top));
  }
  return Status::Ok();
}

}  // namespace edgerun::deploy
