#include "cli/args.h"

#include <charconv>
#include <cstdio>

#include "cli/cli_output.h"

namespace mconv::cli {

std::optional<std::string> ParsedArgs::value(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end() || it->second.empty()) return std::nullopt;
  return it->second.back();
}

std::vector<std::string> ParsedArgs::values(const std::string& name) const {
  auto it = values_.find(name);
  return it == values_.end() ? std::vector<std::string>{} : it->second;
}

namespace {

const OptionSpec* find_long(const CommandSpec& spec, const std::string& name) {
  for (const auto& o : spec.options)
    if (o.name == name) return &o;
  return nullptr;
}

const OptionSpec* find_short(const CommandSpec& spec, char c) {
  for (const auto& o : spec.options)
    if (o.short_name && o.short_name == c) return &o;
  return nullptr;
}

bool is_help(const std::string& arg) {
  return arg == "--help" || arg == "-h";
}

}  // namespace

Expected<ParsedArgs> parse_args(const CommandSpec& spec, const std::vector<std::string>& args) {
  ParsedArgs parsed;
  // Help wins over every other problem on the line, so `mconv run --help --bogus` still helps.
  for (const auto& a : args) {
    if (a == "--") break;
    if (is_help(a)) {
      parsed.help_ = true;
      return parsed;
    }
  }
  bool options_ended = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (options_ended || arg.size() < 2 || arg[0] != '-') {
      parsed.positionals_.push_back(arg);
      continue;
    }
    if (arg == "--") {
      options_ended = true;
      continue;
    }
    const OptionSpec* option = nullptr;
    std::optional<std::string> inline_value;
    std::string shown = arg;  // how the user spelled the option, for errors
    if (arg.rfind("--", 0) == 0) {
      std::string name = arg.substr(2);
      size_t eq = name.find('=');
      if (eq != std::string::npos) {
        inline_value = name.substr(eq + 1);
        name = name.substr(0, eq);
        shown = "--" + name;
      }
      option = find_long(spec, name);
    } else if (arg.size() == 2) {
      option = find_short(spec, arg[1]);
    }
    if (!option) return Status::Error("unknown option '" + shown + "'");
    std::vector<std::string>& slot = parsed.values_[option->name];
    if (option->value_name.empty()) {
      if (inline_value) return Status::Error("option '" + shown + "' takes no value");
      slot.assign(1, "");
      continue;
    }
    std::string value;
    if (inline_value) {
      value = *inline_value;
    } else {
      if (i + 1 >= args.size())
        return Status::Error("option '" + shown + "' needs a value (" + option->value_name + ")");
      value = args[++i];
    }
    if (!option->repeated && !slot.empty())
      return Status::Error("option '" + shown + "' given more than once");
    slot.push_back(value);
  }
  if (parsed.positionals_.size() < spec.positionals.size() && !spec.positionals_optional)
    return Status::Error("missing " + spec.positionals[parsed.positionals_.size()].name);
  if (parsed.positionals_.size() > spec.positionals.size() && !spec.last_positional_repeats)
    return Status::Error("unexpected argument '" + parsed.positionals_[spec.positionals.size()] +
                         "'");
  return parsed;
}

std::string help_text(const CommandSpec& spec) {
  std::string command = spec.name.empty() ? "mconv" : "mconv " + spec.name;
  std::string usage = "usage: " + command;
  for (const auto& p : spec.positionals)
    usage += spec.positionals_optional ? " [" + p.name + "]" : " " + p.name;
  if (!spec.options.empty()) usage += " [options]";
  std::string out = usage + "\n\n" + spec.summary + "\n";

  auto row = [](std::string left, const std::string& help) {
    left = "  " + left;
    if (left.size() < 28)
      left.resize(28, ' ');
    else
      left += "  ";
    return left + help + "\n";
  };
  if (!spec.positionals.empty()) {
    out += "\narguments:\n";
    for (const auto& p : spec.positionals) out += row(p.name, p.help);
  }
  out += "\noptions:\n";
  for (const auto& o : spec.options) {
    std::string left = o.short_name ? std::string("-") + o.short_name + ", " : "";
    left += "--" + o.name;
    if (!o.value_name.empty()) left += " " + o.value_name;
    out += row(left, o.help + (o.repeated ? " (repeatable)" : ""));
  }
  out += row("-h, --help", "show this help and exit");
  if (!spec.notes.empty()) out += "\n" + spec.notes + (spec.notes.back() == '\n' ? "" : "\n");
  return out;
}

Expected<int64_t> parse_int(const std::string& text, const std::string& what, int64_t min,
                            int64_t max) {
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size())
    return Status::Error(what + " must be an integer, got '" + text + "'");
  if (value < min || value > max)
    return Status::Error(what + " must be in " + std::to_string(min) + ".." + std::to_string(max) +
                         ", got " + text);
  return value;
}

Expected<int64_t> int_option(const ParsedArgs& args, const std::string& name, int64_t fallback,
                             int64_t min, int64_t max) {
  if (auto v = args.value(name)) return parse_int(*v, "--" + name, min, max);
  return fallback;
}

std::optional<int> parse_command(const CommandSpec& spec, const std::vector<std::string>& args,
                                 ParsedArgs& out) {
  auto parsed = parse_args(spec, args);
  if (!parsed.ok()) return usage_error(spec.name, parsed.status().message());
  out = std::move(parsed).value();
  if (!out.help()) return std::nullopt;
  std::fputs(help_text(spec).c_str(), stdout);
  return kExitOk;
}

}  // namespace mconv::cli
