// The few TypeBox builders our schemas use, emitting the same JSON Schema as TypeBox does (schema-builder
// .test.ts compares them). TypeBox's *types* still describe every schema (`Static<>`), but its runtime is
// not loaded: importing it costs ~15 MB of RSS and ~65 ms of start-up, a quarter of the node host's
// budget (issue 7, benchmarks). validate.ts reads only the plain JSON Schema keywords built here.
import type { Type as TypeBox } from "@sinclair/typebox";

type Schema = Record<string, unknown>;
type Options = Record<string, unknown>;

/** Marks a property schema as optional for Object(); the mark never reaches the JSON form. */
const OPTIONAL = Symbol("openclaw-lite.optional");

function Object_(properties: Record<string, Schema>, options: Options = {}): Schema {
  const required = Object.keys(properties).filter((key) => !(properties[key] as { [OPTIONAL]?: true })[OPTIONAL]);
  return { ...options, type: "object", ...(required.length > 0 ? { required } : {}), properties };
}

const builders = {
  Object: Object_,
  Optional: (schema: Schema): Schema => ({ ...schema, [OPTIONAL]: true }),
  String: (options: Options = {}): Schema => ({ ...options, type: "string" }),
  Integer: (options: Options = {}): Schema => ({ ...options, type: "integer" }),
  Number: (options: Options = {}): Schema => ({ ...options, type: "number" }),
  Boolean: (options: Options = {}): Schema => ({ ...options, type: "boolean" }),
  Null: (options: Options = {}): Schema => ({ ...options, type: "null" }),
  Unknown: (options: Options = {}): Schema => ({ ...options }),
  Literal: (value: string | number | boolean, options: Options = {}): Schema => ({ ...options, const: value, type: typeof value }),
  Union: (anyOf: Schema[], options: Options = {}): Schema => ({ ...options, anyOf }),
  Array: (items: Schema, options: Options = {}): Schema => ({ ...options, type: "array", items }),
  // only string keys are used: TypeBox spells "any string key" as this pattern
  Record: (_key: Schema, value: Schema, options: Options = {}): Schema => ({ ...options, type: "object", patternProperties: { "^(.*)$": value } }),
  Unsafe: (schema: Schema = {}): Schema => ({ ...schema }),
};

type Used = "Object" | "Optional" | "String" | "Integer" | "Number" | "Boolean" | "Null" | "Unknown" | "Literal" | "Union" | "Array" | "Record" | "Unsafe";

/** Drop-in for `import { Type } from "@sinclair/typebox"` (the builders listed in `Used`). */
export const Type = builders as unknown as Pick<typeof TypeBox, Used>;
