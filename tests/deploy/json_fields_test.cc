// JsonFields, the one typed reader behind manifests, agent configs and MQTT messages: absent, wrong-typed and
// out-of-range fields each give an error naming where and the field; integers are range-checked without
// overflow whatever their signedness.
#include "deploy/json_fields.h"

#include <gtest/gtest.h>

#include <limits>

namespace edgerun::deploy {
namespace {

using nlohmann::json;

TEST(JsonFields, ReadsPresentFieldsAndKeepsDefaultsForAbsentOnes) {
  const json j = json::parse(R"({"s": "x", "n": 7, "f": true, "list": ["a", "b"], "v": [1, 2.5], "d": 0.25,
                                 "o": {"port": 80}})");
  const JsonFields f(j, "cfg.json");
  std::string s = "default", absent = "kept";
  int n = 0, missing_n = 42;
  bool flag = false;
  std::vector<std::string> list;
  std::vector<float> v;
  double d = 0;
  ASSERT_TRUE(f.str("s", &s).ok());
  ASSERT_TRUE(f.str("nope", &absent).ok());
  ASSERT_TRUE(f.num("n", 0, 10, &n).ok());
  ASSERT_TRUE(f.num("nope", 0, 10, &missing_n).ok());
  ASSERT_TRUE(f.flag("f", &flag).ok());
  ASSERT_TRUE(f.strings("list", &list).ok());
  ASSERT_TRUE(f.floats("v", 4, &v).ok());
  ASSERT_TRUE(f.real("d", &d).ok());
  EXPECT_EQ(s, "x");
  EXPECT_EQ(absent, "kept");
  EXPECT_EQ(n, 7);
  EXPECT_EQ(missing_n, 42);
  EXPECT_TRUE(flag);
  EXPECT_EQ(list, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(v, (std::vector<float>{1.0f, 2.5f}));
  EXPECT_EQ(d, 0.25);
  auto o = f.object("o");
  ASSERT_TRUE(o.ok());
  int port = 0;
  ASSERT_TRUE(o->num("port", 1, 65535, &port).ok());
  EXPECT_EQ(port, 80);
  EXPECT_EQ(o->where(), "cfg.json o");
  auto empty = f.object("absent");
  ASSERT_TRUE(empty.ok());
  EXPECT_FALSE(empty->has("port"));
}

TEST(JsonFields, EachErrorNamesWhereTheFieldAndWhatWasExpected) {
  const json j = json::parse(R"({"s": 1, "n": "7", "big": 70000, "neg": -1, "f": "yes", "list": ["a", 2],
                                 "v": [1, 2, 3, 4, 5], "o": [], "b": "AAAA"})");
  const JsonFields f(j, "cfg.json");
  std::string s;
  int n = 0;
  uint64_t u = 0;
  bool flag = false;
  std::vector<std::string> list;
  std::vector<float> v;
  std::vector<uint8_t> bytes;
  EXPECT_EQ(f.str("s", &s).message(), "cfg.json: \"s\" is number, expected a string");
  EXPECT_EQ(f.str("absent", &s, Need::kRequired).message(), "cfg.json: missing \"absent\"");
  EXPECT_EQ(f.num("n", 0, 10, &n).message(), "cfg.json: \"n\" is string, expected an integer");
  EXPECT_EQ(f.num("big", 1, 65535, &n).message(), "cfg.json: \"big\" is 70000, expected 1..65535");
  EXPECT_EQ(f.num<uint64_t>("neg", 0, 100, &u).message(), "cfg.json: \"neg\" is -1, expected 0..100");
  EXPECT_EQ(f.flag("f", &flag).message(), "cfg.json: \"f\" is string, expected true or false");
  EXPECT_EQ(f.strings("list", &list).message(), "cfg.json: \"list\" holds a number, expected strings");
  EXPECT_EQ(f.floats("v", 4, &v).message(), "cfg.json: \"v\" is array, expected an array of up to 4 numbers");
  EXPECT_EQ(f.object("o").status().message(), "cfg.json: \"o\" is array, expected an object");
  EXPECT_EQ(f.object("absent", Need::kRequired).status().message(), "cfg.json: missing \"absent\"");
  EXPECT_EQ(f.base64("b", 32, &bytes).message(), "cfg.json: \"b\" is 3 bytes, expected 32");
  EXPECT_EQ(n, 0);  // nothing is written on an error
  EXPECT_EQ(u, 0u);
}

TEST(JsonFields, IntegersAtTheLimitsOfTheirTypes) {
  const json j = json::parse(R"({"max_u64": 18446744073709551615, "min_i64": -9223372036854775808, "zero": 0})");
  const JsonFields f(j, "x");
  uint64_t u = 0;
  int64_t i = 0;
  int32_t small = 5;
  ASSERT_TRUE(f.num<uint64_t>("max_u64", 0, std::numeric_limits<uint64_t>::max(), &u).ok());
  EXPECT_EQ(u, std::numeric_limits<uint64_t>::max());
  // A value beyond the type is out of range, never wrapped.
  EXPECT_FALSE(f.num<int64_t>("max_u64", 0, std::numeric_limits<int64_t>::max(), &i).ok());
  EXPECT_FALSE(f.num<int32_t>("max_u64", 0, std::numeric_limits<int32_t>::max(), &small).ok());
  EXPECT_FALSE(f.num<int32_t>("min_i64", std::numeric_limits<int32_t>::min(), 0, &small).ok());
  EXPECT_EQ(small, 5);
  ASSERT_TRUE(f.num<int64_t>("min_i64", std::numeric_limits<int64_t>::min(), 0, &i).ok());
  EXPECT_EQ(i, std::numeric_limits<int64_t>::min());
  ASSERT_TRUE(f.num<uint64_t>("zero", 0, 1, &u).ok());
  EXPECT_EQ(u, 0u);
}

TEST(JsonFields, ANonObjectDocumentHasNoFields) {
  const json j = json::parse("[1, 2]");
  const JsonFields f(j, "x");
  std::string s;
  EXPECT_EQ(f.str("a", &s, Need::kRequired).message(), "x: missing \"a\"");
}

}  // namespace
}  // namespace edgerun::deploy
