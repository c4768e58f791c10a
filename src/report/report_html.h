// The page around a report's charts (chart.h): a title, a style sheet and
// the given HTML sections, and an HTML table. Self-contained: no scripts,
// no external files.
#pragma once

#include <string>
#include <vector>

#include "report/chart.h"

namespace ups::report {

// The page: a title, a style sheet and the given HTML sections in order.
std::string html_page(const std::string& title, const std::vector<std::string>& sections);

// <table> with a header row; cells are escaped.
std::string html_table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows,
                       const std::string& cls = "");

}  // namespace ups::report
