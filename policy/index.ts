/**
 * The lakehouse's policy pack: what this field learned the hard way, enforced on `pulumi preview`
 * and `pulumi up` (docs/policy.md). Run it with
 *   npm run pulumi -- preview -s <stack> --policy-pack policy [--policy-pack-config policy/<file>.json]
 * (with the harness's CLI, `npm run pulumi` starts the pack through policy/run-pack.sh).
 * Every policy is mandatory unless the pack config lowers it (`{"all": "advisory"}` or per policy).
 */
import { PolicyPack } from "@pulumi/policy";
import { PACK_NAME, lakehousePolicies } from "./policies";
import { installSecretKeepingDeserializer } from "./secrets-hook";

const secretsVisible = installSecretKeepingDeserializer();
if (!secretsVisible) {
    console.error(
        `${PACK_NAME}: could not keep secret marks through @pulumi/policy's deserializer (was the package upgraded?); ` +
            "the plaintext-secret policies check only Kubernetes literal env values and Flink SQL literals.",
    );
}

new PolicyPack(PACK_NAME, {
    enforcementLevel: "mandatory",
    description: "CDC lakehouse: AWS_REGION on Flink, Iceberg catalog-impl, checkpointing, persistent Nessie, no plaintext secrets, replication slot cleanup.",
    policies: lakehousePolicies({ secretsVisible }),
});
