// The one argument parser every subcommand uses: declare options in a CommandSpec, parse argv
// into ParsedArgs, and print help generated from the same spec (so help never drifts from what
// is accepted).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"

namespace mconv::cli {

struct OptionSpec {
  std::string name;        // long name without dashes: "input" for --input
  char short_name = 0;     // one-letter alias ('t' for -t), 0 when none
  std::string value_name;  // placeholder shown in help ("PATH"); empty = boolean flag
  bool repeated = false;   // may be given several times (values kept in order)
  std::string help;        // one line for the help text
};

struct PositionalSpec {
  std::string name;  // placeholder shown in help ("MODEL")
  std::string help;  // one line for the help text
};

struct CommandSpec {
  std::string name;                         // "run" ("" for mconv itself)
  std::string summary;                      // one line: what the command does
  std::vector<PositionalSpec> positionals;  // required, in order
  std::vector<OptionSpec> options;          // --help/-h is always accepted in addition
  std::string notes;                        // free text printed after the options
  bool last_positional_repeats = false;     // the last positional takes one or more operands
  bool positionals_optional = false;        // operands may be left out (the command checks)
};

class ParsedArgs {
 public:
  bool help() const { return help_; }
  const std::vector<std::string>& positionals() const { return positionals_; }
  const std::string& positional(size_t i) const { return positionals_.at(i); }
  bool flag(const std::string& name) const { return values_.count(name) != 0; }
  // Last value given for an option, if any.
  std::optional<std::string> value(const std::string& name) const;
  // Every value given for a repeated option, in command-line order.
  std::vector<std::string> values(const std::string& name) const;

 private:
  friend Expected<ParsedArgs> parse_args(const CommandSpec&, const std::vector<std::string>&);
  bool help_ = false;                                       // --help or -h was given
  std::vector<std::string> positionals_;                    // operands in order
  std::map<std::string, std::vector<std::string>> values_;  // option name -> values ("" for flags)
};

// Accepts --name VALUE, --name=VALUE, -x VALUE, flags, and "--" to end options. When --help is
// present nothing else is checked. Errors are one line ("unknown option '--foo'").
Expected<ParsedArgs> parse_args(const CommandSpec& spec, const std::vector<std::string>& args);

// The help text: usage line, summary, operands, options, notes.
std::string help_text(const CommandSpec& spec);

// What every command does first: parse_args into `out`, then either nullopt (go on) or the exit
// code the command ends with (kExitUsage after printing the usage error, kExitOk after --help).
std::optional<int> parse_command(const CommandSpec& spec, const std::vector<std::string>& args,
                                 ParsedArgs& out);

// Parses a whole decimal integer in [min, max]; `what` names it in the error.
Expected<int64_t> parse_int(const std::string& text, const std::string& what, int64_t min,
                            int64_t max);
// Option --`name` parsed by parse_int, or `fallback` (not range-checked) when it is absent.
Expected<int64_t> int_option(const ParsedArgs& args, const std::string& name, int64_t fallback,
                             int64_t min, int64_t max);

}  // namespace mconv::cli
