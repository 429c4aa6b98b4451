import { describe, expect, it } from 'vitest';
import { Type } from 'typebox';
import { Value } from 'typebox/value';
import { IdParams } from '@ordercast/shared/schemas';
import { scalarConverter, validatorCompiler } from '../../src/lib/validator';

const validate = (schema: Parameters<typeof validatorCompiler>[0]['schema'], httpPart: string, value: unknown) =>
  (validatorCompiler({ schema, httpPart, method: 'GET', url: '/' }) as (v: unknown) => { value?: unknown; error?: unknown })(value);

describe('request validation', () => {
  it('converts the string forms of scalar params and query values, as TypeBox would', async () => {
    const Q = Type.Object({ id: Type.Integer({ minimum: 1 }), ratio: Type.Optional(Type.Number()), on: Type.Optional(Type.Boolean()), q: Type.Optional(Type.String()) });
    for (const input of [{ id: '42' }, { id: '7', ratio: '0.5', on: 'true', q: '0012' }, { id: '3', on: 'false' }]) {
      expect(validate(Q, 'querystring', input)).toEqual({ value: Value.Convert(Q, input) });
    }
    expect(validate(IdParams, 'params', { id: '42' })).toEqual({ value: { id: 42 } });
  });

  it('refuses what does not convert, with the schema\'s errors', () => {
    for (const id of ['0', '-3', '1.5', '0x10', '1e3', '', ' 4', 'abc']) {
      expect(validate(IdParams, 'params', { id }).error, id).toBeDefined();
    }
  });

  it('leaves already valid values and bodies alone', async () => {
    const headers = { 'idempotency-key': 'k1', host: 'x' };
    const H = Type.Object({ 'idempotency-key': Type.Optional(Type.String()) });
    expect(validate(H, 'headers', headers).value).toBe(headers);
    // Bodies are JSON: a string where a number belongs is an error, not converted.
    expect(validate(Type.Object({ n: Type.Integer() }), 'body', { n: '1' }).error).toBeDefined();
  });

  it('falls back to TypeBox for schemas that are not flat objects of scalars', async () => {
    expect(scalarConverter(Type.Object({ ids: Type.Array(Type.Integer()) }))).toBeUndefined();
    expect(scalarConverter(Type.Object({ s: Type.Union([Type.Literal('a'), Type.Literal('b')]) }))).toBeUndefined();
    const U = Type.Object({ n: Type.Union([Type.Integer(), Type.Literal('all')]) });
    expect(validate(U, 'querystring', { n: '5' })).toEqual({ value: { n: 5 } });
  });
});
