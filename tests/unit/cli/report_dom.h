// The charts of a rendered report (report/chart.h's markup), per <svg>:
// legend entries and their colours, series strokes, timeline slice fills,
// so that tests can hold every report to the chart library's promises.
#pragma once

#include <regex>
#include <set>
#include <string>
#include <vector>

namespace ups::cli_test {

// Per <svg>: its legend entries and colours, and its series or slices.
struct SvgParts {
  std::vector<std::string> legend, legend_colours, series_colours;
  std::set<std::string> slice_colours;
  std::string cls;
};

inline std::vector<SvgParts> svgs(const std::string& dom) {
  std::vector<SvgParts> out;
  const std::regex item(R"re(class="legend-item" data-series="([^"]*)" data-colour="([^"]*)")re");
  const std::regex series(R"re(<polyline class="series" data-series="[^"]*" fill="none" stroke="([^"]*)")re");
  const std::regex slice(R"re(<rect class="slice" [^>]*fill="([^"]*)")re");
  // Split with find: std::regex recursion overflows on a long <svg>.
  for (size_t at = dom.find("<svg class=\""); at != std::string::npos; at = dom.find("<svg class=\"", at + 1)) {
    const size_t end = dom.find("</svg>", at);
    if (end == std::string::npos) break;
    const size_t q = at + 12;
    const std::string cls = dom.substr(q, dom.find('"', q) - q);
    if (cls != "chart" && cls != "timeline") continue;
    SvgParts p;
    p.cls = cls;
    const std::string s = dom.substr(at, end - at);
    for (auto i = std::sregex_iterator(s.begin(), s.end(), item); i != std::sregex_iterator(); ++i) {
      p.legend.push_back((*i)[1].str());
      p.legend_colours.push_back((*i)[2].str());
    }
    for (auto i = std::sregex_iterator(s.begin(), s.end(), series); i != std::sregex_iterator(); ++i)
      p.series_colours.push_back((*i)[1].str());
    for (auto i = std::sregex_iterator(s.begin(), s.end(), slice); i != std::sregex_iterator(); ++i)
      p.slice_colours.insert((*i)[1].str());
    out.push_back(std::move(p));
  }
  return out;
}

}  // namespace ups::cli_test
