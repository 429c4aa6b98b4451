/**
 * `@name` parameters (the contract's spelling, sql.ts) rewritten to PostgreSQL's `$1…`, once per
 * statement. A scanner, not a regular expression: `@` inside string literals ('…', E'…' with
 * backslash escapes, $tag$…$tag$), quoted identifiers ("…") and comments (--, nested /* *\/) is
 * text, and PostgreSQL's own `@` operators stay operators: `@>` and `@@` are never followed by a
 * name, and an `@` right after `<`, `@` or a name character (`<@`, `a@b`) is not a parameter.
 */
export interface RewrittenSql {
  text: string;
  /** Parameter names in `$n` order: names[0] is $1. A name used twice is one parameter. */
  names: string[];
}

const NAME_START = /[A-Za-z_]/;
const NAME_CHAR = /[A-Za-z0-9_]/;

export function rewriteParams(sql: string): RewrittenSql {
  const names: string[] = [];
  const index = new Map<string, number>();
  let out = '';
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql[i]!;
    const next = sql[i + 1];
    if (c === "'") {
      // E'…' allows backslash escapes; a plain literal only doubles quotes.
      const escapes = i > 0 && (sql[i - 1] === 'E' || sql[i - 1] === 'e') && !NAME_CHAR.test(sql[i - 2] ?? ' ');
      const end = scanQuoted(sql, i, "'", escapes);
      out += sql.slice(i, end);
      i = end;
    } else if (c === '"') {
      const end = scanQuoted(sql, i, '"', false);
      out += sql.slice(i, end);
      i = end;
    } else if (c === '-' && next === '-') {
      const nl = sql.indexOf('\n', i);
      const end = nl < 0 ? n : nl;
      out += sql.slice(i, end);
      i = end;
    } else if (c === '/' && next === '*') {
      const end = scanBlockComment(sql, i);
      out += sql.slice(i, end);
      i = end;
    } else if (c === '$' && (i === 0 || !NAME_CHAR.test(sql[i - 1]!))) {
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i));
      if (tag) {
        const close = sql.indexOf(tag[0], i + tag[0].length);
        const end = close < 0 ? n : close + tag[0].length;
        out += sql.slice(i, end);
        i = end;
      } else {
        out += c;
        i++;
      }
    } else if (c === '@' && next !== undefined && NAME_START.test(next) && !(i > 0 && /[<@A-Za-z0-9_]/.test(sql[i - 1]!))) {
      let j = i + 1;
      while (j < n && NAME_CHAR.test(sql[j]!)) j++;
      const name = sql.slice(i + 1, j);
      let k = index.get(name);
      if (k === undefined) {
        names.push(name);
        k = names.length;
        index.set(name, k);
      }
      out += `$${k}`;
      i = j;
    } else {
      out += c;
      i++;
    }
  }
  return { text: out, names };
}

/** End (exclusive) of a quoted run starting at `start`; a doubled quote is part of it. Unterminated: the end of the text. */
function scanQuoted(sql: string, start: number, quote: string, backslashEscapes: boolean): number {
  let i = start + 1;
  while (i < sql.length) {
    const c = sql[i]!;
    if (backslashEscapes && c === '\\') i += 2;
    else if (c === quote) {
      if (sql[i + 1] === quote) i += 2;
      else return i + 1;
    } else i++;
  }
  return sql.length;
}

/** End (exclusive) of a block comment; PostgreSQL's nest. */
function scanBlockComment(sql: string, start: number): number {
  let depth = 0;
  let i = start;
  while (i < sql.length) {
    if (sql[i] === '/' && sql[i + 1] === '*') {
      depth++;
      i += 2;
    } else if (sql[i] === '*' && sql[i + 1] === '/') {
      depth--;
      i += 2;
      if (depth === 0) return i;
    } else i++;
  }
  return sql.length;
}
