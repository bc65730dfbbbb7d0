-- Mode append (and both): {{catalog}}.{{namespace}}.{{changelogTable}} is the changelog of
-- {{sourceSchema}}.{{table}}: every insert, update and delete is a row, with the seed's processing
-- metadata: operation_type (INSERT/UPDATE/DELETE/SNAPSHOT), event_time (the change's commit time in
-- PostgreSQL, Debezium's ts_ms) and processing_time (when Flink wrote it). The Debezium topic is read
-- as raw envelopes; a delete's row holds the deleted values (its before-image).

CREATE TEMPORARY TABLE {{table}}_events (
    `before` {{changeRowType}},
    `after` {{changeRowType}},
    op STRING,
    ts_ms BIGINT
) WITH (
    'connector' = 'kafka',
    'topic' = '{{topic}}',
    'properties.bootstrap.servers' = '{{bootstrapServers}}',
    -- TLS and SASL to an external Kafka (lakehouse:kafka.security); nothing for PLAINTEXT.
    {{kafkaSecurityOptions}}
    'properties.group.id' = '{{consumerGroup}}-changes',
    -- Restores from a checkpoint or savepoint use the offsets in it. Without one (the JobManager lost
    -- the job), resume from the offsets Flink committed to this group on its last checkpoint, not from
    -- the start of the topic; a group with no offsets yet (the first start) reads from the earliest.
    'scan.startup.mode' = 'group-offsets',
    'properties.auto.offset.reset' = 'earliest',
    'format' = 'json'
);

CREATE TABLE IF NOT EXISTS {{catalog}}.{{namespace}}.{{changelogTable}} (
    {{changelogColumnDefinitions}},
    operation_type STRING NOT NULL,
    event_time TIMESTAMP_LTZ(6),
    processing_time TIMESTAMP_LTZ(6)
) WITH ('format-version' = '2');

-- Data quality: a change without its key is dropped, not written.
-- Columns by name: a column added later sits at the end of the Iceberg table.
INSERT INTO {{catalog}}.{{namespace}}.{{changelogTable}} ({{columnList}}, operation_type, event_time, processing_time)
SELECT
    {{changeProjection}},
    CASE op WHEN 'c' THEN 'INSERT' WHEN 'u' THEN 'UPDATE' WHEN 'd' THEN 'DELETE' WHEN 'r' THEN 'SNAPSHOT' ELSE 'UNKNOWN' END,
    CAST(TO_TIMESTAMP_LTZ(ts_ms, 3) AS TIMESTAMP_LTZ(6)),
    CAST(CURRENT_TIMESTAMP AS TIMESTAMP_LTZ(6))
FROM {{table}}_events
WHERE op IN ('c', 'u', 'd', 'r') AND {{changeKeyPresent}};
