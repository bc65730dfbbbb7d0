/**
 * The closing lines of `npm run deploy`: where to look. The endpoints come from the stack's own
 * outputs (`pulumi stack output --json`, without secrets), then the commands that check the pipeline.
 * Pure.
 */

/** The commands that check a deployed stack (README "After a deploy"). */
export function checkCommands(stack: string): string[] {
    return [
        `npm run health -- --stack ${stack}     # one PASS/WARN/FAIL line per check of the pipeline`,
        `npm run canary -- --stack ${stack}     # a marker row through the whole pipeline, with its latency`,
        `npm run pulumi -- stack output -s ${stack}   # every output (credentials: --show-secrets)`,
    ];
}

type Pair = { internal?: unknown; host?: unknown };

function address(pair: unknown): string | undefined {
    if (typeof pair === "string") return pair;
    if (typeof pair !== "object" || pair === null) return undefined;
    const p = pair as Pair;
    if (typeof p.host === "string" && p.host) return p.host;
    if (typeof p.internal === "string" && p.internal) return `${p.internal} (inside the stack's network)`;
    return undefined;
}

/** `name  address` rows of the `endpoints` output (host address first, else the internal one), plus the Iceberg tables. */
export function endpointLines(outputsJson: string): string[] {
    let outputs: Record<string, unknown>;
    try {
        const parsed: unknown = JSON.parse(outputsJson);
        outputs = typeof parsed === "object" && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
    } catch {
        return [];
    }
    const rows: [string, string][] = [];
    const endpoints = outputs.endpoints;
    if (typeof endpoints === "object" && endpoints !== null) {
        for (const [name, pair] of Object.entries(endpoints as Record<string, unknown>)) {
            const a = address(pair);
            if (a) rows.push([name, a]);
        }
    }
    const tables = outputs.icebergTables;
    if (typeof tables === "object" && tables !== null) {
        for (const [table, iceberg] of Object.entries(tables as Record<string, unknown>))
            if (typeof iceberg === "string") rows.push([`table ${table}`, iceberg]);
    }
    const width = Math.max(0, ...rows.map(([n]) => n.length));
    return rows.map(([n, a]) => `  ${n.padEnd(width)}  ${a}`);
}

/** The closing block: the stack, its endpoints (when its outputs could be read), then the check commands. */
export function closingLines(stack: string, outputsJson: string | undefined): string[] {
    const endpoints = outputsJson === undefined ? [] : endpointLines(outputsJson);
    return [
        `Deployed stack ${stack}.`,
        ...(endpoints.length ? ["Endpoints (stack outputs):", ...endpoints] : [`Endpoints: npm run pulumi -- stack output -s ${stack}`]),
        "Check it:",
        ...checkCommands(stack).map((c) => `  ${c}`),
    ];
}
