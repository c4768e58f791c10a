// Headless Chromium for the report tests: the DOM after rendering, a
// screenshot, and the screenshot's pixels counted by Chromium itself (the
// PNG is decoded by the browser from a data: URL into a canvas), so that
// "not blank" is a pixel count, not a file size. Tests skip when
// /usr/bin/chromium is absent (scripts/install-deps.sh installs it).
#pragma once

#include <filesystem>
#include <fstream>
#include <regex>
#include <string>

#include "run_upsched.h"

namespace ups::cli_test {

class Chromium {
public:
  static constexpr const char* kPath = "/usr/bin/chromium";
  static bool present() { return std::filesystem::exists(kPath); }

  explicit Chromium(std::filesystem::path scratch) : dir_(std::move(scratch)) {
    std::filesystem::create_directories(dir_);
  }
  // The DOM of `html` after rendering (--dump-dom).
  Out dom(const std::filesystem::path& html, int height = 3000) const {
    return sh(flags(height) + "--dump-dom file://" + html.string() + " 2>/dev/null");
  }
  // Writes a PNG of `html`; false if Chromium wrote none.
  bool screenshot(const std::filesystem::path& html, const std::filesystem::path& png, int height = 3000) const {
    sh(flags(height) + "--screenshot=" + png.string() + " file://" + html.string());
    return std::filesystem::exists(png) && std::filesystem::file_size(png) > 0;
  }
  // Pixels of `png` that are not white (any channel below 245), and the
  // total; -1 if the browser could not decode it.
  long long non_white_pixels(const std::filesystem::path& png, long long* total) const {
    const std::filesystem::path page = dir_ / "count.html";
    std::ofstream(page) << "<html><body><canvas id=c></canvas><script>\n"
                           "const img = new Image();\n"
                           "img.onload = () => { const c = document.getElementById('c'); c.width = img.width;"
                           " c.height = img.height; const g = c.getContext('2d'); g.drawImage(img, 0, 0);"
                           " const d = g.getImageData(0, 0, img.width, img.height).data; let n = 0;"
                           " for (let i = 0; i < d.length; i += 4) if (d[i] < 245 || d[i+1] < 245 || d[i+2] < 245) ++n;"
                           " document.body.setAttribute('data-result', n + ' ' + img.width * img.height); };\n"
                           "img.onerror = () => document.body.setAttribute('data-result', 'error');\n"
                           "img.src = 'data:image/png;base64,"
                        << base64(slurp(png)) << "';\n</script></body></html>\n";
    Out o = sh(flags(100) + "--virtual-time-budget=10000 --dump-dom file://" + page.string() + " 2>/dev/null");
    std::smatch m;
    if (!std::regex_search(o.text, m, std::regex(R"re(data-result="([0-9]+) ([0-9]+)")re"))) return -1;
    *total = std::stoll(m[2].str());
    return std::stoll(m[1].str());
  }

private:
  std::string flags(int height) const {
    return std::string(kPath) +
           " --headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update"
           " --disable-sync --no-first-run --user-data-dir=" +
           (dir_ / "profile").string() + " --window-size=1400," + std::to_string(height) + " ";
  }
  static std::string base64(const std::string& in) {
    static const char* t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    size_t i = 0;
    for (; i + 2 < in.size(); i += 3) {
      const unsigned v = (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8) |
                         static_cast<unsigned char>(in[i + 2]);
      out += {t[v >> 18], t[(v >> 12) & 63], t[(v >> 6) & 63], t[v & 63]};
    }
    if (i + 1 == in.size()) {
      const unsigned v = static_cast<unsigned char>(in[i]) << 16;
      out += {t[v >> 18], t[(v >> 12) & 63], '=', '='};
    } else if (i + 2 == in.size()) {
      const unsigned v = (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8);
      out += {t[v >> 18], t[(v >> 12) & 63], t[(v >> 6) & 63], '='};
    }
    return out;
  }
  std::filesystem::path dir_;
};

}  // namespace ups::cli_test
