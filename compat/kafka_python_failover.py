#!/usr/bin/python3
"""kafka-python across a leader failover.

usage: kafka_python_failover.py BOOTSTRAP TOPIC N HOOK

As confluent_failover.py: a producer (acks=all, retries) sends N keyed
records and waits for each acknowledgement, HOOK runs (it SIGKILLs the leader
of partition 0), the same producer sends N more; a group member reads the
topic from the earliest offset to the high watermarks. kafka-python 2.0.2
has no idempotent producer, so a retry after the kill may write a record
twice: every acknowledged record must be read at least once.
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kafka import KafkaConsumer, KafkaProducer, TopicPartition  # noqa: E402
from failover_common import check_read, fail, run_hook  # noqa: E402

bootstrap, topic, n, hook = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
servers = bootstrap.split(",")
# request_timeout_ms also bounds how long a batch may wait in the
# accumulator for a leader (kafka-python 2.0.2 expires it after that).
producer = KafkaProducer(bootstrap_servers=servers, acks="all", retries=100, retry_backoff_ms=250,
                         request_timeout_ms=30000, linger_ms=5)
acked = []


def produce(phase):
    futures = [(b"kafka-python-%d-%d" % (phase, i),
                producer.send(topic, key=b"k%d-%d" % (phase, i), value=b"kafka-python-%d-%d" % (phase, i)))
               for i in range(n)]
    producer.flush(timeout=70)
    for value, f in futures:
        try:
            f.get(timeout=1)
        except Exception as e:  # noqa: BLE001
            fail("phase %d: %r not acknowledged: %r" % (phase, value, e))
        acked.append(value)


produce(1)
killed = run_hook(hook)
t0 = time.time()
produce(2)
took = time.time() - t0
producer.close()

consumer = KafkaConsumer(bootstrap_servers=servers, group_id="compat-cluster-" + topic,
                         enable_auto_commit=False, auto_offset_reset="earliest", session_timeout_ms=10000)
parts = consumer.partitions_for_topic(topic)
high = {q: o for tp, o in consumer.end_offsets([TopicPartition(topic, q) for q in parts]).items() for q in [tp.partition]}
consumer.subscribe([topic])
nxt = {q: 0 for q in high}
read = []
deadline = time.time() + 60
while any(nxt[q] < high[q] for q in high) and time.time() < deadline:
    for tp, recs in consumer.poll(timeout_ms=200).items():
        for r in recs:
            read.append(r.value)
            nxt[tp.partition] = r.offset + 1
consumer.close()
if any(nxt[q] < high[q] for q in high):
    fail("group member read to %r in 60s, high watermarks %r" % (nxt, high))
print("%s; second half acked in %.1fs; %s" % (killed, took, check_read(acked, read, False)))
