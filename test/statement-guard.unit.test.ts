/**
 * The job's `sql` refuses transaction-control and session statements
 * (src/db/statement-guard.ts): a dry run's rollback and a range's clean
 * session depend on it, so the tricky spellings are pinned here: comments,
 * case, whitespace, several statements in one text, keywords inside strings,
 * identifiers and dollar-quoted bodies, and the `SET LOCAL` that stays allowed.
 */
import { describe, expect, it } from "vitest";
import { CodedError } from "../src/lib/errors";
import { guardStatement, refusedStatement, statementHeads, STATEMENT_REFUSED } from "../src/db/statement-guard";

describe("refusedStatement", () => {
  it.each([
    ["COMMIT", "COMMIT"],
    ["commit;", "COMMIT"],
    ["  \n\tCoMmIt  work", "COMMIT WORK"],
    ["END", "END"],
    ["begin isolation level serializable", "BEGIN ISOLATION"],
    ["START TRANSACTION READ WRITE", "START TRANSACTION"],
    ["ROLLBACK", "ROLLBACK"],
    ["rollback to savepoint a", "ROLLBACK TO"],
    ["ABORT", "ABORT"],
    ["SAVEPOINT s1", "SAVEPOINT S1"],
    ["RELEASE SAVEPOINT s1", "RELEASE SAVEPOINT"],
    ["PREPARE TRANSACTION 'x'", "PREPARE TRANSACTION"],
    ["COMMIT PREPARED 'x'", "COMMIT PREPARED"],
    ["SET statement_timeout = 0", "SET STATEMENT_TIMEOUT"],
    ["SET SESSION default_transaction_read_only = off", "SET SESSION"],
    ["set session characteristics as transaction read write", "SET SESSION"],
    ["SET TRANSACTION ISOLATION LEVEL SERIALIZABLE", "SET TRANSACTION"],
    ["SET ROLE admin", "SET ROLE"],
    ["RESET ALL", "RESET ALL"],
    ["DISCARD ALL", "DISCARD ALL"],
    ["CALL archive_orders(1, 2)", "CALL ARCHIVE_ORDERS"],
    ["CREATE TEMP TABLE t AS SELECT 1", "CREATE TEMP"],
    ["create temporary table t (x int)", "CREATE TEMPORARY"],
    ["-- a comment\nCOMMIT", "COMMIT"],
    ["/* a /* nested */ comment */ COMMIT", "COMMIT"],
    ["/*x*/commit", "COMMIT"],
    ["SELECT 1; COMMIT", "COMMIT"],
    ["SELECT ';'; SET SESSION x = 1", "SET SESSION"],
    ["SELECT $$;$$; rollback", "ROLLBACK"],
    ["SELECT E'it\\'s;'; END", "END"],
    ["INSERT INTO t VALUES ('a''b;'); COMMIT", "COMMIT"],
  ])("refuses %j", (text, refused) => {
    expect(refusedStatement(text)).toBe(refused);
  });

  it.each([
    "SELECT count(*) FROM orders WHERE id BETWEEN $1 AND $2",
    "select 'commit'",
    'SELECT 1 AS "commit"',
    "SELECT 1 -- COMMIT\n",
    "/* COMMIT */ SELECT 1",
    "SET LOCAL statement_timeout = '1s'",
    "set local lock_timeout to 100",
    "SET CONSTRAINTS ALL DEFERRED",
    "INSERT INTO scratch (id) VALUES ($1)",
    "UPDATE t SET amount = 1 WHERE id = $1",
    "WITH x AS (SELECT 1) SELECT * FROM x",
    "SELECT CASE WHEN true THEN 1 END",
    "DO $body$ BEGIN PERFORM 1; END $body$",
    "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1; $$",
    "CREATE TABLE archive (id bigint)",
    "SELECT E'\\'; COMMIT'",
    "",
    ";;",
    "SELECT $1::text; SELECT 2",
  ])("allows %j", (text) => {
    expect(refusedStatement(text)).toBeNull();
  });

  it("reads the head of every statement, skipping literals", () => {
    expect(statementHeads("select 1; /* c */ set local x = 1;\n commit")).toEqual([["SELECT", "1"], ["SET", "LOCAL"], ["COMMIT"]]);
    expect(statementHeads("SELECT 'a;b' ; $t$ ; $t$")).toEqual([["SELECT", '"'], ['"']]);
  });
});

describe("guardStatement", () => {
  it("throws a statement_refused CodedError naming the statement, and lets the rest through", () => {
    expect(() => guardStatement("SELECT 1")).not.toThrow();
    let thrown: unknown;
    try {
      guardStatement("commit");
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(CodedError);
    expect((thrown as CodedError).code).toBe(STATEMENT_REFUSED);
    expect((thrown as CodedError).message).toMatch(/"COMMIT…"/);
  });
});
