-- Mode upsert (and both): {{catalog}}.{{namespace}}.{{upsertTable}} mirrors {{sourceSchema}}.{{table}}.
-- Iceberg v2 with the table's primary key and upserts: inserts, updates and deletes are applied, so
-- the Iceberg table equals the source table after every commit (one commit per Flink checkpoint).
-- The columns come from lakehouse:source.tables (components/tables.ts renders the fragments). The
-- Kafka source reads each column in Debezium's wire form; the SELECT converts it to the declared
-- type (dates, times and timestamps: components/column-types.ts).

CREATE TEMPORARY TABLE {{table}}_cdc (
    {{wireColumnDefinitions}}{{primaryKeyConstraint}}
) WITH (
    'connector' = 'kafka',
    'topic' = '{{topic}}',
    'properties.bootstrap.servers' = '{{bootstrapServers}}',
    -- TLS and SASL to an external Kafka (lakehouse:kafka.security); nothing for PLAINTEXT.
    {{kafkaSecurityOptions}}
    'properties.group.id' = '{{consumerGroup}}-current',
    -- Restores from a checkpoint or savepoint use the offsets in it. Without one (the JobManager lost
    -- the job), resume from the offsets Flink committed to this group on its last checkpoint, not from
    -- the start of the topic; a group with no offsets yet (the first start) reads from the earliest.
    'scan.startup.mode' = 'group-offsets',
    'properties.auto.offset.reset' = 'earliest',
    -- Needs REPLICA IDENTITY FULL on the source table (UPDATE and DELETE carry the before-image).
    'format' = 'debezium-json'
);

CREATE TABLE IF NOT EXISTS {{catalog}}.{{namespace}}.{{upsertTable}} (
    {{columnDefinitions}}{{primaryKeyConstraint}}
) WITH ('format-version' = '2', 'write.upsert.enabled' = 'true');

-- Columns by name: a column added later sits at the end of the Iceberg table.
INSERT INTO {{catalog}}.{{namespace}}.{{upsertTable}} ({{columnList}})
SELECT {{convertedColumns}} FROM {{table}}_cdc;
