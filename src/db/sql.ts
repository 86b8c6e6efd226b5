/**
 * A small tagged-template SQL layer over a pg-compatible client.
 *
 * Interpolated values always become `$n` parameters; only `Identifier`s, which
 * are validated and quoted here, are spliced into the text. bigints are sent
 * as decimal strings so no precision is lost on the way to `int8`.
 */

export type SqlValue = string | number | bigint | boolean | null | Date | Identifier | Fragment;
export type Row = Record<string, unknown>;

/** A validated, quoted SQL identifier (optionally schema-qualified). */
export class Identifier {
  readonly quoted: string;
  constructor(readonly name: string, qualified = false) {
    if (!isIdentifier(name, qualified)) {
      throw new TypeError(`not a valid SQL identifier: ${JSON.stringify(name)}`);
    }
    this.quoted = name.split(".").map((part) => `"${part}"`).join(".");
  }
  toString(): string {
    return this.quoted;
  }
}

/**
 * A piece of SQL with its own values, to interpolate into a query: its text is
 * spliced in and its values become parameters numbered in the outer query.
 *
 * @example sql`SELECT count(*) FROM t WHERE ${fragment(["id BETWEEN ", " AND ", ""], [1n, 9n])}`
 */
export class Fragment {
  constructor(
    readonly strings: readonly string[],
    readonly values: readonly SqlValue[],
  ) {}
}

/** A fragment from a template: fragment`${key} BETWEEN ${lo} AND ${hi}`. */
export function fragment(strings: TemplateStringsArray | readonly string[], ...values: SqlValue[]): Fragment {
  return new Fragment([...strings], values);
}

const PART = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** Plain identifiers only: letters, digits and `_`, at most 63 characters. */
export function isIdentifier(name: string, qualified = false): boolean {
  const parts = name.split(".");
  if (parts.length > (qualified ? 2 : 1)) return false;
  return parts.every((part) => PART.test(part));
}

export interface Query {
  text: string;
  values: Array<string | number | boolean | null | Date>;
}

/** Builds `{ text, values }` from a template; exported for tests and dry runs. */
export function buildQuery(strings: readonly string[], values: readonly SqlValue[]): Query {
  const params: Query["values"] = [];
  const append = (parts: readonly string[], vals: readonly SqlValue[]): string => {
    let text = parts[0] ?? "";
    vals.forEach((value, i) => {
      if (value instanceof Identifier) {
        text += value.quoted;
      } else if (value instanceof Fragment) {
        text += append(value.strings, value.values);
      } else {
        params.push(typeof value === "bigint" ? value.toString() : value);
        text += `$${params.length}`;
      }
      text += parts[i + 1] ?? "";
    });
    return text;
  };
  return { text: append(strings, values), values: params };
}

/** The subset of the Neon/pg client that rangemap needs. */
export interface Queryable {
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
}

export interface Sql {
  <T extends Row = Row>(strings: TemplateStringsArray, ...values: SqlValue[]): Promise<T[]>;
  /** A raw query with explicit parameters. */
  query<T extends Row = Row>(text: string, values?: SqlValue[]): Promise<T[]>;
  /** A quoted identifier to interpolate, e.g. a column picked at run time. */
  id(name: string, qualified?: boolean): Identifier;
}

/** Wraps a client as a `Sql` tag. */
export function sqlOf(client: Queryable): Sql {
  const run = async <T extends Row>(q: Query): Promise<T[]> => {
    const result = await client.query(q.text, q.values);
    return result.rows as T[];
  };
  const tag = <T extends Row = Row>(strings: TemplateStringsArray, ...values: SqlValue[]) =>
    run<T>(buildQuery(strings, values));
  return Object.assign(tag, {
    query: <T extends Row = Row>(text: string, values: SqlValue[] = []) =>
      run<T>({
        text,
        values: values.map((v) => {
          if (v instanceof Identifier || v instanceof Fragment) throw new TypeError("identifiers and fragments cannot be parameters");
          return typeof v === "bigint" ? v.toString() : v;
        }),
      }),
    id: (name: string, qualified = false) => new Identifier(name, qualified),
  });
}
