// eval/dataset.h — a folder of labelled images, for measuring a classifier's accuracy.
//
//   auto ds = edgerun::eval::load_dataset("../shared/eval/imagenet-100");
//   if (!ds.ok()) { std::cerr << ds.status().message() << "\n"; return 1; }
//   auto expected = edgerun::eval::model_class_indices(*ds, 1001);  // the right output index per image
//
// The folder holds the images and DIR/labels.tsv: UTF-8, tab-separated, a header
// line naming the columns, then one line per image:
//
//   file<TAB>class_index_1001<TAB>class_name
//   n01440764_tench.JPEG<TAB>1<TAB>tench, Tinca tinca
//
//   file              the image (JPEG, PNG or BMP), relative to DIR; not empty, not absolute
//   class_index_1001  its class in the 1001-class ImageNet numbering, where 0 is
//                     "background" (the line numbers of models/imagenet_labels.txt, from 0)
//   class_name        optional; carried into reports, never checked
//
// The header may name the columns in any order; other columns are ignored. Every
// line has as many fields as the header; fields are trimmed of spaces; blank lines
// are skipped; CRLF line ends and a leading UTF-8 BOM are accepted. A file may be
// listed once, and there must be at least one. load_dataset also checks that every
// listed image exists. Errors name the file and 1-based line ("DIR/labels.tsv:7: ...")
// and say what was expected and what was found.
//
// The output index a model should rank first (model_class_index), for a model with
// N outputs:
//   N == 1001   class_index_1001 as is (TF1 / Coral ImageNet models: background first)
//   N == 1000   class_index_1001 - 1 (no background class; index 0 is an error)
//   otherwise   class_index_1001 as is: the dataset numbers the model's own classes
// and the result must lie in [0, N), else an error.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "edgerun/status.h"

namespace edgerun::eval {

inline constexpr char kLabelsFileName[] = "labels.tsv";
// Largest labels.tsv read (checked before reading) and largest class index accepted.
inline constexpr int64_t kMaxLabelsFileBytes = int64_t{64} << 20;
inline constexpr int kMaxClassIndex = 1 << 20;

struct LabelledImage {
  std::string file;  // as written in labels.tsv
  std::string path;  // DIR/file (set by load_dataset)
  int class_index_1001 = 0;
  std::string class_name;  // empty without a class_name column
  int line = 0;            // 1-based line in labels.tsv
};

struct Dataset {
  std::string dir;
  std::string labels_path;  // DIR/labels.tsv
  std::vector<LabelledImage> images;
};

// Parses labels.tsv text; `name_for_errors` starts every error message.
Result<std::vector<LabelledImage>> parse_labels_tsv(const std::string& text, const std::string& name_for_errors);

// Reads DIR/labels.tsv and checks that every image it lists exists.
Result<Dataset> load_dataset(const std::string& dir);

// The output index of class `class_index_1001` in a model with `num_classes`
// outputs (the rule above); the error says why there is none, without a location.
Result<int> model_class_index(int class_index_1001, int num_classes);

// model_class_index for every image, in order; errors name labels.tsv and the line.
Result<std::vector<int>> model_class_indices(const Dataset& dataset, int num_classes);

}  // namespace edgerun::eval
