#include <gtest/gtest.h>

#include "vision/labels.h"
#include "vision/vision_test_util.h"

namespace edgerun::vision {
namespace {

using testing::temp_path;
using testing::write_text;

TEST(LabelsLoad, SharedImagenetLabelsAndOffsetRule) {
  EDGERUN_REQUIRE_SHARED(path, "models/imagenet_labels.txt");
  auto labels = load_labels(path);
  ASSERT_TRUE(labels.ok()) << labels.status().message();
  ASSERT_EQ(labels->size(), 1001u);
  EXPECT_EQ((*labels)[0], "background");
  EXPECT_EQ((*labels)[1], "tench, Tinca tinca");
  EXPECT_EQ((*labels)[1000], "toilet tissue, toilet paper, bathroom tissue");
  // 1001-class model: index matches the line.
  EXPECT_EQ(label_for(*labels, 1, 1001), "tench, Tinca tinca");
  EXPECT_EQ(label_for(*labels, 0, 1001), "background");
  // 1000-class model with the 1001-line file: index + 1.
  EXPECT_EQ(label_for(*labels, 0, 1000), "tench, Tinca tinca");
  EXPECT_EQ(label_for(*labels, 999, 1000), "toilet tissue, toilet paper, bathroom tissue");
  EXPECT_EQ(label_for(*labels, 1000, 1000), "class 1000");
  EXPECT_EQ(label_for(*labels, 1001, 1001), "class 1001");
  EXPECT_EQ(label_for(*labels, -1, 1001), "class -1");
}

TEST(LabelsLoad, SharedInatBirdLabels) {
  EDGERUN_REQUIRE_SHARED(path, "models/inat_bird_labels.txt");
  auto labels = load_labels(path);
  ASSERT_TRUE(labels.ok()) << labels.status().message();
  ASSERT_EQ(labels->size(), 965u);
  EXPECT_EQ((*labels)[0], "Haemorhous cassinii (Cassin's Finch)");
  EXPECT_EQ((*labels)[2], "Rupornis magnirostris (Roadside Hawk)");
  EXPECT_EQ((*labels)[964], "background");
  EXPECT_EQ(label_for(*labels, 1, 965), "Aramus guarauna (Limpkin)");
}

TEST(LabelsLoad, PlainFormatTrimsCrlfWhitespaceAndBom) {
  const std::string p = temp_path("plain.txt");
  write_text(p, "\xEF\xBB\xBF  cat \r\ndog\r\n\r\n\tbird house\t\r\n\n\n");
  auto labels = load_labels(p);
  ASSERT_TRUE(labels.ok()) << labels.status().message();
  // The blank line in the middle keeps its place; trailing blank lines go.
  EXPECT_EQ(*labels, (std::vector<std::string>{"cat", "dog", "", "bird house"}));
  EXPECT_EQ(label_for(*labels, 2, 4), "class 2");  // empty label
  EXPECT_EQ(label_for(*labels, 3, 4), "bird house");
}

TEST(LabelsLoad, IndexedFormatAnyOrderWithGaps) {
  const std::string p = temp_path("indexed.txt");
  write_text(p, "2 Cyanocitta cristata (Blue Jay)\n0  Haemorhous cassinii\r\n\n4\tbackground\n");
  auto labels = load_labels(p);
  ASSERT_TRUE(labels.ok()) << labels.status().message();
  EXPECT_EQ(*labels, (std::vector<std::string>{"Haemorhous cassinii", "", "Cyanocitta cristata (Blue Jay)", "", "background"}));
  EXPECT_EQ(label_for(*labels, 2, 5), "Cyanocitta cristata (Blue Jay)");
  EXPECT_EQ(label_for(*labels, 1, 5), "class 1");
}

TEST(LabelsLoad, MixedLinesAreThePlainFormat) {
  // Only some lines start with an integer: the numbers are part of the labels.
  const std::string p = temp_path("mixed.txt");
  write_text(p, "3 toed sloth\nzebra\n");
  auto labels = load_labels(p);
  ASSERT_TRUE(labels.ok()) << labels.status().message();
  EXPECT_EQ(*labels, (std::vector<std::string>{"3 toed sloth", "zebra"}));
}

TEST(LabelsLoad, Errors) {
  const std::string dup = temp_path("dup.txt");
  write_text(dup, "0 a\n1 b\n0 c\n");
  auto r = load_labels(dup);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find(dup + ":3: duplicate label index 0"), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find("line 1"), std::string::npos) << r.status().message();

  const std::string huge = temp_path("huge.txt");
  write_text(huge, "999999999 far away\n");
  r = load_labels(huge);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("at most"), std::string::npos) << r.status().message();

  const std::string empty = temp_path("empty_labels.txt");
  write_text(empty, "\n  \r\n");
  r = load_labels(empty);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("no labels"), std::string::npos) << r.status().message();

  const std::string missing = temp_path("no_such_labels.txt");
  r = load_labels(missing);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
  EXPECT_NE(r.status().message().find(missing), std::string::npos);
}

TEST(LabelsFor, OffsetRuleOnSmallLists) {
  const std::vector<std::string> with_bg = {"background", "a", "b"};
  EXPECT_EQ(label_for(with_bg, 0, 2), "a");  // 3 labels, 2 classes -> i + 1
  EXPECT_EQ(label_for(with_bg, 1, 2), "b");
  EXPECT_EQ(label_for(with_bg, 2, 2), "class 2");
  EXPECT_EQ(label_for(with_bg, 0, 3), "background");  // sizes match
  EXPECT_EQ(label_for(with_bg, 2, 10), "b");          // neither: labels[i] when in range
  EXPECT_EQ(label_for(with_bg, 3, 10), "class 3");
  EXPECT_EQ(label_for(with_bg, 1, 0), "a");           // unknown class count
  EXPECT_EQ(label_for({}, 0, 5), "class 0");
}

}  // namespace
}  // namespace edgerun::vision
