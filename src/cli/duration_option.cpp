#include "cli/duration_option.h"

#include "workload/duration.h"

namespace ups::cli {

CLI::Option* add_duration_option(CLI::App* app, const std::string& name, TimeNs& out, const std::string& description) {
  return app
      ->add_option_function<std::string>(
          name,
          [&out](const std::string& text) {
            // The check below has accepted it.
            out = *workload::parse_duration(text);
          },
          description + " (a duration: 10s, 250ms, 1.5s, 100us)")
      ->check(CLI::Validator(
          [](std::string& text) -> std::string {
            auto d = workload::parse_duration(text);
            return d ? std::string() : d.error().message;
          },
          "DURATION", "duration"));
}

}  // namespace ups::cli
