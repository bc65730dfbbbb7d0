/** Bounded HTTP calls for health checks (Node's global fetch with an abort timeout). */

export async function httpGet(url: string, timeoutMs: number): Promise<{ status: number; body: string }> {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    return { status: res.status, body: await res.text() };
}

/** GET returning parsed JSON; throws (naming the URL and status) on a non-2xx answer. */
export async function httpGetJson(url: string, timeoutMs: number): Promise<unknown> {
    const { status, body } = await httpGet(url, timeoutMs);
    if (status < 200 || status >= 300)
        throw new Error(
            `GET ${url} answered ${status}: ${body
                .replace(/<[^>]*>/g, " ")
                .replace(/\s+/g, " ")
                .trim()
                .slice(0, 120)}`,
        );
    return JSON.parse(body);
}
