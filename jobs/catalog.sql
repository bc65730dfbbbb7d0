-- The Iceberg catalog every job writes through: Nessie (REST API v2) as the catalog, S3FileIO on
-- the stack's object storage. Rendered by components/jobs.ts; `{{secret.*}}` is filled in by the
-- Flink job resource at submission only, so the key is never in state or in a diff.
-- The Nessie login fragment (nessieAuthOptions) is empty, or a bearer token's two options (components/secured-clients.ts).
CREATE CATALOG {{catalog}} WITH (
    'type' = 'iceberg',
    'catalog-impl' = 'org.apache.iceberg.nessie.NessieCatalog',
    'uri' = '{{nessieUri}}',
    'ref' = '{{nessieBranch}}',
    {{nessieAuthOptions}}
    'warehouse' = '{{warehouse}}',
    'io-impl' = 'org.apache.iceberg.aws.s3.S3FileIO',
    's3.endpoint' = '{{s3Endpoint}}',
    's3.path-style-access' = '{{s3PathStyle}}',
    's3.access-key-id' = '{{s3AccessKeyId}}',
    's3.secret-access-key' = '{{secret.s3SecretAccessKey}}',
    -- S3FileIO insists on a region even for MinIO (the seed's AWS_REGION failure).
    'client.region' = '{{awsRegion}}'
);

CREATE DATABASE IF NOT EXISTS {{catalog}}.{{namespace}};
