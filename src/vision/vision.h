// vision/vision.h — everything needed to turn an image file into model input and
// model output into labels:
//
//   auto img = decode_image_file(path);                                  // image.h
//   auto input = preprocess(*img, session.input_info(0), std::nullopt);  // preprocess.h
//   auto preds = top_k(session.output_data(0), session.output_info(0), 5);  // topk.h
//   auto labels = load_labels("imagenet_labels.txt");                    // labels.h
//   std::string name = label_for(*labels, preds[0].index, num_classes);
#pragma once

#include "vision/image.h"
#include "vision/labels.h"
#include "vision/preprocess.h"
#include "vision/resize.h"
#include "vision/topk.h"
