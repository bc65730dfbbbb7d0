-- CDC of {{sourceSchema}}.demographics into two Iceberg tables:
--   {{namespace}}.demographics          the current rows (upsert on id: inserts, updates, deletes applied)
--   {{namespace}}.demographics_changes  every change appended, with operation_type, event_time and
--                                       processing_time (the seed's transformation)
-- One Flink job (a statement set) reads the Debezium topic {{topic}} twice: as a changelog
-- (debezium-json) for the current rows and as raw envelopes for the history.

CREATE TEMPORARY TABLE demographics_cdc (
    id INT NOT NULL,
    name STRING,
    age INT,
    city STRING,
    PRIMARY KEY (id) NOT ENFORCED
) WITH (
    'connector' = 'kafka',
    'topic' = '{{topic}}',
    'properties.bootstrap.servers' = '{{bootstrapServers}}',
    'properties.group.id' = '{{consumerGroup}}-current',
    'scan.startup.mode' = 'earliest-offset',
    -- Needs REPLICA IDENTITY FULL on the source table (UPDATE and DELETE carry the before-image).
    'format' = 'debezium-json'
);

CREATE TEMPORARY TABLE demographics_events (
    `before` ROW<id INT, name STRING, age INT, city STRING>,
    `after` ROW<id INT, name STRING, age INT, city STRING>,
    op STRING,
    ts_ms BIGINT
) WITH (
    'connector' = 'kafka',
    'topic' = '{{topic}}',
    'properties.bootstrap.servers' = '{{bootstrapServers}}',
    'properties.group.id' = '{{consumerGroup}}-changes',
    'scan.startup.mode' = 'earliest-offset',
    'format' = 'json'
);

CREATE TABLE IF NOT EXISTS {{catalog}}.{{namespace}}.demographics (
    id INT NOT NULL,
    name STRING,
    age INT,
    city STRING,
    PRIMARY KEY (id) NOT ENFORCED
) WITH ('format-version' = '2', 'write.upsert.enabled' = 'true');

CREATE TABLE IF NOT EXISTS {{catalog}}.{{namespace}}.demographics_changes (
    id INT NOT NULL,
    name STRING,
    age INT,
    city STRING,
    operation_type STRING NOT NULL,
    event_time TIMESTAMP_LTZ(6),
    processing_time TIMESTAMP_LTZ(6)
) WITH ('format-version' = '2');

EXECUTE STATEMENT SET
BEGIN
    INSERT INTO {{catalog}}.{{namespace}}.demographics
    SELECT id, name, age, city FROM demographics_cdc;

    -- Data quality: a change without a key is dropped, not written.
    INSERT INTO {{catalog}}.{{namespace}}.demographics_changes
    SELECT
        CASE WHEN op = 'd' THEN `before`.id ELSE `after`.id END,
        CASE WHEN op = 'd' THEN `before`.name ELSE `after`.name END,
        CASE WHEN op = 'd' THEN `before`.age ELSE `after`.age END,
        CASE WHEN op = 'd' THEN `before`.city ELSE `after`.city END,
        CASE op WHEN 'c' THEN 'INSERT' WHEN 'u' THEN 'UPDATE' WHEN 'd' THEN 'DELETE' WHEN 'r' THEN 'SNAPSHOT' ELSE 'UNKNOWN' END,
        CAST(TO_TIMESTAMP_LTZ(ts_ms, 3) AS TIMESTAMP_LTZ(6)),
        CAST(CURRENT_TIMESTAMP AS TIMESTAMP_LTZ(6))
    FROM demographics_events
    WHERE op IN ('c', 'u', 'd', 'r')
      AND (CASE WHEN op = 'd' THEN `before`.id ELSE `after`.id END) IS NOT NULL;
END;
