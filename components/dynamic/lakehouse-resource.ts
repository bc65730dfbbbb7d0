/**
 * The base of every dynamic resource of this project: what `pulumi.dynamic.Resource` registers (the type
 * `pulumi-nodejs:dynamic/<module>:<type>`, the provider's serialized text as the `__provider` input), with
 * the text taken from a cache across program runs when the code has not changed (./provider-text-cache).
 * URNs, inputs and state are those of `pulumi.dynamic.Resource`; only the time to produce the text differs.
 */
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { cacheFile, codeFingerprint, providerCacheDir, readCachedText, SerializedProviderText, writeCachedText } from "./provider-text-cache";

const REPO_ROOT = path.resolve(__dirname, "..", "..");

/** Per process, like Pulumi's own cache: each provider object is serialized (or read) once. */
const perProcess = new WeakMap<pulumi.dynamic.ResourceProvider, pulumi.Output<string>>();
let fingerprint: string | undefined | null = null;

function serializeAfresh(provider: pulumi.dynamic.ResourceProvider): Promise<SerializedProviderText> {
    return pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true });
}

/**
 * Whether this process is a program the Pulumi CLI's language host runs (it sets the engine's address),
 * not a unit test with mocks, whose code Jest compiles in its own way.
 */
function underLanguageHost(): boolean {
    return !!process.env.PULUMI_NODEJS_MONITOR;
}

/** The provider's serialized text as an Output (secret when the closure captured one), from the cache when it holds. */
export function providerText(provider: pulumi.dynamic.ResourceProvider, resourceType: string): pulumi.Output<string> {
    const known = perProcess.get(provider);
    if (known) return known;
    const dir = providerCacheDir();
    if (fingerprint === null) fingerprint = underLanguageHost() && dir ? codeFingerprint(REPO_ROOT) : undefined;
    const file = fingerprint && dir ? cacheFile(dir, resourceType, fingerprint) : undefined;
    const cached = file ? readCachedText(file) : undefined;
    const text: pulumi.Output<string> =
        cached !== undefined
            ? pulumi.output(cached)
            : pulumi.output(serializeAfresh(provider)).apply((s) => {
                  if (file) writeCachedText(file, s);
                  return s.containsSecrets ? pulumi.secret(s.text) : pulumi.output(s.text);
              });
    perProcess.set(provider, text);
    return text;
}

/** A dynamic resource; same arguments as `pulumi.dynamic.Resource`. */
export class LakehouseResource extends pulumi.CustomResource {
    constructor(
        provider: pulumi.dynamic.ResourceProvider,
        name: string,
        props: pulumi.Inputs,
        opts: pulumi.CustomResourceOptions | undefined,
        module: string,
        type: string,
    ) {
        if (props.__provider) throw new Error("A dynamic resource must not define the __provider key");
        const token = `pulumi-nodejs:dynamic/${module}:${type}`;
        super(token, name, { ...props, __provider: providerText(provider, `${module}:${type}`) }, opts);
    }
}
