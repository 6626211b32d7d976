// Splits the inline text of a shell wrapper into the simple commands it runs (node-host.md §3.6 steps
// 1–4), or says why it cannot be judged. The contract is conservative: whenever the shell could run
// something other than the argv we return (command substitution, redirections, subshells, groups,
// heredocs, backgrounding, several lines, brace/tilde tricks), analysis fails and policy treats the
// command as an allowlist miss. Words come back with quotes removed and backslash escapes applied, but
// nothing is expanded: `$HOME` stays `$HOME` (the caller refuses a `$` in an executable name).

export type ShellAnalysis = { ok: true; segments: string[][] } | { ok: false; reason: string };

const fail = (reason: string): ShellAnalysis => ({ ok: false, reason });
const unsupported = (token: string): ShellAnalysis => fail(`unsupported shell token: ${token}`);

/** `&&`, `||`, `;` and `|` join segments; every segment must be allowed, so they need not be told apart. */
type Separator = "&&" | "||" | ";" | "|";

// After `$`: what would make the shell compute the word rather than read it. `$(`/`$((` run code,
// `${` can (`${x@P}` prompt-expands, arithmetic in `${a[$i]}`), `$[` is old arithmetic (array
// subscripts in arithmetic run command substitutions), `$'…'`/`$"…"` rewrite the word.
const DOLLAR_FORMS: Record<string, string> = { "(": "$(", "{": "${", "[": "$[", "'": "$'", '"': '$"' };

function posixSegments(text: string): ShellAnalysis {
  if (/\\\r?\n/.test(text)) return fail("line continuation is not supported");
  if (/[\r\n]/.test(text)) return unsupported("newline");
  const segments: string[][] = [];
  let argv: string[] = [];
  let word = "";
  let inWord = false;
  let quotedTilde = false; // `"~/x"` is a relative path to the shell, but `~/x` to a resolver

  const endWord = (): ShellAnalysis | null => {
    if (!inWord) return null;
    if (quotedTilde && argv.length === 0) return fail("a quoted ~ in the executable name is not supported");
    argv.push(word);
    word = "";
    inWord = false;
    quotedTilde = false;
    return null;
  };
  const startQuoted = (first: string | undefined): void => {
    if (!inWord && first === "~") quotedTilde = true;
    inWord = true;
  };
  const endSegment = (sep: Separator): ShellAnalysis | null => {
    const failed = endWord();
    if (failed) return failed;
    if (argv.length === 0) return fail(`empty command before ${sep}`);
    segments.push(argv);
    argv = [];
    return null;
  };

  let last: Separator | undefined;
  for (let i = 0; i < text.length; ) {
    const c = text[i] as string;
    const next = text[i + 1];
    if (c === " " || c === "\t") {
      const failed = endWord();
      if (failed) return failed;
      i++;
    } else if (c === "'") {
      const close = text.indexOf("'", i + 1);
      if (close < 0) return fail("unterminated single quote");
      startQuoted(text[i + 1] === "'" ? undefined : text[i + 1]);
      word += text.slice(i + 1, close);
      i = close + 1;
    } else if (c === '"') {
      startQuoted(text[i + 1]);
      i++;
      for (;;) {
        const d = text[i];
        if (d === undefined) return fail("unterminated double quote");
        if (d === '"') break;
        if (d === "`") return unsupported("` (inside double quotes)");
        if (d === "$" && text[i + 1] !== undefined && "({[".includes(text[i + 1] as string)) {
          return unsupported(`$${text[i + 1]} (inside double quotes)`);
        }
        if (d === "\\" && text[i + 1] !== undefined && '$`"\\'.includes(text[i + 1] as string)) {
          word += text[i + 1];
          i += 2;
        } else {
          word += d;
          i++;
        }
      }
      i++;
    } else if (c === "\\") {
      if (next === undefined) return fail("trailing backslash");
      if (!inWord && next === "~") quotedTilde = true;
      inWord = true;
      word += next;
      i += 2;
    } else if (c === "&" || c === "|" || c === ";") {
      let sep: Separator;
      if (c === "&") {
        if (next !== "&") return unsupported("& (background)");
        sep = "&&";
      } else if (c === "|") {
        if (next === "&") return unsupported("|&");
        sep = next === "|" ? "||" : "|";
      } else {
        if (next === ";" || next === "&") return unsupported(`;${next}`);
        sep = ";";
      }
      const failed = endSegment(sep);
      if (failed) return failed;
      last = sep;
      i += sep.length;
    } else if (c === "<" || c === ">") {
      if (next === "(") return unsupported(`${c}( (process substitution)`);
      if (c === "<" && next === "<") return unsupported("<< (heredoc)");
      return unsupported(`${c} (redirection)`);
    } else if (c === "(" || c === ")") {
      return unsupported(`${c} (subshell)`);
    } else if (c === "{" || c === "}") {
      return unsupported(`${c} (group or brace expansion)`);
    } else if (c === "`") {
      return unsupported("` (command substitution)");
    } else if (c === "$" && next !== undefined && Object.prototype.hasOwnProperty.call(DOLLAR_FORMS, next)) {
      return unsupported(DOLLAR_FORMS[next] as string);
    } else if (!inWord && c === "#") {
      return unsupported("# (comment)");
    } else if (!inWord && c === "=") {
      return unsupported("= at the start of a word (zsh =command expansion)");
    } else if (!inWord && c === "~" && next !== undefined && next !== "/" && next !== " " && next !== "\t") {
      // `~user`, `~+`, `~-` name other directories than the home a resolver expands `~` to
      return unsupported(`~${next} (tilde expansion)`);
    } else {
      word += c;
      inWord = true;
      i++;
    }
  }
  const failed = endWord();
  if (failed) return failed;
  if (argv.length > 0) segments.push(argv);
  else if (last !== undefined && last !== ";") return fail(`empty command after ${last}`);
  if (segments.length === 0) return fail("empty command");
  return { ok: true, segments };
}

// cmd.exe: no operator, caret, variable or grouping is understood, so any of them fails; words are
// split on whitespace, double quotes grouping (and removed).
function cmdSegments(text: string): ShellAnalysis {
  const bad = /[&|<>^()%!\r\n]/.exec(text);
  if (bad) return unsupported(bad[0] === "\n" || bad[0] === "\r" ? "newline" : bad[0]);
  const argv: string[] = [];
  let word = "";
  let inWord = false;
  let quoted = false;
  for (const c of text) {
    if (c === '"') {
      quoted = !quoted;
      inWord = true;
    } else if (!quoted && (c === " " || c === "\t")) {
      if (inWord) argv.push(word);
      word = "";
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (quoted) return fail("unterminated double quote");
  if (inWord) argv.push(word);
  return argv.length === 0 ? fail("empty command") : { ok: true, segments: [argv] };
}

export function analyzeShellText(text: string, opts?: { windows?: boolean }): ShellAnalysis {
  return opts?.windows ? cmdSegments(text) : posixSegments(text);
}
