// The page around the charts (see report_html.h).
#include "report/report_html.h"

#include <fmt/format.h>

namespace ups::report {

std::string html_page(const std::string& title, const std::vector<std::string>& sections) {
  std::string s = fmt::format(R"(<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{0}</title>
<style>
body {{ font-family: sans-serif; margin: 24px auto; max-width: 1340px; color: #222; }}
table {{ border-collapse: collapse; margin: 12px 0; }}
th, td {{ border: 1px solid #ccc; padding: 4px 8px; text-align: right; }}
th {{ background: #f0f0f0; }}
svg {{ display: block; margin: 12px 0; background: #fff; }}
.title {{ font-size: 15px; font-weight: bold; }}
.tick, .legend {{ font-size: 11px; }}
.label {{ font-size: 12px; }}
.grid {{ stroke: #e4e4e4; }}
.axis {{ stroke: #333; }}
.charts {{ display: flex; flex-wrap: wrap; gap: 12px; }}
.side {{ display: flex; flex-wrap: wrap; gap: 12px; align-items: flex-start; }}
.side > div {{ flex: 0 0 auto; }}
pre.printk {{ background: #f7f7f7; padding: 8px; overflow-x: auto; }}
td.l, th.l {{ text-align: left; }}
</style></head><body>
<h1>{0}</h1>
)",
                              html_escape(title));
  for (auto& sec : sections) s += sec + "\n";
  s += "</body></html>\n";
  return s;
}

std::string html_table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows,
                       const std::string& cls) {
  std::string s = cls.empty() ? "<table>\n<tr>" : "<table class=\"" + html_escape(cls) + "\">\n<tr>";
  for (size_t i = 0; i < header.size(); ++i)
    s += (i == 0 ? "<th class=\"l\">" : "<th>") + html_escape(header[i]) + "</th>";
  s += "</tr>\n";
  for (auto& row : rows) {
    s += "<tr>";
    for (size_t i = 0; i < row.size(); ++i) s += (i == 0 ? "<td class=\"l\">" : "<td>") + html_escape(row[i]) + "</td>";
    s += "</tr>\n";
  }
  return s + "</table>\n";
}

}  // namespace ups::report
