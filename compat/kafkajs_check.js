// kafkajs round trip with a codec.
// usage: node kafkajs_check.js BOOTSTRAP TOPIC CODEC(none|gzip|snappy|lz4) N
const { Kafka, CompressionTypes, CompressionCodecs, logLevel } = require('kafkajs')

const [bootstrap, topic, codec, nArg] = process.argv.slice(2)
const n = parseInt(nArg, 10)
const types = { none: CompressionTypes.None, gzip: CompressionTypes.GZIP, snappy: CompressionTypes.Snappy, lz4: CompressionTypes.LZ4 }
if (codec === 'snappy') CompressionCodecs[CompressionTypes.Snappy] = require('kafkajs-snappy')
if (codec === 'lz4') CompressionCodecs[CompressionTypes.LZ4] = new (require('kafkajs-lz4'))().codec

async function main () {
  const kafka = new Kafka({ clientId: 'compat', brokers: [bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 5 } })
  const producer = kafka.producer({ allowAutoTopicCreation: true, idempotent: true })
  await producer.connect()
  const messages = []
  for (let i = 0; i < n; i++) {
    messages.push({ key: `k${i}`, value: `kafkajs-${codec}-${i}`, headers: { h: `${i}` } })
  }
  await producer.send({ topic, acks: -1, compression: types[codec], messages })
  await producer.disconnect()

  const admin = kafka.admin()
  await admin.connect()
  const offsets = await admin.fetchTopicOffsets(topic)
  await admin.disconnect()
  const p0 = offsets.find((o) => o.partition === 0)
  if (!p0 || p0.high !== `${n}` || p0.low !== '0') throw new Error(`offsets after produce: ${JSON.stringify(offsets)}`)
  if (process.env.SLUICE_GROUPS !== '1') return 'produced; consume skipped (broker serves no group APIs yet)'

  const consumer = kafka.consumer({ groupId: `compat-${topic}` })
  await consumer.connect()
  await consumer.subscribe({ topic, fromBeginning: true })
  const got = []
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`consumed ${got.length} of ${n} records`)), 30000)
    consumer.run({
      autoCommit: false,
      eachMessage: async ({ message }) => {
        got.push(message)
        if (got.length === n) { clearTimeout(timer); resolve() }
      }
    }).catch(reject)
  })
  await consumer.commitOffsets([{ topic, partition: 0, offset: `${n}` }])
  await consumer.disconnect()
  const admin2 = kafka.admin()
  await admin2.connect()
  const committed = await admin2.fetchOffsets({ groupId: `compat-${topic}`, topics: [topic] })
  await admin2.disconnect()
  const c0 = committed[0].partitions.find((p) => p.partition === 0)
  if (!c0 || c0.offset !== `${n}`) throw new Error(`committed offsets read back as ${JSON.stringify(committed)}`)
  got.forEach((m, i) => {
    if (m.value.toString() !== `kafkajs-${codec}-${i}` || m.offset !== `${i}` || m.headers.h.toString() !== `${i}`) {
      throw new Error(`record ${i}: offset ${m.offset} value ${m.value}`)
    }
  })
  return 'group commit read back'
}

main().then((note) => { if (note) console.log(note); process.exit(0) }, (err) => { console.log(err.message || String(err)); process.exit(1) })
