// kafkajs across a leader failover.
// usage: node kafkajs_failover.js BOOTSTRAP TOPIC N HOOK
//
// As compat/confluent_failover.py: an idempotent producer (acks -1) sends N
// records (spread over the partitions, one send() per partition), HOOK runs (bash; it SIGKILLs the leader of partition 0), the
// same producer sends N more; a group member (subscribe, fromBeginning) reads
// the topic to the high watermarks. Every acknowledged record must be read
// exactly once.
const { execFileSync } = require('child_process')
const { Kafka, logLevel } = require('kafkajs')

const [bootstrap, topic, nArg, hook] = process.argv.slice(2)
const n = parseInt(nArg, 10)

async function main () {
  const kafka = new Kafka({
    clientId: 'compat-cluster',
    brokers: bootstrap.split(','),
    logLevel: logLevel.NOTHING,
    connectionTimeout: 3000,
    retry: { retries: 12, initialRetryTime: 300, maxRetryTime: 3000 }
  })
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 })
  await producer.connect()
  const admin0 = kafka.admin()
  await admin0.connect()
  const parts = (await admin0.fetchTopicMetadata({ topics: [topic] })).topics[0].partitions.length
  await admin0.disconnect()
  const acked = []
  // One send() per partition: kafkajs 2.2.4 drops the records of a
  // partition whose leader died when the new leader is a broker that already
  // answered the same send() for another partition (sendMessages retries
  // only the brokers without a response), and resolves send() without them
  // (tulios/kafkajs#1303). Sent alone, a partition's records are retried to
  // its new leader.
  const produce = async (phase) => {
    for (let i = 0; i < n; i += 20 * parts) {
      const byPartition = []
      for (let p = 0; p < parts; p++) byPartition.push([])
      for (let j = i; j < Math.min(i + 20 * parts, n); j++) {
        byPartition[j % parts].push({ key: `k${phase}-${j}`, value: `kafkajs-${phase}-${j}`, partition: j % parts })
      }
      await Promise.all(byPartition.map(async (messages, p) => {
        if (!messages.length) return
        const res = await producer.send({ topic, acks: -1, messages })
        if (!res.some((r) => r.partition === p && r.errorCode === 0)) {
          throw new Error(`send() to partition ${p} resolved without its acknowledgement: ${JSON.stringify(res)}`)
        }
        messages.forEach((m) => acked.push(m.value))
      }))
    }
  }
  await produce(1)
  const out = execFileSync('bash', ['-c', hook], { encoding: 'utf8' }).trim().split('\n')
  const t0 = Date.now()
  await produce(2)
  const took = (Date.now() - t0) / 1000
  await producer.disconnect()

  const admin = kafka.admin()
  await admin.connect()
  const high = {}
  for (const o of await admin.fetchTopicOffsets(topic)) high[o.partition] = parseInt(o.high, 10)
  await admin.disconnect()

  const consumer = kafka.consumer({ groupId: `compat-cluster-${topic}`, sessionTimeout: 10000 })
  await consumer.connect()
  await consumer.subscribe({ topic, fromBeginning: true })
  const next = {}
  Object.keys(high).forEach((q) => { next[q] = 0 })
  const done = () => Object.keys(high).every((q) => next[q] >= high[q])
  const read = []
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`group member read to ${JSON.stringify(next)} in 60s, high watermarks ${JSON.stringify(high)}`)), 60000)
    if (done()) { clearTimeout(timer); resolve(); return }
    consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        read.push(message.value.toString())
        next[partition] = parseInt(message.offset, 10) + 1
        if (done()) { clearTimeout(timer); resolve() }
      }
    }).catch(reject)
  })
  await consumer.disconnect()

  const counts = new Map()
  read.forEach((v) => counts.set(v, (counts.get(v) || 0) + 1))
  const lost = acked.filter((v) => !counts.has(v))
  if (lost.length) throw new Error(`${lost.length} of ${acked.length} acknowledged records not read back, e.g. ${lost.slice(0, 3)}`)
  let dups = 0
  counts.forEach((c) => { dups += c - 1 })
  if (dups) throw new Error(`${dups} duplicate records read (want exactly once)`)
  return `${out[out.length - 1]}; second half acked in ${took.toFixed(1)}s; ${acked.length} acknowledged, all read back exactly once (${read.length} records read, ${dups} duplicates)`
}

main().then((note) => { console.log(note); process.exit(0) }, (err) => { console.log(err.message || String(err)); process.exit(1) })
