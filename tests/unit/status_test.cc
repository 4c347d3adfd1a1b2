#include <gtest/gtest.h>

#include "edgerun/status.h"
#include "edgerun/tensor.h"

namespace edgerun {
namespace {

Result<int> parse_positive(int x) {
  if (x <= 0) return InvalidArgument("value: expected > 0, found " + std::to_string(x));
  return x;
}

Status twice(int x, int* out) {
  EDGERUN_ASSIGN_OR_RETURN(int v, parse_positive(x));
  *out = 2 * v;
  return Status::Ok();
}

TEST(Status, OkAndErrorPropagate) {
  int out = 0;
  EXPECT_TRUE(twice(4, &out).ok());
  EXPECT_EQ(out, 8);
  Status st = twice(-1, &out);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(st.with_context("flag --n").message(), "flag --n: value: expected > 0, found -1");
}

TEST(Status, ResultFromOkStatusIsAnError) {
  Result<int> r{Status::Ok()};
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInternal);
}

TEST(Tensor, ShapeHelpers) {
  EXPECT_EQ(shape_elements({1, 224, 224, 3}), 150528);
  EXPECT_EQ(shape_elements({}), 1);
  EXPECT_EQ(shape_elements({4, 0}), 0);
  EXPECT_EQ(shape_string({1, 3}), "[1,3]");
  EXPECT_EQ(dtype_size(DType::kInt64), 8u);
  EXPECT_STREQ(dtype_name(DType::kUInt8), "uint8");
  EXPECT_EQ(dtype_size(DType::kUInt16), 2u);
  EXPECT_EQ(dtype_size(DType::kUInt32), 4u);
  EXPECT_EQ(dtype_size(DType::kUInt64), 8u);
  EXPECT_STREQ(dtype_name(DType::kUInt16), "uint16");
  EXPECT_STREQ(dtype_name(DType::kUInt32), "uint32");
  EXPECT_STREQ(dtype_name(DType::kUInt64), "uint64");
  EXPECT_EQ(dtype_size(DType::kFloat16), 2u);
  EXPECT_EQ(dtype_size(DType::kFloat8E4M3FN), 1u);
  EXPECT_EQ(dtype_size(DType::kFloat8E5M2), 1u);
  EXPECT_STREQ(dtype_name(DType::kFloat16), "float16");
  EXPECT_STREQ(dtype_name(DType::kFloat8E4M3FN), "float8e4m3fn");
  EXPECT_STREQ(dtype_name(DType::kFloat8E5M2), "float8e5m2");
  for (DType d : {DType::kInt4, DType::kUInt4, DType::kInt2, DType::kUInt2, DType::kFloat4E2M1}) {
    EXPECT_EQ(dtype_size(d), 1u) << dtype_name(d);  // unpacked
  }
  EXPECT_STREQ(dtype_name(DType::kInt4), "int4");
  EXPECT_STREQ(dtype_name(DType::kUInt2), "uint2");
  EXPECT_STREQ(dtype_name(DType::kFloat4E2M1), "float4e2m1");
}

}  // namespace
}  // namespace edgerun
