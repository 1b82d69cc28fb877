#!/usr/bin/python3
"""confluent-kafka-python (librdkafka) across a leader failover.

usage: confluent_failover.py BOOTSTRAP TOPIC N HOOK

An idempotent producer (acks=all) sends N keyed records to TOPIC, waits for
every acknowledgement, runs HOOK (bash; scripts/compat-cluster.sh passes one
that SIGKILLs the leader of partition 0) and sends N more with the same
producer. A group member (subscribe, from the earliest offset) then reads the
topic to the high watermarks: every acknowledged record must be there
exactly once (idempotence: retries after the kill write no duplicates).
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from confluent_kafka import Consumer, Producer, TopicPartition  # noqa: E402
from failover_common import check_read, fail, run_hook  # noqa: E402

bootstrap, topic, n, hook = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
acked, errors = [], []


def delivered(err, msg):
    if err is not None:
        errors.append(str(err))
    else:
        acked.append(msg.value())


p = Producer({"bootstrap.servers": bootstrap, "acks": "all", "enable.idempotence": True,
              "linger.ms": 5, "message.timeout.ms": 60000})


def produce(phase):
    for i in range(n):
        p.produce(topic, key=b"k%d-%d" % (phase, i), value=b"confluent-%d-%d" % (phase, i), on_delivery=delivered)
        p.poll(0)
    left = p.flush(70)
    if left or errors:
        fail("phase %d: %d undelivered, errors %s" % (phase, left, errors[:3]))


produce(1)
killed = run_hook(hook)
t0 = time.time()
produce(2)
took = time.time() - t0

c = Consumer({"bootstrap.servers": bootstrap, "group.id": "compat-cluster-" + topic,
              "auto.offset.reset": "earliest", "enable.auto.commit": False,
              "enable.partition.eof": False, "session.timeout.ms": 10000})
md = c.list_topics(topic, timeout=10).topics[topic]
high = {q: c.get_watermark_offsets(TopicPartition(topic, q), timeout=10)[1] for q in md.partitions}
c.subscribe([topic])
nxt = {q: 0 for q in high}
read = []
deadline = time.time() + 60
while any(nxt[q] < high[q] for q in high) and time.time() < deadline:
    msg = c.poll(0.2)
    if msg is None:
        continue
    if msg.error():
        fail("consume: %s" % msg.error())
    read.append(msg.value())
    nxt[msg.partition()] = msg.offset() + 1
c.close()
if any(nxt[q] < high[q] for q in high):
    fail("group member read to %r in 60s, high watermarks %r" % (nxt, high))
print("%s; second half acked in %.1fs; %s" % (killed, took, check_read(acked, read, True)))
