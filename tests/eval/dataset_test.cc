// labels.tsv parsing, dataset folder checks and the 1001 / 1000 class-index rule.
#include "eval/dataset.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "eval/temp_dataset.h"

namespace edgerun::eval {
namespace {

namespace fs = std::filesystem;

TEST(EvalDataset, ParsesColumnsInAnyOrderWithCrlfBomAndBlankLines) {
  const std::string text =
      "\xEF\xBB\xBF"
      "class_name\tsource\tclass_index_1001\tfile\r\n"
      "tench, Tinca tinca\tx\t1\ta.jpg\r\n"
      "\r\n"
      " goldfish \t\t2\tsub/b c.png \r\n"
      "\n";
  auto r = parse_labels_tsv(text, "t.tsv");
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].file, "a.jpg");
  EXPECT_EQ((*r)[0].class_index_1001, 1);
  EXPECT_EQ((*r)[0].class_name, "tench, Tinca tinca");
  EXPECT_EQ((*r)[0].line, 2);
  EXPECT_EQ((*r)[1].file, "sub/b c.png");  // fields trimmed, inner spaces kept
  EXPECT_EQ((*r)[1].class_index_1001, 2);
  EXPECT_EQ((*r)[1].class_name, "goldfish");
  EXPECT_EQ((*r)[1].line, 4);  // the blank line 3 still counts

  // class_name is optional.
  r = parse_labels_tsv("file\tclass_index_1001\nx.bmp\t0", "t.tsv");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ((*r)[0].class_name, "");
  EXPECT_EQ((*r)[0].class_index_1001, 0);
}

TEST(EvalDataset, RejectsMalformedFilesNamingTheLine) {
  struct Case {
    std::string text;
    std::string expected;  // substring of the error
  };
  const Case cases[] = {
      {"", "t.tsv:1: expected a header line naming the tab-separated columns file and class_index_1001"},
      {"a.jpg\t1\tx\n", "t.tsv:1: expected a header line"},
      {"file class_index_1001\na.jpg 1\n", "found 'file class_index_1001'"},  // spaces, not tabs
      {"file\tclass_name\na.jpg\tx\n", "t.tsv:1: expected a header"},
      {"file\tclass_index_1001\tfile\n", "t.tsv:1: column 'file' appears twice"},
      {"file\tclass_index_1001\n", "t.tsv: no images: expected at least one line after the header"},
      {"file\tclass_index_1001\n\n\n", "t.tsv: no images"},
      {"file\tclass_index_1001\tclass_name\na.jpg\t1\tx\nb.jpg\t2\n",
       "t.tsv:3: expected 3 tab-separated fields as in the header, found 2"},
      {"file\tclass_index_1001\na.jpg\t1\tx\n", "t.tsv:2: expected 2 tab-separated fields as in the header, found 3"},
      {"file\tclass_index_1001\na.jpg\t1\nb.jpg\tseven\n",
       "t.tsv:3: class_index_1001 'seven': expected an integer from 0 to 1048576"},
      {"file\tclass_index_1001\na.jpg\t-1\n", "t.tsv:2: class_index_1001 '-1'"},
      {"file\tclass_index_1001\na.jpg\t1.0\n", "t.tsv:2: class_index_1001 '1.0'"},
      {"file\tclass_index_1001\na.jpg\t\n", "t.tsv:2: class_index_1001 ''"},
      {"file\tclass_index_1001\na.jpg\t99999999999\n", "t.tsv:2: class_index_1001 '99999999999'"},
      {"file\tclass_index_1001\na.jpg\t2000000\n", "t.tsv:2: class_index_1001 '2000000'"},
      {"file\tclass_index_1001\n\t1\n", "t.tsv:2: expected an image file name, found an empty field"},
      {"file\tclass_index_1001\n/etc/a.jpg\t1\n", "t.tsv:2: file '/etc/a.jpg': expected a path relative to"},
      {"file\tclass_index_1001\na.jpg\t1\nb.jpg\t2\na.jpg\t3\n",
       "t.tsv:4: file 'a.jpg' is listed again: expected each file once, first on line 2"},
  };
  for (const Case& c : cases) {
    auto r = parse_labels_tsv(c.text, "t.tsv");
    ASSERT_FALSE(r.ok()) << "accepted: " << c.text;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find(c.expected), std::string::npos)
        << "text: " << c.text << "\nmessage: " << r.status().message();
  }
}

TEST(EvalDataset, LoadsAndResolvesPaths) {
  testing::TempDataset d;
  d.write("a.jpg", "not really a jpeg: load_dataset does not decode");
  fs::create_directories(d.path("sub"));
  d.write("sub/b.png", "x");
  d.write("labels.tsv", "file\tclass_index_1001\tclass_name\na.jpg\t1\tone\nsub/b.png\t2\ttwo\n");
  auto ds = load_dataset(d.dir());
  ASSERT_TRUE(ds.ok()) << ds.status().message();
  EXPECT_EQ(ds->labels_path, d.path("labels.tsv"));
  ASSERT_EQ(ds->images.size(), 2u);
  EXPECT_EQ(ds->images[1].path, d.path("sub/b.png"));
}

TEST(EvalDataset, ReportsMissingFolderLabelsAndImages) {
  testing::TempDataset d;
  auto r = load_dataset(d.path("nope"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
  EXPECT_NE(r.status().message().find("dataset folder not found"), std::string::npos) << r.status().message();

  d.write("file.txt", "x");
  r = load_dataset(d.path("file.txt"));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("expected a dataset folder, found a file"), std::string::npos);

  r = load_dataset(d.dir());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
  EXPECT_NE(r.status().message().find(d.path("labels.tsv") + ": not found"), std::string::npos) << r.status().message();

  d.write("a.jpg", "x");
  d.write("labels.tsv", "file\tclass_index_1001\na.jpg\t1\nmissing.jpg\t2\n");
  r = load_dataset(d.dir());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
  EXPECT_NE(r.status().message().find(d.path("labels.tsv") + ":3: image 'missing.jpg' not found"), std::string::npos)
      << r.status().message();

  // A parse error names the real path.
  d.write("labels.tsv", "file\tclass_index_1001\na.jpg\tone\n");
  r = load_dataset(d.dir());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find(d.path("labels.tsv") + ":2: class_index_1001 'one'"), std::string::npos)
      << r.status().message();
}

TEST(EvalDataset, ClassIndexFollowsTheModelsOutputCount) {
  // 1001 outputs (background first): the index as is.
  EXPECT_EQ(*model_class_index(0, 1001), 0);
  EXPECT_EQ(*model_class_index(1, 1001), 1);
  EXPECT_EQ(*model_class_index(1000, 1001), 1000);
  EXPECT_FALSE(model_class_index(1001, 1001).ok());
  // 1000 outputs: one less; background has no class.
  EXPECT_EQ(*model_class_index(1, 1000), 0);
  EXPECT_EQ(*model_class_index(1000, 1000), 999);
  auto r = model_class_index(0, 1000);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("'background', which a 1000-class model does not have"), std::string::npos)
      << r.status().message();
  r = model_class_index(1001, 1000);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("class_index_1001 1001 is out of range for a 1000-class model"),
            std::string::npos)
      << r.status().message();
  // Any other count: as is, within range.
  EXPECT_EQ(*model_class_index(964, 965), 964);
  r = model_class_index(971, 965);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("class_index_1001 971 is out of range for a 965-class model: expected 0 to 964"),
            std::string::npos)
      << r.status().message();
  EXPECT_FALSE(model_class_index(0, 0).ok());

  Dataset ds;
  ds.labels_path = "d/labels.tsv";
  ds.images = {{"a.jpg", "", 1, "", 2}, {"b.jpg", "", 1000, "", 5}, {"c.jpg", "", 0, "", 9}};
  auto all = model_class_indices(ds, 1001);
  ASSERT_TRUE(all.ok()) << all.status().message();
  EXPECT_EQ(*all, (std::vector<int>{1, 1000, 0}));
  auto offset = model_class_indices(ds, 1000);
  ASSERT_FALSE(offset.ok());
  EXPECT_NE(offset.status().message().find("d/labels.tsv:9: class_index_1001 0 is 'background'"), std::string::npos)
      << offset.status().message();
  ds.images.pop_back();
  offset = model_class_indices(ds, 1000);
  ASSERT_TRUE(offset.ok()) << offset.status().message();
  EXPECT_EQ(*offset, (std::vector<int>{0, 999}));
}

}  // namespace
}  // namespace edgerun::eval
