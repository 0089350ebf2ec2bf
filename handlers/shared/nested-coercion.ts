/**
 * Validation and coercion of nested values (`array<…>`, `map<string,…>`, `struct<…>`) against a parsed
 * Glue type, for the transform and the batch extract. Each scalar inside is coerced by the same scalar
 * coercer as a top-level column of its type. A failure names the path inside the column
 * (`items[2].price`), the type expected there and the value found.
 *
 * Copy on write: an array or object is returned unchanged (the same reference) when nothing inside it
 * changed, and as a copy otherwise, so the caller can tell a record that needs re-serialising from one
 * whose bytes can be passed on as they came. Pure: no SDK, no I/O.
 */
import { glueTypeString, type GlueTypeNode } from "../../contract/glue-type";

/** Why a value does not fit its type; `path` and `expected` are set when the problem is inside a nested value. */
export class Invalid {
  /** Path below the column, e.g. `[2].price`; empty for the column's own value. */
  path = "";
  /** The type expected at `path` (set for nested problems). */
  expected?: string;
  /** The value found at `path` (set for nested problems). */
  value?: unknown;
  constructor(readonly detail: string) {}
}

/** Returns the coerced value (possibly the input itself) or an {@link Invalid}. */
export type Coercer = (value: unknown) => unknown;

type JsonRecord = Record<string, unknown>;

/**
 * The coercer of a nested type; `scalar` builds the coercer of a scalar or decimal type. A JSON text
 * of an array or object (how a CSV cell carries a nested value) is parsed and then checked.
 */
export function nestedCoercer(node: GlueTypeNode, scalar: (node: GlueTypeNode) => Coercer): Coercer {
  switch (node.kind) {
    case "array":
      return arrayCoercer(node.element, scalar);
    case "map":
      return mapCoercer(node.value, scalar);
    case "struct":
      return structCoercer(node, scalar);
    default:
      return scalar(node);
  }
}

/** Records where a child's problem sits and what was expected there (the innermost type and value win). */
function at(invalid: Invalid, step: string, child: GlueTypeNode, value: unknown): Invalid {
  if (invalid.expected === undefined) {
    invalid.expected = glueTypeString(child);
    invalid.value = value;
  }
  invalid.path = step + invalid.path;
  return invalid;
}

/** A JSON text of an array or object, parsed; anything else unchanged. */
function fromJsonText(value: unknown, open: string): unknown {
  if (typeof value !== "string" || value.trimStart()[0] !== open) return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

function arrayCoercer(element: GlueTypeNode, scalar: (node: GlueTypeNode) => Coercer): Coercer {
  const coerce = nestedCoercer(element, scalar);
  return (input) => {
    const value = fromJsonText(input, "[");
    if (!Array.isArray(value)) return new Invalid("not a JSON array");
    let out: unknown[] = value;
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      if (item === null || item === undefined) continue;
      const coerced = coerce(item);
      if (coerced instanceof Invalid) return at(coerced, `[${i}]`, element, item);
      if (coerced !== item) {
        if (out === value) out = value.slice();
        out[i] = coerced;
      }
    }
    return out === value && value === input ? input : out;
  };
}

function isObject(value: unknown): value is JsonRecord {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function mapCoercer(valueType: GlueTypeNode, scalar: (node: GlueTypeNode) => Coercer): Coercer {
  const coerce = nestedCoercer(valueType, scalar);
  return (input) => {
    const value = fromJsonText(input, "{");
    if (!isObject(value)) return new Invalid("not a JSON object");
    let out: JsonRecord = value;
    for (const key in value) {
      const item = value[key];
      if (item === null || item === undefined) continue;
      const coerced = coerce(item);
      if (coerced instanceof Invalid) return at(coerced, `[${JSON.stringify(key)}]`, valueType, item);
      if (coerced !== item) {
        if (out === value) out = { ...value };
        Object.defineProperty(out, key, { value: coerced, enumerable: true, writable: true, configurable: true });
      }
    }
    return out === value && value === input ? input : out;
  };
}

interface CompiledField {
  readonly name: string;
  readonly type: GlueTypeNode;
  readonly coerce: Coercer;
  /** The name is also an `Object.prototype` member: read it with `hasOwn`. */
  readonly inherited: boolean;
}

function structCoercer(node: Extract<GlueTypeNode, { kind: "struct" }>, scalar: (node: GlueTypeNode) => Coercer): Coercer {
  const fields: CompiledField[] = node.fields.map((f) => ({
    name: f.name,
    type: f.type,
    coerce: nestedCoercer(f.type, scalar),
    inherited: f.name in Object.prototype,
  }));
  const names = new Set(fields.map((f) => f.name));
  return (input) => {
    const parsed = fromJsonText(input, "{");
    if (!isObject(parsed)) return new Invalid("not a JSON object");
    const value = lowerCaseFieldKeys(parsed, names);
    if (typeof value === "string") return new Invalid(value);
    let out: JsonRecord = value;
    for (const field of fields) {
      const item = field.inherited && !Object.hasOwn(value, field.name) ? undefined : value[field.name];
      if (item === null || item === undefined) continue;
      const coerced = field.coerce(item);
      if (coerced instanceof Invalid) return at(coerced, `.${field.name}`, field.type, item);
      if (coerced !== item) {
        if (out === value) out = { ...value };
        out[field.name] = coerced;
      }
    }
    return out === value && value === input ? input : out;
  };
}

/**
 * The object with keys that match a field only case-insensitively renamed to the field's lower-case
 * name (a copy; the object itself when none needs it), or why it cannot be (two keys collide).
 */
function lowerCaseFieldKeys(value: JsonRecord, names: ReadonlySet<string>): JsonRecord | string {
  let rename = false;
  for (const key in value) {
    if (!names.has(key) && names.has(key.toLowerCase())) {
      rename = true;
      break;
    }
  }
  if (!rename) return value;
  const out: JsonRecord = {};
  for (const key in value) {
    const lower = names.has(key.toLowerCase()) ? key.toLowerCase() : key;
    if (Object.hasOwn(out, lower)) return `keys colliding after lower-casing: ${JSON.stringify(lower)}`;
    Object.defineProperty(out, lower, { value: value[key], enumerable: true, writable: true, configurable: true });
  }
  return out;
}
