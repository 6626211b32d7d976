// Our builders must emit exactly what TypeBox emits (TypeBox is a dev dependency, for its types and this test).
import { test } from "node:test";
import assert from "node:assert/strict";
import { Type as TypeBox } from "@sinclair/typebox";
import { Type } from "./schema-builder.js";
import { ConnectParamsSchema, RequestFrameSchema } from "./frames.js";
import { SystemRunParamsSchema } from "./methods.js";

const json = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

test("every builder emits TypeBox's JSON Schema", () => {
  const build = (T: typeof Type) =>
    T.Object(
      {
        a: T.String({ minLength: 1 }),
        b: T.Optional(T.Integer({ minimum: 0 })),
        c: T.Union([T.Literal("x"), T.Literal(2), T.Literal(true), T.Null()]),
        d: T.Record(T.String(), T.Boolean()),
        e: T.Array(T.Unknown(), { minItems: 1 }),
        f: T.Optional(T.Number({ maximum: 5 })),
        g: T.Unsafe<string>({ type: "string", enum: ["a", "b"] }),
        h: T.Object({ x: T.Optional(T.String()) }),
      },
      { additionalProperties: false },
    );
  assert.deepEqual(json(build(Type)), json(build(TypeBox as unknown as typeof Type)));
});

test("optional properties are left out of `required`; the mark itself is not serialised", () => {
  const s = Type.Object({ a: Type.Optional(Type.String()), b: Type.String() });
  assert.deepEqual(json(s), { type: "object", required: ["b"], properties: { a: { type: "string" }, b: { type: "string" } } });
});

test("the protocol's schemas are plain JSON Schema", () => {
  for (const schema of [ConnectParamsSchema, RequestFrameSchema, SystemRunParamsSchema]) {
    assert.equal(typeof (schema as { type?: unknown }).type, "string");
    assert.ok(Object.keys(json(schema) as object).length > 0);
  }
});
