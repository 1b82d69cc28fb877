#!/usr/bin/python3
"""kafka-python group consumer: commit, close, and a new member resumes.

usage: kafka_python_group_check.py BOOTSTRAP TOPIC N

Creates TOPIC with two partitions and N records in each. A first consumer
subscribes as a member of a group (auto commit off), processes some of the
records (the first half of each partition), commits exactly the offsets
after the ones it processed and closes
(leaving the group). A second consumer in the same group must start on each
partition exactly at the committed offset and read the rest: no gap, no
record twice. Prints one line; exit 1 on a failure.
"""
import sys
import time

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import KafkaAdminClient, NewTopic
from kafka.structs import OffsetAndMetadata

bootstrap, topic, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
group = "compat-group-" + topic
PARTS = 2


def fail(msg):
    print(msg)
    sys.exit(1)


admin = KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=10000)
admin.create_topics([NewTopic(topic, PARTS, 1)])
admin.close()

producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", request_timeout_ms=10000)
futures = [producer.send(topic, partition=p, value=b"%d-%d" % (p, i)) for p in range(PARTS) for i in range(n)]
producer.flush(timeout=20)
for f in futures:
    f.get(timeout=10)
producer.close()


def member():
    c = KafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False,
                      auto_offset_reset="earliest", session_timeout_ms=10000)
    c.subscribe([topic])
    return c


def consume(c, want, deadline_s=30):
    """Returns up to want records (in poll order) within the deadline."""
    got = []
    deadline = time.time() + deadline_s
    while len(got) < want and time.time() < deadline:
        for recs in c.poll(timeout_ms=200, max_records=want - len(got)).values():
            got.extend(recs)
    return got


# First member: process the first k records of each partition (it may
# fetch more; those are not committed), commit after them.
k = max(n // 2, 1)
first = member()
done = []
deadline = time.time() + 30
while time.time() < deadline and any(sum(1 for r in done if r.partition == p) < k for p in range(PARTS)):
    for recs in first.poll(timeout_ms=200).values():
        for r in recs:
            if sum(1 for d in done if d.partition == r.partition) < k:
                done.append(r)
if len(done) != PARTS * k:
    fail("first member processed %d of %d records in 30s" % (len(done), PARTS * k))
if len(first.assignment()) != PARTS:
    fail("first member assigned %r, want both partitions" % first.assignment())
commit = {}
for r in done:
    commit[TopicPartition(topic, r.partition)] = r.offset + 1
first.commit({tp: OffsetAndMetadata(o, None) for tp, o in commit.items()})
for tp, o in commit.items():
    if first.committed(tp) != o:
        fail("partition %d: committed reads back as %r, want %d" % (tp.partition, first.committed(tp), o))
first.close()  # leaves the group

# Second member of the same group resumes exactly after the commits.
second = member()
rest = consume(second, PARTS * n - len(done))
second.close()
seen = {}
for r in done + rest:
    seen.setdefault(r.partition, []).append(r.offset)
for p in range(PARTS):
    start = commit.get(TopicPartition(topic, p), 0)
    resumed = [r.offset for r in rest if r.partition == p]
    if resumed and resumed[0] != start:
        fail("partition %d: second member started at %d, committed %d" % (p, resumed[0], start))
    if sorted(seen.get(p, [])) != list(range(n)):
        fail("partition %d: offsets read %r, want each of 0..%d once" % (p, sorted(seen.get(p, [])), n - 1))
print("group member committed %s, closed; the next member resumed there, nothing lost or repeated"
      % ",".join("p%d@%d" % (tp.partition, o) for tp, o in sorted(commit.items())))
