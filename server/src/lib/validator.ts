import type { FastifySchemaCompiler } from 'fastify';
import type { TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import { Value } from 'typebox/value';

/**
 * @fastify/type-provider-typebox's compiler, with two changes. Headers, params and query strings
 * are checked as they arrive first, and converted (`"42"` → 42) only when that fails: the
 * provider converts every time. And when they must be converted, a flat object of scalars (every
 * params and query schema here) is converted by a function built once from the schema, not by
 * Value.Convert walking the schema on every request (a CPU profile put it at a third of the
 * status route's validation, run cold between requests). Validation itself is always the schema's.
 */
export const validatorCompiler: FastifySchemaCompiler<TSchema> = ({ schema, httpPart }) => {
  const check = Compile(schema);
  const convert = httpPart === 'body' ? undefined : (scalarConverter(schema) ?? ((v: unknown) => Value.Convert(schema, v)));
  return (value: unknown) => {
    if (check.Check(value)) return { value };
    if (convert) {
      const converted = convert(value);
      if (check.Check(converted)) return { value: converted };
      return { error: check.Errors(converted) as never };
    }
    return { error: check.Errors(value) as never };
  };
};

/** A plain decimal number, as a path segment or query value spells one. */
const DECIMAL = /^-?\d+(\.\d+)?$/;

/**
 * For an object schema whose properties are all integers, numbers, booleans or strings: a
 * converter from their string forms. Anything else gets undefined (TypeBox's own Convert then).
 */
export function scalarConverter(schema: TSchema): ((value: unknown) => unknown) | undefined {
  const s = schema as { type?: unknown; properties?: Record<string, { type?: unknown }> };
  if (s.type !== 'object' || !s.properties) return undefined;
  const numeric: string[] = [];
  const flags: string[] = [];
  for (const [key, prop] of Object.entries(s.properties)) {
    if (prop.type === 'integer' || prop.type === 'number') numeric.push(key);
    else if (prop.type === 'boolean') flags.push(key);
    else if (prop.type !== 'string') return undefined;
  }
  return (value) => {
    if (typeof value !== 'object' || value === null) return value;
    const out: Record<string, unknown> = { ...value };
    for (const k of numeric) {
      const v = out[k];
      if (typeof v === 'string' && DECIMAL.test(v)) out[k] = Number(v);
    }
    for (const k of flags) {
      const v = out[k];
      if (v === 'true') out[k] = true;
      else if (v === 'false') out[k] = false;
    }
    return out;
  };
}
