// Per-binary argument profiles for safe bins (node-host.md §3.8). A safe bin may only filter stdin to
// stdout, so each profile lists every flag it accepts; anything else, including a flag we simply did
// not list, is refused. The original listed only value flags and refused every short cluster without
// one (`wc -l`, `uniq -c`, `jq -r` needed approval, quirk §12.5); here each profile also carries the
// boolean flags that neither read nor write files. Long options must be spelled out: GNU getopt
// accepts abbreviations, but resolves them against the program's full option list, not ours.
//
// `deniedFlags` are refused like unknown ones; they are listed so that the reason is on record (they
// read files, write files, recurse, or run programs).

export interface SafeBinProfile {
  minPositional?: number;
  maxPositional: number;
  booleanFlags: readonly string[];
  /** One value: `--lines=5`, `--lines 5`, `-n5`, `-n 5`. */
  valueFlags: readonly string[];
  /** Two values in the next tokens: `jq --arg name value`. */
  pairFlags?: readonly string[];
  deniedFlags: readonly string[];
  /** Extra check on each positional. */
  positional?: (value: string) => boolean;
}

// jq programs can read files (`import "x" as $d;`, `include`, `modulemeta`) and the environment (`env`,
// `$ENV`); a program naming any of them is refused even when it is only a field called that.
const JQ_FILE_OR_ENV = /(^|[^A-Za-z0-9_])(\$?ENV|env|import|include|modulemeta|get_search_list|get_jq_origin|get_prog_origin|input_filename)([^A-Za-z0-9_]|$)/;

export const SAFE_BIN_PROFILES: Readonly<Record<string, SafeBinProfile>> = {
  jq: {
    maxPositional: 1,
    booleanFlags: [
      "-n", "--null-input", "-R", "--raw-input", "-s", "--slurp", "-c", "--compact-output", "-r", "--raw-output",
      "--raw-output0", "-j", "--join-output", "-a", "--ascii-output", "-S", "--sort-keys", "-C", "--color-output",
      "-M", "--monochrome-output", "--tab", "--unbuffered", "--stream", "--stream-errors", "--seq", "-e",
      "--exit-status",
    ],
    valueFlags: ["--indent"],
    pairFlags: ["--arg", "--argjson"],
    deniedFlags: ["-f", "--from-file", "-L", "--library-path", "--rawfile", "--slurpfile", "--argfile", "--args", "--jsonargs"],
    positional: (program) => !JQ_FILE_OR_ENV.test(program),
  },
  cut: {
    maxPositional: 0,
    booleanFlags: ["-s", "--only-delimited", "-n", "--complement", "-z", "--zero-terminated"],
    valueFlags: ["-b", "--bytes", "-c", "--characters", "-f", "--fields", "-d", "--delimiter", "--output-delimiter"],
    deniedFlags: [],
  },
  uniq: {
    // a positional would be INPUT, a second one OUTPUT (a file uniq writes)
    maxPositional: 0,
    booleanFlags: ["-c", "--count", "-d", "--repeated", "-D", "-u", "--unique", "-i", "--ignore-case", "-z", "--zero-terminated"],
    valueFlags: ["-f", "--skip-fields", "-s", "--skip-chars", "-w", "--check-chars"],
    // optional-argument options: a following token would be read as a file, not as their value
    deniedFlags: ["--all-repeated", "--group"],
  },
  head: {
    maxPositional: 0,
    booleanFlags: ["-q", "--quiet", "--silent", "-v", "--verbose", "-z", "--zero-terminated"],
    valueFlags: ["-n", "--lines", "-c", "--bytes"],
    deniedFlags: [],
  },
  tail: {
    maxPositional: 0,
    booleanFlags: ["-q", "--quiet", "--silent", "-v", "--verbose", "-z", "--zero-terminated"],
    valueFlags: ["-n", "--lines", "-c", "--bytes", "-s", "--sleep-interval", "--max-unchanged-stats", "--pid"],
    // following never ends, and -F / --follow=name re-open files by name
    deniedFlags: ["-f", "-F", "--follow", "--retry"],
  },
  tr: {
    minPositional: 1,
    maxPositional: 2,
    booleanFlags: ["-c", "-C", "--complement", "-d", "--delete", "-s", "--squeeze-repeats", "-t", "--truncate-set1"],
    valueFlags: [],
    deniedFlags: [],
  },
  wc: {
    maxPositional: 0,
    booleanFlags: ["-c", "--bytes", "-m", "--chars", "-l", "--lines", "-w", "--words", "-L", "--max-line-length"],
    valueFlags: [],
    deniedFlags: ["--files0-from"],
  },
  // not default safe bins; profiles exist so that configuration may add them
  grep: {
    maxPositional: 0,
    booleanFlags: [
      "-i", "--ignore-case", "-y", "--no-ignore-case", "-v", "--invert-match", "-w", "--word-regexp", "-x", "--line-regexp",
      "-c", "--count", "-o", "--only-matching", "-q", "--quiet", "--silent", "-s", "--no-messages", "-b", "--byte-offset",
      "-n", "--line-number", "-h", "--no-filename", "-H", "--with-filename", "-a", "--text", "-I", "-E", "--extended-regexp",
      "-F", "--fixed-strings", "-G", "--basic-regexp", "-P", "--perl-regexp", "-z", "--null-data", "-Z", "--null",
      "-T", "--initial-tab", "-U", "--binary", "--line-buffered",
    ],
    valueFlags: [
      "-e", "--regexp", "-m", "--max-count", "-A", "--after-context", "-B", "--before-context", "-C", "--context",
      "-D", "--devices", "--binary-files", "--exclude", "--include", "--label",
    ],
    deniedFlags: ["-f", "--file", "--exclude-from", "-d", "--directories", "-r", "--recursive", "-R", "--dereference-recursive"],
  },
  sort: {
    maxPositional: 0,
    booleanFlags: [
      "-b", "--ignore-leading-blanks", "-d", "--dictionary-order", "-f", "--ignore-case", "-g", "--general-numeric-sort",
      "-h", "--human-numeric-sort", "-i", "--ignore-nonprinting", "-M", "--month-sort", "-n", "--numeric-sort",
      "-R", "--random-sort", "-r", "--reverse", "-V", "--version-sort", "-s", "--stable", "-u", "--unique",
      "-z", "--zero-terminated", "-c", "-C",
    ],
    valueFlags: ["-k", "--key", "-t", "--field-separator", "-S", "--buffer-size", "--parallel", "--batch-size"],
    deniedFlags: ["-o", "--output", "-T", "--temporary-directory", "--compress-program", "--files0-from", "--random-source"],
  },
};
