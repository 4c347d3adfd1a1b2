// vision/labels.h — class labels from a text file, and the label for a class index.
//
//   auto labels = edgerun::vision::load_labels("imagenet_labels.txt");
//   std::string name = label_for(*labels, pred.index, num_classes);
//
// load_labels accepts two formats:
//   * plain: one label per line; line i (0-based) is class i.
//   * indexed: every non-empty line is "<integer> <label>" (one or more spaces or
//     tabs after a non-negative integer); the integer is the class index. Indices
//     may come in any order and may skip values (skipped indices get ""); a repeated
//     index is an error.
// Lines are split on '\n'; each line is trimmed of surrounding whitespace (so CRLF
// files work) and a leading UTF-8 BOM is dropped. In the plain format blank lines in
// the middle are kept as "" so line numbers stay class indices; trailing blank lines
// are dropped. A file with no labels is an error.
//
// label_for handles the usual 1001-vs-1000 offset of ImageNet label files, whose
// line 0 is "background":
//   labels.size() == num_classes      -> labels[i]       (e.g. a 1001-class model)
//   labels.size() == num_classes + 1  -> labels[i + 1]   (a 1000-class model with the
//                                                          1001-line background file)
//   otherwise                         -> labels[i] when i is in range
// and "class <i>" when that is out of range or the label is empty.
// num_classes <= 0 means "unknown" and always uses labels[i].
#pragma once

#include <string>
#include <vector>

#include "edgerun/status.h"

namespace edgerun::vision {

// Largest index accepted in the indexed format (guards against "999999999 x").
inline constexpr int kMaxLabelIndex = 1 << 20;

Result<std::vector<std::string>> load_labels(const std::string& path);

// Parses label text as load_labels does; `name_for_errors` starts error messages.
Result<std::vector<std::string>> parse_labels(const std::string& text, const std::string& name_for_errors);

std::string label_for(const std::vector<std::string>& labels, int class_index, int num_classes);

}  // namespace edgerun::vision
