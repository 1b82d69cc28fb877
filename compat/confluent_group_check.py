#!/usr/bin/python3
"""confluent-kafka-python (librdkafka) group consumer: commit, close, resume.

usage: confluent_group_check.py BOOTSTRAP TOPIC N

Creates TOPIC with two partitions and N records in each. A first consumer
subscribes as a member of a group (auto commit off), processes the first
half of each partition (it may fetch more; that is not committed), commits
exactly the offsets after the processed records and closes (leaving the
group). A second consumer in the same group must start on each partition
exactly at the committed offset and read the rest: no gap, no record twice.
Prints one line; exit 1 on a failure.
"""
import sys
import time

from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

bootstrap, topic, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
group = "compat-group-" + topic
PARTS = 2


def fail(msg):
    print(msg)
    sys.exit(1)


admin = AdminClient({"bootstrap.servers": bootstrap})
for f in admin.create_topics([NewTopic(topic, PARTS, 1)], request_timeout=10).values():
    f.result(timeout=15)

errors = []
p = Producer({"bootstrap.servers": bootstrap, "acks": "all", "linger.ms": 5})
for part in range(PARTS):
    for i in range(n):
        p.produce(topic, partition=part, value=b"%d-%d" % (part, i),
                  on_delivery=lambda err, _m: err and errors.append(str(err)))
if p.flush(20) or errors:
    fail("produce: errors %s" % errors[:3])


def member():
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False,
                  "auto.offset.reset": "earliest", "session.timeout.ms": 10000,
                  "enable.partition.eof": False})
    c.subscribe([topic])
    return c


def poll_until(c, enough, keep, deadline_s=30):
    deadline = time.time() + deadline_s
    while not enough() and time.time() < deadline:
        msg = c.poll(0.2)
        if msg is None:
            continue
        if msg.error():
            fail("consume: %s" % msg.error())
        keep(msg)


# First member: the first k records of each partition.
k = max(n // 2, 1)
first = member()
done = {part: [] for part in range(PARTS)}
poll_until(first, lambda: all(len(v) >= k for v in done.values()),
           lambda m: len(done[m.partition()]) < k and done[m.partition()].append(m.offset()))
if any(len(v) != k for v in done.values()):
    fail("first member processed %s records per partition in 30s, want %d" % ({q: len(v) for q, v in done.items()}, k))
if len(first.assignment()) != PARTS:
    fail("first member assigned %r, want both partitions" % first.assignment())
commit = [TopicPartition(topic, part, offs[-1] + 1) for part, offs in sorted(done.items())]
first.commit(offsets=commit, asynchronous=False)
for tp in first.committed([TopicPartition(topic, part) for part in range(PARTS)], timeout=10):
    if tp.offset != k:
        fail("partition %d: committed reads back as %d, want %d" % (tp.partition, tp.offset, k))
first.close()  # leaves the group

# Second member of the same group resumes exactly after the commits.
second = member()
rest = {part: [] for part in range(PARTS)}
poll_until(second, lambda: sum(len(v) for v in rest.values()) >= PARTS * (n - k),
           lambda m: rest[m.partition()].append(m.offset()))
second.close()
for part in range(PARTS):
    if rest[part][:1] != [k]:
        fail("partition %d: second member started at %s, committed %d" % (part, rest[part][:1], k))
    if sorted(done[part] + rest[part]) != list(range(n)):
        fail("partition %d: offsets read %r, want each of 0..%d once" % (part, sorted(done[part] + rest[part]), n - 1))
print("group member committed %s, closed; the next member resumed there, nothing lost or repeated"
      % ",".join("p%d@%d" % (tp.partition, tp.offset) for tp in commit))
