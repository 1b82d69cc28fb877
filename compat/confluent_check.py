#!/usr/bin/python3
"""confluent-kafka-python (librdkafka) round trip with a codec.

usage: confluent_check.py BOOTSTRAP TOPIC CODEC(none|gzip|snappy|lz4|zstd) N
"""
import sys

from confluent_kafka import Consumer, Producer, TopicPartition, OFFSET_BEGINNING

bootstrap, topic, codec, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
errors = []


def delivered(err, msg):
    if err is not None:
        errors.append(str(err))


p = Producer({"bootstrap.servers": bootstrap, "compression.codec": codec,
              "enable.idempotence": True, "acks": "all", "linger.ms": 5})
for i in range(n):
    p.produce(topic, key=b"k%d" % i, value=b"confluent-%s-%d" % (codec.encode(), i),
              headers=[("h", b"%d" % i)], on_delivery=delivered)
left = p.flush(20)
if left or errors:
    print("produce: %d undelivered, errors %s" % (left, errors[:3]))
    sys.exit(1)

c = Consumer({"bootstrap.servers": bootstrap, "group.id": "compat-" + topic,
              "enable.auto.commit": False, "enable.partition.eof": False})
c.assign([TopicPartition(topic, 0, OFFSET_BEGINNING)])
got = []
deadline = 150
while len(got) < n and deadline > 0:
    msg = c.poll(0.1)
    deadline -= 1
    if msg is None:
        continue
    if msg.error():
        print("consume: %s" % msg.error())
        sys.exit(1)
    got.append(msg)
if len(got) == n:
    c.commit(offsets=[TopicPartition(topic, 0, n)], asynchronous=False)
    committed = c.committed([TopicPartition(topic, 0)], timeout=10)[0].offset
    if committed != n:
        print("committed offset reads back as %r, want %d" % (committed, n))
        sys.exit(1)
c.close()
if len(got) != n:
    print("consumed %d of %d records" % (len(got), n))
    sys.exit(1)
for i, msg in enumerate(got):
    if msg.value() != b"confluent-%s-%d" % (codec.encode(), i) or msg.offset() != i or msg.key() != b"k%d" % i:
        print("record %d: offset %d value %r" % (i, msg.offset(), msg.value()))
        sys.exit(1)
    if msg.headers() != [("h", b"%d" % i)]:
        print("record %d: headers %r" % (i, msg.headers()))
        sys.exit(1)
print("round trip, headers, group commit read back")
