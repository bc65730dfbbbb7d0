/**
 * How a Flink job's failure is told apart: deterministic (the data or the declared types: it comes
 * back on every restart, so waiting cannot fix it) or transient (a service or TaskManager away for a
 * while). Used by the Flink job resource (fail fast instead of waiting out its bound) and the pipeline
 * settle check. Pure and serialization-safe: both providers are serialized with these functions.
 */

/** The telling line of a Java exception text: the deepest `Caused by:` (or the first line). */
export function flinkRootCause(text: string): string {
    const lines = text.split("\n");
    const causes = lines.filter((l) => l.startsWith("Caused by: "));
    const line = causes.length
        ? causes[causes.length - 1].slice("Caused by: ".length)
        : (lines.find((l) => l.trim() && !/^<Exception on server side:\s*$/.test(l.trim())) ?? "");
    return line
        .replace(/^<Exception on server side:\s*/, "")
        .trim()
        .slice(0, 1500);
}

/** One entry of Flink's exception history (`GET /jobs/<id>/exceptions`), newest first. */
export interface JobExceptionEntry {
    exceptionName?: string;
    stacktrace?: string;
    timestamp?: number;
    taskName?: string | null;
}

/**
 * Failures that come back on every restart because of the data or the declared types, never by
 * waiting: parse, deserialization and type errors. `strong` ones tell on a single attempt; the others
 * (a message the format could not read) must be seen on two consecutive attempts.
 */
const DETERMINISTIC_STRONG =
    /\b(NumberFormatException|DateTimeParseException|ClassCastException|ArithmeticException)\b|is NOT NULL, however, a null value is being written into it/;
const DETERMINISTIC_WEAK =
    /\b(JsonParseException|JsonMappingException|MismatchedInputException|InvalidFormatException|DeserializationException|SerializationException)\b|Failed to deserialize|Corrupt [A-Za-z]+ JSON message|Could not deserialize/i;
/** Failures that go away by themselves (a service down or restarting, a TaskManager lost): keep waiting. Checked first. */
const TRANSIENT =
    /\b(ConnectException|NoRouteToHostException|UnknownHostException|SocketTimeoutException|SocketException|TimeoutException|NoResourceAvailableException|NoSuchBucket(Exception)?|RpcConnectionException|RecipientUnreachableException|ClosedChannelException|SdkClientException|DisconnectException|NotLeaderOrFollowerException|NetworkException|PartitionNotFoundException)\b|Connection refused|Connection reset|Broken pipe|Unable to execute HTTP request|ServiceUnavailable|SlowDown|TaskManager[^\n]*(lost|no longer reachable|disconnected|shutting down)|Heartbeat of TaskManager|heartbeat[^\n]*timed out|The TaskExecutor is shutting down|JobManager[^\n]*lost|bucket does not exist/i;

/**
 * Classifies one Flink exception text (its first line and `Caused by:` lines, with quoted payloads
 * such as the record Flink could not read blanked out, so data never decides): `transient` wins over
 * `deterministic` (never fail fast on something waiting fixes); the rest is `unknown` (waited for).
 * `exception` is the telling class, `message` the deepest cause.
 */
export function classifyJobFailure(stacktrace: string): {
    kind: "deterministic" | "transient" | "unknown";
    strong: boolean;
    exception: string;
    message: string;
} {
    const lines = String(stacktrace ?? "").split("\n");
    const heads = [lines[0] ?? "", ...lines.filter((l) => l.startsWith("Caused by: ")).map((l) => l.slice("Caused by: ".length))]
        .map((l) => l.replace(/'[^']*'/g, "''").replace(/"\{[^\n]*\}"/g, '""'))
        .filter((l) => l.trim());
    // The deepest matching cause is the telling one (the outer lines wrap it).
    const deepestFirst = [...heads].reverse();
    const message = flinkRootCause(String(stacktrace ?? ""));
    const className = (line: string) => /^([A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*)(:|$)/.exec(line.trim())?.[1] ?? line.trim().slice(0, 120);
    const transient = deepestFirst.find((l) => TRANSIENT.test(l));
    if (transient) return { kind: "transient", strong: false, exception: className(transient), message };
    const strong = deepestFirst.find((l) => DETERMINISTIC_STRONG.test(l));
    if (strong) return { kind: "deterministic", strong: true, exception: className(strong), message };
    const weak = deepestFirst.find((l) => DETERMINISTIC_WEAK.test(l));
    if (weak) return { kind: "deterministic", strong: false, exception: className(weak), message };
    return { kind: "unknown", strong: false, exception: className(heads[heads.length - 1] ?? ""), message };
}

/**
 * A deterministic failure in the exception history (newest first), or undefined: the newest entry
 * (after `sinceMs`, Flink's clock) is a strong deterministic error, or it and the one before it are
 * deterministic with the same exception class (two consecutive attempts).
 */
export function deterministicJobFailure(
    entries: JobExceptionEntry[],
    sinceMs = 0,
): { exception: string; message: string; attempts: number; taskName: string } | undefined {
    const recent = (entries ?? []).filter((e) => e && (e.timestamp ?? 0) >= sinceMs && (e.stacktrace || e.exceptionName));
    if (!recent.length) return undefined;
    const verdicts = recent.map((e) => classifyJobFailure(e.stacktrace || String(e.exceptionName)));
    const newest = verdicts[0];
    if (newest.kind !== "deterministic") return undefined;
    let attempts = 1;
    while (attempts < verdicts.length && verdicts[attempts].kind === "deterministic" && verdicts[attempts].exception === newest.exception) attempts++;
    if (!newest.strong && attempts < 2) return undefined;
    return { exception: newest.exception, message: newest.message, attempts, taskName: String(recent[0].taskName ?? "") };
}
