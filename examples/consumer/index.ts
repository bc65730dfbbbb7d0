/**
 * A consuming team's Pulumi program: reads the CDC lakehouse's stack outputs through a
 * StackReference, typed by the lakehouse's contract (components/outputs/contract.ts), and exports
 * what its own jobs need: where the change events are, and Spark and Trino catalog properties for
 * the Iceberg tables. The warehouse key comes from `warehouseCredentials` (never from `credentials`,
 * which holds the PostgreSQL superuser's password) and is exported only inside secret outputs.
 *
 * Config (project `lakehouse-consumer`): `lakehouseStack` (required), `lakehouseOrganization`
 * (default `organization`, the name on a self-managed backend), `endpointSide` (default `internal`).
 */
import * as pulumi from "@pulumi/pulumi";
import type { LakehouseStackOutputs } from "../../components/outputs/contract";
import {
    LakehouseView,
    cdcStreams,
    endpointSide,
    sparkCatalogCredentials,
    sparkCatalogProperties,
    trinoCatalogCredentials,
    trinoCatalogProperties,
} from "./catalog";

export = async () => {
    const config = new pulumi.Config();
    const organization = config.get("lakehouseOrganization") ?? "organization";
    const side = endpointSide(config.get("endpointSide"));
    const lakehouse = new pulumi.StackReference(`${organization}/cdc-lakehouse/${config.require("lakehouseStack")}`);

    /** One lakehouse output, typed by the contract (undefined when the lakehouse stack does not export it). */
    const read = <K extends keyof LakehouseStackOutputs>(name: K) => lakehouse.getOutput(name) as pulumi.Output<LakehouseStackOutputs[K]>;
    const view: pulumi.Output<LakehouseView> = pulumi.output({
        kafkaBootstrapServers: read("kafkaBootstrapServers"),
        cdcTopics: read("cdcTopics"),
        icebergCatalog: read("icebergCatalog"),
        nessieApiUri: read("nessieApiUri"),
        nessieBranch: read("nessieBranch"),
        warehouse: read("warehouse"),
        s3Endpoint: read("s3Endpoint"),
        s3Region: read("s3Region"),
    });
    const warehouseKey = read("warehouseCredentials").apply((key) => {
        if (!key) throw new Error("the lakehouse stack exports no warehouseCredentials (deployed by a version before the output was added): redeploy it");
        return key;
    });

    return {
        /** Kafka's bootstrap servers and the CDC topic of each captured table. */
        cdcStreams: view.apply((o) => cdcStreams(o, side)),
        /** Spark's Iceberg catalog, without credentials. */
        sparkCatalogProperties: view.apply((o) => sparkCatalogProperties(o, side)),
        /** Secret: the S3 key properties of Spark's catalog. */
        sparkCatalogCredentials: pulumi.secret(pulumi.all([view, warehouseKey]).apply(([o, key]) => sparkCatalogCredentials(o.icebergCatalog, key))),
        /** A Trino catalog file for the Iceberg tables, without credentials. */
        trinoCatalogProperties: view.apply((o) => trinoCatalogProperties(o, side)),
        /** Secret: the S3 key properties of the Trino catalog file. */
        trinoCatalogCredentials: pulumi.secret(warehouseKey.apply(trinoCatalogCredentials)),
    };
};
