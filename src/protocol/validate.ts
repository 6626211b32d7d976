// A small JSON-Schema validator for the subset the TypeBox schemas in this folder use.
//
// Why not a generic validator: the reference gateway's error texts are matched by real clients and
// tests ("invalid connect params: at /client: unexpected property 'x'"), so the wording and the
// order of the messages are part of the wire contract. This produces exactly that format:
//   - per object: the first missing required property, then the first unexpected property,
//     then each declared property in schema order;
//   - "at <json-pointer>: <message>", with "at root" for unexpected properties at the top and no
//     prefix for other errors at the top.
// Messages follow ajv's wording (lower-case "must not have fewer than").

import type { Static, TSchema } from "@sinclair/typebox";

export type JsonSchema = {
  type?: string | string[];
  const?: unknown;
  enum?: readonly unknown[];
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  minItems?: number;
  maxItems?: number;
  pattern?: string;
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: readonly string[];
  additionalProperties?: boolean | JsonSchema;
  patternProperties?: Record<string, JsonSchema>;
  anyOf?: readonly JsonSchema[];
};

export interface SchemaIssue {
  path: string;
  keyword: string;
  message: string;
}

function typeOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}

function matchesType(value: unknown, type: string): boolean {
  switch (type) {
    case "integer":
      return typeof value === "number" && Number.isInteger(value);
    case "number":
      return typeof value === "number" && Number.isFinite(value);
    case "object":
      return typeOf(value) === "object";
    default:
      return typeOf(value) === type;
  }
}

const patternCache = new Map<string, RegExp>();
function compiled(pattern: string): RegExp {
  let re = patternCache.get(pattern);
  if (!re) {
    re = new RegExp(pattern, "u");
    patternCache.set(pattern, re);
  }
  return re;
}

function escapePointer(key: string): string {
  return key.replace(/~/g, "~0").replace(/\//g, "~1");
}

function check(schema: JsonSchema, value: unknown, path: string, out: SchemaIssue[]): void {
  if (schema.anyOf) {
    for (const option of schema.anyOf) {
      const sub: SchemaIssue[] = [];
      check(option, value, path, sub);
      if (sub.length === 0) return;
    }
    out.push({ path, keyword: "anyOf", message: "must match a schema in anyOf" });
    return;
  }
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? schema.type : [schema.type];
    if (!types.some((t) => matchesType(value, t))) {
      out.push({ path, keyword: "type", message: `must be ${types.join(",")}` });
      return;
    }
  }
  if (schema.const !== undefined && value !== schema.const) {
    out.push({ path, keyword: "const", message: "must be equal to constant" });
    return;
  }
  if (schema.enum !== undefined && !schema.enum.includes(value)) {
    out.push({ path, keyword: "enum", message: "must be equal to one of the allowed values" });
    return;
  }
  if (typeof value === "string") {
    const length = [...value].length;
    if (schema.minLength !== undefined && length < schema.minLength) {
      out.push({ path, keyword: "minLength", message: `must not have fewer than ${schema.minLength} characters` });
    } else if (schema.maxLength !== undefined && length > schema.maxLength) {
      out.push({ path, keyword: "maxLength", message: `must not have more than ${schema.maxLength} characters` });
    } else if (schema.pattern !== undefined && !compiled(schema.pattern).test(value)) {
      out.push({ path, keyword: "pattern", message: `must match pattern "${schema.pattern}"` });
    }
    return;
  }
  if (typeof value === "number") {
    if (schema.minimum !== undefined && value < schema.minimum) {
      out.push({ path, keyword: "minimum", message: `must be >= ${schema.minimum}` });
    } else if (schema.exclusiveMinimum !== undefined && value <= schema.exclusiveMinimum) {
      out.push({ path, keyword: "exclusiveMinimum", message: `must be > ${schema.exclusiveMinimum}` });
    } else if (schema.maximum !== undefined && value > schema.maximum) {
      out.push({ path, keyword: "maximum", message: `must be <= ${schema.maximum}` });
    }
    return;
  }
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems) {
      out.push({ path, keyword: "minItems", message: `must not have fewer than ${schema.minItems} items` });
      return;
    }
    if (schema.maxItems !== undefined && value.length > schema.maxItems) {
      out.push({ path, keyword: "maxItems", message: `must not have more than ${schema.maxItems} items` });
      return;
    }
    if (schema.items) {
      for (let i = 0; i < value.length; i++) check(schema.items, value[i], `${path}/${i}`, out);
    }
    return;
  }
  if (typeOf(value) === "object") {
    const obj = value as Record<string, unknown>;
    const props = schema.properties ?? {};
    const missing = (schema.required ?? []).find((key) => !Object.prototype.hasOwnProperty.call(obj, key));
    if (missing !== undefined) {
      out.push({ path, keyword: "required", message: `must have required property '${missing}'` });
    }
    const patterns = schema.patternProperties ? Object.entries(schema.patternProperties) : [];
    for (const [key, child] of Object.entries(obj)) {
      if (Object.prototype.hasOwnProperty.call(props, key)) continue;
      const patternMatch = patterns.find(([p]) => compiled(p).test(key));
      if (patternMatch) {
        check(patternMatch[1], child, `${path}/${escapePointer(key)}`, out);
        continue;
      }
      if (schema.additionalProperties === false) {
        out.push({ path, keyword: "additionalProperties", message: `unexpected property '${key}'` });
        break;
      }
      if (typeof schema.additionalProperties === "object") {
        check(schema.additionalProperties, child, `${path}/${escapePointer(key)}`, out);
      }
    }
    for (const [key, child] of Object.entries(props)) {
      if (Object.prototype.hasOwnProperty.call(obj, key) && obj[key] !== undefined) {
        check(child, obj[key], `${path}/${escapePointer(key)}`, out);
      }
    }
  }
}

/** All issues of `value` against `schema`, in reference order. Empty when valid. */
export function schemaIssues(schema: TSchema | JsonSchema, value: unknown): SchemaIssue[] {
  const out: SchemaIssue[] = [];
  check(schema as JsonSchema, value, "", out);
  return out;
}

/** Formats issues the way the reference gateway does: "at /a/b: msg; at root: unexpected property 'x'". */
export function formatIssues(issues: readonly SchemaIssue[]): string {
  return issues
    .map((issue) => {
      if (issue.keyword === "additionalProperties") return `at ${issue.path || "root"}: ${issue.message}`;
      return issue.path ? `at ${issue.path}: ${issue.message}` : issue.message;
    })
    .join("; ");
}

export type Validation<T> = { ok: true; value: T } | { ok: false; message: string; issues: SchemaIssue[] };

/** Validates and narrows. `message` is the formatted issue list (no "invalid X params:" prefix). */
export function validate<S extends TSchema>(schema: S, value: unknown): Validation<Static<S>> {
  const issues = schemaIssues(schema, value);
  if (issues.length === 0) return { ok: true, value: value as Static<S> };
  return { ok: false, message: formatIssues(issues), issues };
}
