#!/usr/bin/python3
"""kafka-python round trip: produce N records with a codec, consume them back.

usage: kafka_python_check.py BOOTSTRAP TOPIC CODEC(none|gzip|snappy|lz4|zstd) N
Exit 0 and print nothing on success; print the reason and exit 1 otherwise.
"""
import sys

from kafka import KafkaConsumer, KafkaProducer, TopicPartition

bootstrap, topic, codec, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all",
                         compression_type=None if codec == "none" else codec,
                         request_timeout_ms=10000)
futures = [producer.send(topic, key=b"k%d" % i, value=b"kafka-python-%s-%d" % (codec.encode(), i),
                         headers=[("h", b"%d" % i)]) for i in range(n)]
producer.flush(timeout=20)
for f in futures:
    f.get(timeout=10)
producer.close()

tp = TopicPartition(topic, 0)
consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False,
                         group_id="compat-" + topic, consumer_timeout_ms=15000)
consumer.assign([tp])
consumer.seek_to_beginning(tp)
if codec == "zstd":
    # kafka-python 2.0.2 fetches with Fetch v4; zstd needs v10, so Kafka
    # (and Sluice) answer UNSUPPORTED_COMPRESSION_TYPE (76) instead of the
    # records. kafka-python does not know code 76 and just gets nothing.
    for _ in range(15):
        if consumer.poll(timeout_ms=200):
            print("zstd records served to Fetch v4")
            sys.exit(1)
    print("produced; Fetch v4 gets UNSUPPORTED_COMPRESSION_TYPE, as from Kafka")
    sys.exit(0)
got = []
for msg in consumer:
    got.append(msg)
    if len(got) == n:
        break
if len(got) == n:
    # Commit through the group coordinator and read it back.
    from kafka.structs import OffsetAndMetadata
    consumer.commit({tp: OffsetAndMetadata(n, None)})
    committed = consumer.committed(tp)
    if committed != n:
        print("committed offset reads back as %r, want %d" % (committed, n))
        sys.exit(1)
consumer.close()
if len(got) != n:
    print("consumed %d of %d records" % (len(got), n))
    sys.exit(1)
for i, msg in enumerate(got):
    want = b"kafka-python-%s-%d" % (codec.encode(), i)
    if msg.value != want or msg.key != b"k%d" % i or msg.offset != i:
        print("record %d: offset %d key %r value %r" % (i, msg.offset, msg.key, msg.value))
        sys.exit(1)
    if list(msg.headers) != [("h", b"%d" % i)]:
        print("record %d: headers %r" % (i, msg.headers))
        sys.exit(1)
print("round trip, headers, group commit read back")
