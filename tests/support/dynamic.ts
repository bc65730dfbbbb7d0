/**
 * Loads a dynamic provider the way Pulumi's dynamic provider host does: serialize the provider
 * object with the SDK's closure serializer, then `require` the text and call `handler()`.
 * A capture that cannot be serialized, or that breaks once loaded, fails here.
 */
import * as pulumi from "@pulumi/pulumi";

export async function loadSerializedProvider(provider: pulumi.dynamic.ResourceProvider): Promise<{ provider: pulumi.dynamic.ResourceProvider; text: string }> {
    const { serializeFunction } = require("@pulumi/pulumi/runtime/closure/serializeClosure");
    const serialized = await serializeFunction(() => provider, { allowSecrets: true });
    const requireFromString = require("require-from-string");
    return { provider: requireFromString(serialized.text).handler(), text: serialized.text };
}

/** The provider itself and its serialized form, for running the same lifecycle on both. */
export async function bothForms(provider: pulumi.dynamic.ResourceProvider): Promise<Array<[string, pulumi.dynamic.ResourceProvider]>> {
    return [
        ["provider object", provider],
        ["serialized provider", (await loadSerializedProvider(provider)).provider],
    ];
}
