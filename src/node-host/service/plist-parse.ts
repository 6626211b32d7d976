// A small strict XML property-list parser (dict, array, key, string, integer, real, true, false,
// date, data). Anything else — unknown elements, mismatched tags, stray text, a duplicate key, a bad
// entity — is an error. Used to read the installed LaunchAgent back and to check the renderer.

export type PlistValue = string | number | boolean | PlistValue[] | { [k: string]: PlistValue };

export class PlistError extends Error {
  override name = "PlistError";
}

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

function decode(text: string): string {
  return text.replace(/&([^;\s]*);?/g, (m, name: string) => {
    if (!m.endsWith(";")) throw new PlistError(`unterminated entity ${m}`);
    if (name in ENTITIES) return ENTITIES[name]!;
    const num = /^#x([0-9a-fA-F]+)$/.exec(name)?.[1] ?? /^#([0-9]+)$/.exec(name)?.[1];
    if (num !== undefined) return String.fromCodePoint(name.startsWith("#x") ? parseInt(num, 16) : parseInt(num, 10));
    throw new PlistError(`unknown entity &${name};`);
  });
}

type Tok = { kind: "open" | "close" | "empty"; name: string; attrs: string } | { kind: "text"; text: string };

function tokenize(xml: string): Tok[] {
  let s = xml.replace(/^\uFEFF/, "");
  const decl = /^<\?xml[^?]*\?>/.exec(s);
  if (!decl) throw new PlistError("missing <?xml …?> declaration");
  s = s.slice(decl[0].length);
  const toks: Tok[] = [];
  let i = 0;
  while (i < s.length) {
    if (s.startsWith("<!--", i)) {
      const end = s.indexOf("-->", i);
      if (end < 0) throw new PlistError("unterminated comment");
      i = end + 3;
      continue;
    }
    if (s.startsWith("<!DOCTYPE", i)) {
      const end = s.indexOf(">", i);
      if (end < 0) throw new PlistError("unterminated DOCTYPE");
      i = end + 1;
      continue;
    }
    if (s[i] === "<") {
      const end = s.indexOf(">", i);
      if (end < 0) throw new PlistError("unterminated tag");
      const body = s.slice(i + 1, end);
      const m = /^(\/?)([A-Za-z]+)((?:\s+[A-Za-z]+="[^"]*")*)\s*(\/?)$/.exec(body);
      if (!m) throw new PlistError(`malformed tag <${body}>`);
      if (m[1] && m[4]) throw new PlistError(`malformed tag <${body}>`);
      toks.push({ kind: m[1] ? "close" : m[4] ? "empty" : "open", name: m[2]!, attrs: m[3] ?? "" });
      i = end + 1;
      continue;
    }
    const next = s.indexOf("<", i);
    const text = s.slice(i, next < 0 ? s.length : next);
    if (text.includes(">")) throw new PlistError("'>' outside a tag is not allowed here");
    toks.push({ kind: "text", text });
    i = next < 0 ? s.length : next;
  }
  return toks;
}

export function parsePlist(xml: string): PlistValue {
  const toks = tokenize(xml);
  let pos = 0;
  const skipBlank = () => {
    while (pos < toks.length) {
      const t = toks[pos]!;
      if (t.kind === "text" && t.text.trim() === "") pos++;
      else break;
    }
  };
  const expectClose = (name: string) => {
    const t = toks[pos++];
    if (!t || t.kind !== "close" || t.name !== name) throw new PlistError(`expected </${name}>`);
  };
  const textUntilClose = (name: string): string => {
    let text = "";
    const t = toks[pos];
    if (t && t.kind === "text") {
      text = decode(t.text);
      pos++;
    }
    expectClose(name);
    return text;
  };
  const value = (): PlistValue => {
    skipBlank();
    const t = toks[pos++];
    if (!t || t.kind === "text" || t.kind === "close") throw new PlistError("expected a value element");
    if (t.kind === "empty") {
      if (t.name === "true") return true;
      if (t.name === "false") return false;
      if (t.name === "string") return "";
      if (t.name === "dict") return {};
      if (t.name === "array") return [];
      throw new PlistError(`unexpected <${t.name}/>`);
    }
    switch (t.name) {
      case "string":
      case "date":
      case "data":
        return textUntilClose(t.name);
      case "integer": {
        const v = textUntilClose("integer").trim();
        if (!/^[+-]?\d+$/.test(v)) throw new PlistError(`bad integer ${v}`);
        return Number(v);
      }
      case "real": {
        const v = Number(textUntilClose("real").trim());
        if (Number.isNaN(v)) throw new PlistError("bad real");
        return v;
      }
      case "array": {
        const out: PlistValue[] = [];
        for (;;) {
          skipBlank();
          const n = toks[pos];
          if (n && n.kind === "close" && n.name === "array") {
            pos++;
            return out;
          }
          out.push(value());
        }
      }
      case "dict": {
        const out: { [k: string]: PlistValue } = {};
        for (;;) {
          skipBlank();
          const n = toks[pos++];
          if (n && n.kind === "close" && n.name === "dict") return out;
          if (!n || n.kind !== "open" || n.name !== "key") throw new PlistError("expected <key> in <dict>");
          const key = textUntilClose("key");
          if (Object.prototype.hasOwnProperty.call(out, key)) throw new PlistError(`duplicate key ${key}`);
          out[key] = value();
        }
      }
      default:
        throw new PlistError(`unknown element <${t.name}>`);
    }
  };
  skipBlank();
  const root = toks[pos++];
  if (!root || root.kind !== "open" || root.name !== "plist") throw new PlistError("expected <plist>");
  if (!/version="1\.0"/.test(root.attrs)) throw new PlistError('expected <plist version="1.0">');
  const v = value();
  skipBlank();
  expectClose("plist");
  skipBlank();
  if (pos !== toks.length) throw new PlistError("content after </plist>");
  return v;
}
