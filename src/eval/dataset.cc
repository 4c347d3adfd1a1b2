#include "eval/dataset.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace edgerun::eval {

namespace {

namespace fs = std::filesystem;

std::string trim(const std::string& s) {
  size_t b = 0, e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\r')) ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\r')) --e;
  return s.substr(b, e - b);
}

std::vector<std::string> split_tabs(const std::string& line) {
  std::vector<std::string> fields;
  size_t start = 0;
  while (true) {
    const size_t tab = line.find('\t', start);
    fields.push_back(trim(line.substr(start, tab == std::string::npos ? std::string::npos : tab - start)));
    if (tab == std::string::npos) return fields;
    start = tab + 1;
  }
}

// A non-negative decimal integer up to kMaxClassIndex; digits only (no sign, no spaces).
bool parse_index(const std::string& s, int* out) {
  if (s.empty() || s.size() > 9) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  const long long v = std::stoll(s);
  if (v > kMaxClassIndex) return false;
  *out = static_cast<int>(v);
  return true;
}

}  // namespace

Result<std::vector<LabelledImage>> parse_labels_tsv(const std::string& text, const std::string& name) {
  std::vector<std::string> lines;
  for (size_t start = text.compare(0, 3, "\xEF\xBB\xBF") == 0 ? 3 : 0; start <= text.size();) {
    size_t nl = text.find('\n', start);
    if (nl == std::string::npos) nl = text.size();
    lines.push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  const std::string expected_header =
      "expected a header line naming the tab-separated columns file and class_index_1001 (and optionally "
      "class_name)";
  if (trim(lines[0]).empty()) return InvalidArgument(name + ":1: " + expected_header + ", found an empty line");
  const std::vector<std::string> header = split_tabs(lines[0]);
  int file_col = -1, index_col = -1, name_col = -1;
  for (size_t c = 0; c < header.size(); ++c) {
    int* col = header[c] == "file"               ? &file_col
               : header[c] == "class_index_1001" ? &index_col
               : header[c] == "class_name"       ? &name_col
                                                 : nullptr;
    if (col == nullptr) continue;
    if (*col >= 0) {
      return InvalidArgument(name + ":1: column '" + header[c] + "' appears twice in the header: expected it once");
    }
    *col = static_cast<int>(c);
  }
  if (file_col < 0 || index_col < 0) {
    return InvalidArgument(name + ":1: " + expected_header + ", found '" + trim(lines[0]) + "'");
  }

  std::vector<LabelledImage> images;
  std::map<std::string, int> first_line;  // file -> line it was first listed on
  for (size_t n = 1; n < lines.size(); ++n) {
    if (trim(lines[n]).empty()) continue;
    const std::string where = name + ":" + std::to_string(n + 1) + ": ";
    const std::vector<std::string> fields = split_tabs(lines[n]);
    if (fields.size() != header.size()) {
      return InvalidArgument(where + "expected " + std::to_string(header.size()) +
                             " tab-separated fields as in the header, found " + std::to_string(fields.size()));
    }
    LabelledImage image;
    image.file = fields[static_cast<size_t>(file_col)];
    image.line = static_cast<int>(n + 1);
    if (image.file.empty()) return InvalidArgument(where + "expected an image file name, found an empty field");
    if (fs::path(image.file).is_absolute()) {
      return InvalidArgument(where + "file '" + image.file + "': expected a path relative to the dataset folder");
    }
    const std::string& index = fields[static_cast<size_t>(index_col)];
    if (!parse_index(index, &image.class_index_1001)) {
      return InvalidArgument(where + "class_index_1001 '" + index + "': expected an integer from 0 to " +
                             std::to_string(kMaxClassIndex));
    }
    if (name_col >= 0) image.class_name = fields[static_cast<size_t>(name_col)];
    if (auto [it, inserted] = first_line.emplace(image.file, image.line); !inserted) {
      return InvalidArgument(where + "file '" + image.file +
                             "' is listed again: expected each file once, first on line " + std::to_string(it->second));
    }
    images.push_back(std::move(image));
  }
  if (images.empty()) return InvalidArgument(name + ": no images: expected at least one line after the header");
  return images;
}

Result<Dataset> load_dataset(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    if (fs::exists(dir, ec)) return InvalidArgument(dir + ": expected a dataset folder, found a file");
    return NotFound(dir + ": dataset folder not found");
  }
  Dataset ds;
  ds.dir = dir;
  ds.labels_path = (fs::path(dir) / kLabelsFileName).string();
  if (!fs::is_regular_file(ds.labels_path, ec)) {
    return NotFound(ds.labels_path + ": not found: expected the dataset folder to hold a " + kLabelsFileName +
                    " with the columns file, class_index_1001, class_name");
  }
  const auto size = fs::file_size(ds.labels_path, ec);
  if (ec) return IOError(ds.labels_path + ": cannot read its size: " + ec.message());
  if (size > static_cast<uintmax_t>(kMaxLabelsFileBytes)) {
    return InvalidArgument(ds.labels_path + ": " + std::to_string(size) + " bytes: expected at most " +
                           std::to_string(kMaxLabelsFileBytes));
  }
  std::ifstream f(ds.labels_path, std::ios::binary);
  if (!f) return IOError(ds.labels_path + ": cannot open: " + std::strerror(errno));
  std::ostringstream text;
  text << f.rdbuf();
  if (f.bad()) return IOError(ds.labels_path + ": read error");
  EDGERUN_ASSIGN_OR_RETURN(ds.images, parse_labels_tsv(text.str(), ds.labels_path));
  for (LabelledImage& image : ds.images) {
    image.path = (fs::path(dir) / image.file).string();
    if (!fs::is_regular_file(image.path, ec)) {
      return NotFound(ds.labels_path + ":" + std::to_string(image.line) + ": image '" + image.file +
                      "' not found: expected a file at " + image.path);
    }
  }
  return ds;
}

Result<int> model_class_index(int class_index_1001, int num_classes) {
  if (num_classes <= 0) {
    return InvalidArgument("expected a model with at least one class, found " + std::to_string(num_classes));
  }
  if (num_classes == 1000 && class_index_1001 == 0) {
    return InvalidArgument("class_index_1001 0 is 'background', which a 1000-class model does not have");
  }
  const int index = num_classes == 1000 ? class_index_1001 - 1 : class_index_1001;
  if (index < 0 || index >= num_classes) {
    return InvalidArgument("class_index_1001 " + std::to_string(class_index_1001) + " is out of range for a " +
                           std::to_string(num_classes) + "-class model: expected 0 to " +
                           std::to_string(num_classes - 1) +
                           " (models with 1001 or another number of classes take the index as is; 1000-class "
                           "models take index - 1)");
  }
  return index;
}

Result<std::vector<int>> model_class_indices(const Dataset& dataset, int num_classes) {
  std::vector<int> out;
  out.reserve(dataset.images.size());
  for (const LabelledImage& image : dataset.images) {
    auto index = model_class_index(image.class_index_1001, num_classes);
    if (!index.ok()) {
      return index.status().with_context(dataset.labels_path + ":" + std::to_string(image.line));
    }
    out.push_back(*index);
  }
  return out;
}

}  // namespace edgerun::eval
