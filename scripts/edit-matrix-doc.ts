/**
 * Writes the generated parts of docs/edit-matrix.md from the rows in tests/support/edit-matrix.ts:
 *
 *   npx ts-node --transpile-only scripts/edit-matrix-doc.ts                       # the table of rows
 *   npx ts-node --transpile-only scripts/edit-matrix-doc.ts --results <file>      # and a run's results
 *   npx ts-node --transpile-only scripts/edit-matrix-doc.ts --check                # exit 1 if the table is stale
 *
 * `<file>` is the JSON tests/integration/stack/edit-matrix.test.ts writes ($EDIT_MATRIX_RESULTS, default
 * <tmp>/edit-matrix-results.json). Only the parts between the markers are rewritten; the prose around
 * them is kept. The test fails when the table in the document differs from the rows.
 */
import * as fs from "fs";
import * as path from "path";
import { formatUsage, OptionTable, parseCommandLine, readCommandLine } from "../ops/args";
import { between, MatrixResults, renderMatrixTable, renderResults, RESULTS_BEGIN, RESULTS_END, TABLE_BEGIN, TABLE_END } from "../tests/support/edit-matrix";

const DOC = path.resolve(__dirname, "..", "docs", "edit-matrix.md");

function replaceBetween(doc: string, begin: string, end: string, body: string): string {
    const a = doc.indexOf(begin);
    const b = doc.indexOf(end);
    if (a < 0 || b < a) throw new Error(`${DOC}: markers ${begin} ... ${end} not found`);
    return `${doc.slice(0, a + begin.length)}\n${body}${doc.slice(b)}`;
}

/** The options of scripts/edit-matrix-doc.ts. */
export const EDIT_MATRIX_DOC_OPTIONS = {
    results: { type: "string", value: "file", description: "also write a run's results (the JSON tests/integration/stack/edit-matrix.test.ts writes)" },
    check: { type: "flag", description: "write nothing; exit 1 if the table in docs/edit-matrix.md is stale" },
} as const satisfies OptionTable;

/** The text `--help` prints (and a usage error after its message). */
export const EDIT_MATRIX_DOC_USAGE = formatUsage(
    "usage: npx ts-node --transpile-only scripts/edit-matrix-doc.ts [--results <file>] [--check]\n\nWrites the generated parts of docs/edit-matrix.md from the rows in tests/support/edit-matrix.ts.",
    EDIT_MATRIX_DOC_OPTIONS,
);

/** What scripts/edit-matrix-doc.ts was asked. */
export interface EditMatrixDocArgs {
    check: boolean;
    resultsFile?: string;
}

/** Parses the arguments of scripts/edit-matrix-doc.ts; UsageError on anything wrong. */
export function parseEditMatrixDocArgs(argv: readonly string[]): EditMatrixDocArgs {
    const { options } = parseCommandLine(argv, EDIT_MATRIX_DOC_OPTIONS);
    return { check: options.check, ...(options.results !== undefined ? { resultsFile: options.results } : {}) };
}

function main(argv: string[]): number {
    const command = readCommandLine(argv, EDIT_MATRIX_DOC_USAGE, parseEditMatrixDocArgs);
    if ("exitCode" in command) return command.exitCode;
    const { check, resultsFile } = command.args;
    const doc = fs.readFileSync(DOC, "utf8");
    const table = renderMatrixTable();
    if (check) {
        const ok = between(doc, TABLE_BEGIN, TABLE_END) === table;
        process.stdout.write(ok ? `${DOC}: the table matches the rows\n` : `${DOC}: the table is stale: run scripts/edit-matrix-doc.ts\n`);
        return ok ? 0 : 1;
    }
    let out = replaceBetween(doc, TABLE_BEGIN, TABLE_END, table);
    if (resultsFile) {
        const results = JSON.parse(fs.readFileSync(resultsFile, "utf8")) as MatrixResults;
        out = replaceBetween(out, RESULTS_BEGIN, RESULTS_END, renderResults(results));
    }
    fs.writeFileSync(DOC, out);
    process.stdout.write(`wrote ${DOC}\n`);
    return 0;
}

if (require.main === module) {
    try {
        process.exit(main(process.argv.slice(2)));
    } catch (e) {
        process.stderr.write(`${(e as Error).message}\n`);
        process.exit(2);
    }
}
