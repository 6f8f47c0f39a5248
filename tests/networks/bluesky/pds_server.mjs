// Starts a PLC directory (in memory) and a Bluesky PDS in dev mode on 127.0.0.1, for the localserver tests.
// Usage: node pds_server.mjs, with PDS_DIR (the npm install of .ci/setup-networks.sh), PLC_PORT, PDS_PORT
// and DATA_DIR in the environment. Prints READY when both answer; stops cleanly on SIGTERM.
import { randomBytes } from 'node:crypto'
import { mkdir } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'

const pdsDir = process.env.PDS_DIR
const plcPort = Number(process.env.PLC_PORT)
const pdsPort = Number(process.env.PDS_PORT)
const dataDir = process.env.DATA_DIR

const require = createRequire(join(pdsDir, 'package.json'))
const plc = require('@did-plc/server')
const pdsModule = await import(
  pathToFileURL(join(pdsDir, 'node_modules/@atproto/pds/dist/index.js')).href
)
const { PDS, envToCfg, envToSecrets, readEnv } = pdsModule

const plcServer = plc.PlcServer.create({ db: plc.Database.mock(), port: plcPort })
await plcServer.start()

await mkdir(join(dataDir, 'blobs'), { recursive: true })

const hex = () => randomBytes(32).toString('hex')
Object.assign(process.env, {
  PDS_HOSTNAME: 'localhost',
  PDS_PORT: String(pdsPort),
  PDS_DEV_MODE: 'true',
  PDS_DATA_DIRECTORY: dataDir,
  PDS_BLOBSTORE_DISK_LOCATION: join(dataDir, 'blobs'),
  PDS_REPO_SIGNING_KEY_K256_PRIVATE_KEY_HEX: hex(),
  PDS_PLC_ROTATION_KEY_K256_PRIVATE_KEY_HEX: hex(),
  PDS_DPOP_SECRET: hex(),
  PDS_JWT_SECRET: hex(),
  PDS_ADMIN_PASSWORD: 'admin-pass',
  PDS_DID_PLC_URL: `http://127.0.0.1:${plcPort}`,
  PDS_INVITE_REQUIRED: 'false',
  PDS_SERVICE_HANDLE_DOMAINS: '.test',
  PDS_DISABLE_SSRF_PROTECTION: 'true',
  LOG_ENABLED: 'false',
})
const env = readEnv()
const pds = await PDS.create(envToCfg(env), envToSecrets(env))
await pds.start()
console.log('READY')

const stop = async () => {
  await pds.destroy()
  await plcServer.destroy()
  process.exit(0)
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
