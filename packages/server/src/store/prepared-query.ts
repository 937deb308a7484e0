import { type Compilable, CompiledQuery, type Kysely, type QueryResult } from 'kysely';
import type { Database } from './schema.js';

/** Marks a value as a parameter to fill in on each run; no real value starts with it. */
const MARK = '\u0000param:';

type Template = { sql: string; parameters: ({ name: string } | { value: unknown })[] };

/**
 * A query for the hot paths, built and compiled once per dialect and then run with new values:
 * Kysely otherwise builds and compiles every query anew, which costs more than running a small
 * statement (and the SQLite driver's statement cache then skips preparing it too). `build` names
 * each value with `param(name)`; values written literally in the query stay as they are.
 */
export function preparedQuery<Name extends string, Row>(
  build: (db: Kysely<Database>, param: <T>(name: Name) => T) => Compilable<Row>,
): (db: Kysely<Database>, values: Record<Name, unknown>) => Promise<QueryResult<Row>> {
  // One template per dialect: a transaction shares its database's adapter.
  const templates = new WeakMap<object, Template>();
  const param = <T>(name: Name) => `${MARK}${name}` as T;
  return (db, values) => {
    const executor = db.getExecutor();
    let template = templates.get(executor.adapter);
    if (!template) {
      const { sql, parameters } = build(db, param).compile();
      template = {
        sql,
        parameters: parameters.map((value) =>
          typeof value === 'string' && value.startsWith(MARK) ? { name: value.slice(MARK.length) } : { value },
        ),
      };
      templates.set(executor.adapter, template);
    }
    const parameters = template.parameters.map((p) => ('name' in p ? values[p.name as Name] : p.value));
    return db.executeQuery<Row>(CompiledQuery.raw(template.sql, parameters));
  };
}

/** An insert of one row into `table`, every column a parameter named after it. */
export function preparedInsert<Column extends string>(table: keyof Database, columns: readonly Column[]) {
  return preparedQuery<Column, never>((db, param) =>
    db.insertInto(table).values(Object.fromEntries(columns.map((column) => [column, param(column)])) as never),
  );
}
