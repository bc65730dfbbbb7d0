/**
 * Flink exception texts as `GET /jobs/<id>/exceptions` returns them (first line, frames, `Caused by:`
 * chain), with the kind each must classify as. Shared by the Flink job and the settle check tests.
 */
export const FLINK_TRACES: Record<string, { kind: "deterministic" | "transient" | "unknown"; strong?: boolean; text: string }> = {
    // As Flink 1.20.3 recorded it on the harness (frames elided): a BIGINT column fed an ISO timestamp string.
    numberFormat: {
        kind: "deterministic",
        strong: true,
        text: [
            "java.io.IOException: Failed to deserialize consumer record due to",
            "\tat org.apache.flink.connector.kafka.source.reader.KafkaRecordEmitter.emitRecord(KafkaRecordEmitter.java:56)",
            "Caused by: java.io.IOException: Failed to deserialize consumer record ConsumerRecord(topic = pipeline_check_mx32enpn.public.orders, partition = 0, leaderEpoch = 0, offset = 1, CreateTime = 1796030936258, serialized key size = 8, serialized value size = 73, headers = RecordHeaders(headers = [], isReadOnly = false), key = [B@2345a6d4, value = [B@dd7cbc2).",
            "\t... 14 more",
            'Caused by: java.io.IOException: Corrupt Debezium JSON message \'{"before":null,"after":{"id":2,"placed":"2024-05-01T10:00:00Z"},"op":"c"}\'.',
            "\t... 15 more",
            'Caused by: java.io.IOException: Failed to deserialize JSON \'{"before":null,"after":{"id":2,"placed":"2024-05-01T10:00:00Z"},"op":"c"}\'.',
            "\t... 17 more",
            "Caused by: org.apache.flink.formats.json.JsonParseException: Fail to deserialize at field: after.",
            "\t... 18 more",
            "Caused by: org.apache.flink.formats.json.JsonParseException: Fail to deserialize at field: placed.",
            "\t... 21 more",
            'Caused by: java.lang.NumberFormatException: For input string: "2024-05-01T10:00:00Z"',
            "\t... 24 more",
        ].join("\n"),
    },
    // As Flink 1.20.3 recorded it on the harness for the changelog side of the job (JSON parser path):
    // the chain stops at the field, so it counts as deterministic only on two consecutive attempts.
    jsonParserField: {
        kind: "deterministic",
        strong: false,
        text: [
            "java.io.IOException: Failed to deserialize consumer record due to",
            "\tat org.apache.flink.connector.kafka.source.reader.KafkaRecordEmitter.emitRecord(KafkaRecordEmitter.java:56)",
            "Caused by: java.io.IOException: Failed to deserialize consumer record ConsumerRecord(topic = verify_test_mx343xa7.verify_test_mx343xa7.demographics, partition = 0, leaderEpoch = 0, offset = 0, CreateTime = 1796033837617, serialized key size = 8, serialized value size = 509, headers = RecordHeaders(headers = [], isReadOnly = false), key = [B@25c3d8c5, value = [B@4d5f01f3).",
            "\t... 14 more",
            'Caused by: java.io.IOException: Failed to deserialize JSON \'{"before":null,"after":{"id":1,"name":"ada","age":"thirty-six","city":"London"},"op":"c"}\'.',
            "\tat org.apache.flink.formats.json.JsonParserRowDataDeserializationSchema.deserialize(JsonParserRowDataDeserializationSchema.java:97)",
            "\t... 15 more",
            "Caused by: org.apache.flink.formats.json.JsonParseException: Fail to deserialize at field: after.",
            "\tat org.apache.flink.formats.json.JsonParserToRowDataConverters.lambda$createRowConverter$43b82837$1(JsonParserToRowDataConverters.java:419)",
            "\t... 19 more",
        ].join("\n"),
    },
    dateTimeParse: {
        kind: "deterministic",
        strong: true,
        text: "java.io.IOException: Failed to deserialize consumer record due to\n\tat x\nCaused by: java.time.format.DateTimeParseException: Text '1714557600000' could not be parsed at index 0\n\tat y",
    },
    classCast: {
        kind: "deterministic",
        strong: true,
        text: "java.lang.ClassCastException: class java.lang.String cannot be cast to class java.lang.Long\n\tat org.apache.flink.table.data.GenericRowData.getLong(GenericRowData.java:154)",
    },
    corruptJson: {
        kind: "deterministic",
        strong: false,
        text: "java.io.IOException: Failed to deserialize consumer record due to\n\tat x\nCaused by: java.io.IOException: Corrupt Debezium JSON message 'not json'.\n\tat y\nCaused by: org.apache.flink.shaded.jackson2.com.fasterxml.jackson.core.JsonParseException: Unrecognized token 'not': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')\n\tat z",
    },
    payloadMentionsTransient: {
        kind: "deterministic",
        strong: true,
        text: 'java.io.IOException: Failed to deserialize consumer record due to\nCaused by: java.io.IOException: Corrupt Debezium JSON message \'{"after":{"note":"Connection refused","n":"x"}}\'.\nCaused by: java.lang.NumberFormatException: For input string: "x"',
    },
    noSuchBucket: {
        kind: "transient",
        text: "org.apache.flink.runtime.checkpoint.CheckpointException: Asynchronous task checkpoint failed.\n\tat x\nCaused by: java.io.UncheckedIOException: Failed to write\nCaused by: software.amazon.awssdk.services.s3.model.NoSuchBucketException: The specified bucket does not exist (Service: S3, Status Code: 404, Request ID: 18A)\n\tat y",
    },
    taskManagerLost: {
        kind: "transient",
        text: "org.apache.flink.util.FlinkException: TaskManager with id 127.0.0.1:36123-5c0a1b is no longer reachable.\n\tat org.apache.flink.runtime.jobmaster.JobMaster$TaskManagerHeartbeatListener.notifyTargetUnreachable(JobMaster.java:1518)",
    },
    connectionRefused: {
        kind: "transient",
        text: "org.apache.flink.runtime.io.network.netty.exception.RemoteTransportException: Connection unexpectedly closed\nCaused by: java.net.ConnectException: Connection refused\n\tat sun.nio.ch.Net.pollConnect(Native Method)",
    },
    kafkaTimeout: {
        kind: "transient",
        text: "org.apache.kafka.common.errors.TimeoutException: Timeout of 60000ms expired before the position for partition t-0 could be determined",
    },
    unknown: {
        kind: "unknown",
        text: "java.lang.RuntimeException: Something else went wrong\n\tat x",
    },
};
